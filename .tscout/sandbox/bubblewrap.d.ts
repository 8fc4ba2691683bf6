import { type ResolvedSandbox } from "./policy.js";
/** The shim's interpreter; perl-base is an essential package on Debian. */
export declare const SHIM_INTERPRETER = "/usr/bin/perl";
/** Options of the bubblewrap command line. */
export interface BubblewrapArgsOptions {
    readonly policy: ResolvedSandbox;
    /** Where the command starts (inside the sandbox). */
    readonly cwd: string;
    /** Extra read-only paths the launcher itself needs (the fs worker's runtime). */
    readonly extraReadable?: ReadonlyArray<string>;
}
/** Whether `path` is a directory (following symlinks). */
export declare const isDirectory: (path: string) => boolean;
/**
 * The bubblewrap options for a policy (everything before `--`): the root as
 * the "/" rule says, fresh /dev and /proc, then every deeper rule in path
 * order so the deepest wins: writable binds, read-only binds, and empty
 * read-only (or inaccessible) file systems over denied and missing paths.
 * Namespaces: PID, IPC, UTS and cgroup always, network unless allowed; all
 * capabilities dropped; the sandbox dies with the server.
 */
export declare const bubblewrapOptions: (options: BubblewrapArgsOptions) => Array<string>;
/** What a bubblewrap command line needs besides the policy: the executable and the seccomp filter. */
export interface Launcher {
    readonly bwrap: string;
    /** A path that opens the seccomp filter (see Sandbox's filter descriptors). */
    readonly seccompFilter: string;
}
/**
 * A command under bubblewrap with the seccomp filter. bubblewrap reads a
 * filter only from a descriptor, and neither node-pty nor child_process
 * hands a child more than its stdio, so a shell opens the filter as that
 * descriptor and execs bubblewrap (the pid stays the launcher's).
 */
export declare const launcherArgv: (launcher: Launcher, options: BubblewrapArgsOptions, command: ReadonlyArray<string>) => Array<string>;
/** The whole command line: bubblewrap, its options, the shim, the command (with its argv[0]). */
export declare const confinedArgv: (launcher: Launcher, options: BubblewrapArgsOptions, argv: ReadonlyArray<string>, arg0: string | undefined) => Array<string>;
/** Finds an executable named `name` in PATH (or takes it as it is when it has a slash). */
export declare const findExecutable: (name: string, path?: string) => string | undefined;
/**
 * Checks that bubblewrap can build a sandbox here (it can be installed and
 * still fail: no user namespaces for an unprivileged server, a seccomp
 * profile of a container): a real sandbox, with the filter, runs the shim's
 * interpreter. The reason when not.
 */
export declare const probe: (launcher: Launcher) => string | undefined;
/**
 * The host pid of the confined command (pid 2 of the sandbox: the first
 * child of the namespace's init, the outer bwrap's child), or undefined
 * while it is not running yet or any more.
 */
export declare const commandPidOf: (launcherPid: number) => number | undefined;
//# sourceMappingURL=bubblewrap.d.ts.map