/**
 * This process's soft limit of open files (RLIMIT_NOFILE), read from
 * `/proc/self/limits` (Node has no getrlimit; at start-up it raises the soft
 * limit to the hard one). Undefined where that file cannot be read (not
 * Linux) or says `unlimited`.
 */
export declare const openFileLimit: (limits?: string) => number | undefined;
/**
 * The server-wide limits of live processes and file handles for an
 * open-file limit: processes may take half of the descriptors (4 each), file
 * handles a quarter, and a quarter is left for connections, watchers, HTTP
 * requests, sandboxed file workers and Node itself; each at most 4096 (and at
 * least 1).
 */
export declare const descriptorLimits: (openFiles: number | undefined) => {
    readonly maxLiveProcesses: number;
    readonly maxServerFileHandles: number;
};
//# sourceMappingURL=descriptorLimits.d.ts.map