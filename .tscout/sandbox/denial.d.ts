/**
 * Whether a sandboxed process that exited most likely failed because the
 * sandbox refused it something (`sandboxDenied`). The kernel does not say
 * which failed call was the sandbox's doing, so this reads the process's
 * last output, as the reference does, with the same markers (so Codex's
 * client sees the same answer for the same run) plus the errors a missing
 * network gives when the policy has none.
 */
/** How much of the end of the output is read: the error that ended a command is at its end. */
export declare const DENIAL_SCAN_BYTES: number;
/**
 * False for a success, or when nothing in the output points at the sandbox;
 * true when it does. Exit codes 126 and 127 (cannot execute, not found)
 * count only with a marker: a missing program is not the sandbox's doing.
 */
export declare const isLikelySandboxDenied: (exitCode: number, output: string, network: boolean) => boolean;
//# sourceMappingURL=denial.d.ts.map