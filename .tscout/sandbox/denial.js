/**
 * Whether a sandboxed process that exited most likely failed because the
 * sandbox refused it something (`sandboxDenied`). The kernel does not say
 * which failed call was the sandbox's doing, so this reads the process's
 * last output, as the reference does, with the same markers (so Codex's
 * client sees the same answer for the same run) plus the errors a missing
 * network gives when the policy has none.
 */
/** Markers of a refused file-system operation (matched without case). */
const FILE_SYSTEM_MARKERS = [
    "operation not permitted",
    "permission denied",
    "read-only file system",
    "seccomp",
    "sandbox",
    "landlock",
    "failed to write file"
];
/** Markers of a refused network operation, when the policy has no network. */
const NETWORK_MARKERS = [
    "network is unreachable",
    "temporary failure in name resolution",
    "could not resolve host",
    "name or service not known",
    "no address associated with hostname",
    "connection refused"
];
/** How much of the end of the output is read: the error that ended a command is at its end. */
export const DENIAL_SCAN_BYTES = 64 * 1024;
/**
 * False for a success, or when nothing in the output points at the sandbox;
 * true when it does. Exit codes 126 and 127 (cannot execute, not found)
 * count only with a marker: a missing program is not the sandbox's doing.
 */
export const isLikelySandboxDenied = (exitCode, output, network) => {
    if (exitCode === 0)
        return false;
    const text = output.toLowerCase();
    if (FILE_SYSTEM_MARKERS.some((marker) => text.includes(marker)))
        return true;
    return !network && NETWORK_MARKERS.some((marker) => text.includes(marker));
};
//# sourceMappingURL=denial.js.map