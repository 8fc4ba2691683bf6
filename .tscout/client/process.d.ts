/**
 * The client's processes (`process/*`) on the peer: handles with their event
 * channels (one `ProcessChannel` per process, fed by the server's process
 * notifications), scoped starts, and the exec helpers.
 */
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import type { EnvPolicy, ProcessInfo, ReadResult, SignalName, TerminalSize, WriteResult } from "../protocol/schema.js";
import { type ClientError, ExecTimeout } from "./ClientError.js";
import { type SandboxInput } from "./fields.js";
import type { JsonRpcPeer } from "./JsonRpcPeer.js";
import { type ExitStatus, type ProcessEvent } from "./ProcessChannel.js";
/** What `exec` and `communicate` return: the output as bytes, or as text from `exec` with `encoding: "utf8"`. */
export interface ExecResult<Output extends Uint8Array | string = Uint8Array> extends ExitStatus {
    readonly stdout: Output;
    readonly stderr: Output;
}
/**
 * `process/start` params as the client takes them. The defaults suit a
 * server on another machine: the server's working directory, and the
 * server's environment without the names that look like secrets.
 */
export interface StartOptions {
    readonly argv: ReadonlyArray<string>;
    /** Absolute on the server's host; default: the server's working directory. */
    readonly cwd?: string;
    /**
     * The child's environment: the whole of it, or what is laid over the
     * server-side `envPolicy` when one is given. Default: none of the client's
     * variables (the server's environment, by the default policy).
     */
    readonly env?: Readonly<Record<string, string>>;
    /**
     * Build the environment from the server's own (see PROTOCOL.md); fields
     * default as there. Default when neither this nor `env` is given:
     * `{inherit: "all"}` with the default exclusions (`*KEY*`, `*SECRET*`,
     * `*TOKEN*`).
     */
    readonly envPolicy?: Partial<EnvPolicy>;
    readonly tty?: boolean;
    readonly pipeStdin?: boolean;
    readonly arg0?: string;
    readonly size?: TerminalSize;
    /** Confine the process (see PROTOCOL.md, "Sandbox"); default: the client's `sandbox` option. */
    readonly sandbox?: SandboxInput;
    /** A process id; default: a fresh one. */
    readonly processId?: string;
    /**
     * Leave the process running when the scope of `start` closes (it still
     * ends with the session). Default: closing the scope terminates it.
     */
    readonly detached?: boolean;
}
/** `exec` options: those of `start` (but `tty`), and what `exec` adds. */
export interface ExecOptions extends Omit<StartOptions, "argv" | "tty" | "pipeStdin" | "detached"> {
    /** Bytes for the process's stdin, which is closed after them (default: no stdin). */
    readonly input?: Uint8Array | string;
    /** Terminate the process and fail with `ExecTimeout` after this long. */
    readonly timeout?: Duration.DurationInput;
    /**
     * `"utf8"`: `stdout` and `stderr` as text, decoded once the process has
     * closed (malformed bytes become U+FFFD). Default: bytes.
     */
    readonly encoding?: "utf8";
}
/** `exec`: the output as bytes, or as text with `encoding: "utf8"` (typed by the options given). */
export interface Exec {
    (argv: ReadonlyArray<string>, options: ExecOptions & {
        readonly encoding: "utf8";
    }): Effect.Effect<ExecResult<string>, ClientError | ExecTimeout>;
    (argv: ReadonlyArray<string>, options?: ExecOptions & {
        readonly encoding?: undefined;
    }): Effect.Effect<ExecResult, ClientError | ExecTimeout>;
    /** Options whose `encoding` is not known until run time. */
    (argv: ReadonlyArray<string>, options?: ExecOptions): Effect.Effect<ExecResult<Uint8Array | string>, ClientError | ExecTimeout>;
}
/** A process of the client's session. */
export interface ProcessHandle {
    readonly processId: string;
    /**
     * Its events in seq order, ending after `Closed`: a `Gap` stands for
     * output the server evicted before the client read it. One consumer.
     */
    readonly events: Stream.Stream<ProcessEvent, ClientError>;
    /** Completes with the exit status (without consuming `events`); `UnknownProcess` for an id the server does not know. */
    readonly exited: Effect.Effect<ExitStatus, ClientError>;
    readonly write: (data: Uint8Array | string) => Effect.Effect<WriteResult, ClientError>;
    readonly closeStdin: Effect.Effect<WriteResult, ClientError>;
    readonly terminate: (options?: {
        readonly mode?: "graceful" | "force";
        readonly graceMs?: number;
    }) => Effect.Effect<boolean, ClientError>;
    readonly resize: (size: TerminalSize) => Effect.Effect<void, ClientError>;
    readonly signal: (signal: SignalName) => Effect.Effect<boolean, ClientError>;
    readonly read: (options?: {
        readonly afterSeq?: number;
        readonly maxBytes?: number;
        readonly waitMs?: number;
    }) => Effect.Effect<ReadResult, ClientError>;
}
/** The process API of a client, part of `ExecServerClientShape`. */
export interface ClientProcesses {
    /** Starts a process owned by the scope: closing it terminates the process, unless `detached`. */
    readonly start: (options: StartOptions) => Effect.Effect<ProcessHandle, ClientError, Scope.Scope>;
    /**
     * The handle of a process of the session that this client did not start
     * (one started before a resume, or through `call`): its events are read
     * from the server's retained output; an unknown id fails with `UnknownProcess`.
     */
    readonly process: (processId: string) => ProcessHandle;
    readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>, ClientError>;
    /** Waits for a process to exit. */
    readonly wait: (processId: string) => Effect.Effect<ExitStatus, ClientError>;
    /** Writes `input`, closes stdin and collects the output until the process closes (consumes its events). */
    readonly communicate: (processId: string, input?: Uint8Array | string) => Effect.Effect<ExecResult, ClientError>;
    /**
     * Runs a command with pipes and collects its exit status and output: bytes,
     * or text with `encoding: "utf8"`. Interrupting it (or its `timeout`)
     * terminates the process.
     */
    readonly exec: Exec;
}
/** What the process API takes of the client's options. */
export interface ProcessOptions {
    readonly sandbox?: SandboxInput;
    readonly maxBufferedBytesPerProcess?: number;
}
/** The process API on `peer`; it routes the process notifications to their channels. */
export declare const make: (peer: JsonRpcPeer, options: ProcessOptions) => ClientProcesses;
//# sourceMappingURL=process.d.ts.map