/**
 * The defaults of the server-wide process and file-handle limits, derived
 * from this process's open-file limit. Apart from ServerConfig so that the
 * flag declarations (ServerFlags.ts) can use them without a cycle.
 */
import { readFileSync } from "node:fs";
/**
 * This process's soft limit of open files (RLIMIT_NOFILE), read from
 * `/proc/self/limits` (Node has no getrlimit; at start-up it raises the soft
 * limit to the hard one). Undefined where that file cannot be read (not
 * Linux) or says `unlimited`.
 */
export const openFileLimit = (limits) => {
    let text = limits;
    if (text === undefined) {
        try {
            text = readFileSync("/proc/self/limits", "utf8");
        }
        catch {
            return undefined;
        }
    }
    const match = /^Max open files\s+(\d+)/m.exec(text);
    return match === null ? undefined : Number(match[1]);
};
/** The open-file limit assumed where it cannot be read. */
const ASSUMED_OPEN_FILES = 8192;
/** Most descriptors a live process holds in the server: stdin, stdout and stderr pipes and a pidfd (a terminal: 2). */
const DESCRIPTORS_PER_PROCESS = 4;
/** The highest derived default of the server-wide process and handle limits. */
const MAX_DERIVED_LIMIT = 4096;
/**
 * The server-wide limits of live processes and file handles for an
 * open-file limit: processes may take half of the descriptors (4 each), file
 * handles a quarter, and a quarter is left for connections, watchers, HTTP
 * requests, sandboxed file workers and Node itself; each at most 4096 (and at
 * least 1).
 */
export const descriptorLimits = (openFiles) => {
    const files = openFiles ?? ASSUMED_OPEN_FILES;
    const bounded = (value) => Math.max(1, Math.min(MAX_DERIVED_LIMIT, Math.floor(value)));
    return {
        maxLiveProcesses: bounded(files / 2 / DESCRIPTORS_PER_PROCESS),
        maxServerFileHandles: bounded(files / 4)
    };
};
//# sourceMappingURL=descriptorLimits.js.map