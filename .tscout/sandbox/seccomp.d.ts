/** What the filter refuses besides vsock and io_uring. */
export interface SeccompOptions {
    /** Refuse making Unix sockets (the sandbox has no network). */
    readonly denyUnixSockets: boolean;
}
/** The filter for `arch`, or undefined where we do not know its system call numbers. */
export declare const seccompFilter: (options: SeccompOptions, arch?: NodeJS.Architecture) => Buffer | undefined;
/**
 * The filter as a path that opens it: `/proc/PID/fd/N` of a descriptor this
 * server keeps to a file that is removed at once. Nothing can change what
 * later sandboxes get through it: the file was made read-only in a fresh
 * private directory under /dev/shm, which no sandbox sees (each has a /dev of
 * its own), and what the descriptor reads is checked before it is used.
 * Throws when it cannot be made.
 */
export declare const filterPath: (filter: Buffer) => string;
//# sourceMappingURL=seccomp.d.ts.map