/**
 * Children started with posix_spawn through our small addon (native/spawn.c)
 * instead of Node's child_process, whose fork() costs CPU in proportion to the
 * server's memory. To the pipe spawner the child looks much like Node's:
 * `pid`, stdin as a socket, `exit` and then `close` once the output has
 * ended; stdout and stderr are read by the addon (native/output.c).
 */
import { EventEmitter } from "node:events";
import * as Net from "node:net";
/**
 * Whether children can be started with posix_spawn here: the addon is built
 * and not switched off, and this kernel has pidfds; otherwise Node's
 * child_process is used.
 */
export declare const posixSpawnAvailable: () => boolean;
/** What the pipe spawner asks of a child. */
export interface SpawnOptions {
    readonly file: string;
    /** argv[0] included. */
    readonly argv: ReadonlyArray<string>;
    readonly env: Readonly<Record<string, string>>;
    readonly cwd: string;
    readonly pipeStdin: boolean;
    /** Each read of stdout or stderr, valid only during the call. */
    readonly onOutput: (stream: "stdout" | "stderr", bytes: Buffer) => void;
}
/**
 * A child started with posix_spawn: the events of Node's ChildProcess that
 * we use (`exit`, then `close` once stdout and stderr have ended) and its
 * stdin. Its output comes through `onOutput`, read by the addon (no stream
 * objects: see native/output.c).
 */
export interface PosixChild extends EventEmitter {
    readonly pid: number;
    readonly stdin: Net.Socket | null;
    /** Stops reading stdout and stderr (the child blocks once their pipes are full). */
    readonly pauseOutput: () => void;
    readonly resumeOutput: () => void;
    /** Closes stdout and stderr now (a descendant holding them gets EPIPE); `close` follows. */
    readonly destroyOutput: () => void;
}
/**
 * Starts a child in a session of its own with stdout and stderr as pipes and
 * stdin a pipe or /dev/null. Throws like Node's spawn (an Error with `code`).
 */
export declare const spawn: (options: SpawnOptions) => PosixChild;
//# sourceMappingURL=posixSpawn.d.ts.map