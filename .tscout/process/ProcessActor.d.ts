import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import { type InternalError, ServerBusy, type SpawnNotFound } from "../protocol/errors.js";
import type { SandboxType } from "../protocol/sandbox.js";
import type { ProcessInfo, ReadResult, SignalName, TerminalSize, WriteStatus } from "../protocol/schema.js";
import { type ProcessSpawner, type SpawnRequest } from "./ChildProcess.js";
import type { RetainedOutput } from "./OutputBuffers.js";
import type { ExitStatus, ProcessEvent } from "./ProcessLifecycle.js";
import type { ProcessReaper } from "./ProcessReaper.js";
export type { ExitStatus, ProcessEvent } from "./ProcessLifecycle.js";
/** How `terminate` stops a process. */
export type TerminateMode = "graceful" | "force";
/** The mailbox-facing interface of a process actor. */
export interface ProcessActor {
    readonly processId: string;
    readonly pid: number;
    readonly argv: ReadonlyArray<string>;
    readonly tty: boolean;
    readonly startedAtMs: number;
    /** What confines the process. */
    readonly sandboxType: SandboxType;
    /** Writes to stdin; a `writeId` seen before returns its first status without writing again. */
    readonly write: (bytes: Uint8Array, writeId?: string) => Effect.Effect<WriteStatus, ServerBusy>;
    readonly closeStdin: Effect.Effect<WriteStatus>;
    /** Resizes the terminal; a finished process ignores it. */
    readonly resize: (size: TerminalSize) => Effect.Effect<void>;
    /** Signals the process group; false when nothing was there to receive it. */
    readonly signal: (signal: SignalName) => Effect.Effect<boolean>;
    /** Stops the process group; true when the process was running. */
    readonly terminate: (mode: TerminateMode, graceMs: number) => Effect.Effect<boolean>;
    readonly read: (options: {
        readonly afterSeq: number;
        readonly maxBytes: number | undefined;
        readonly waitMs: number;
    }) => Effect.Effect<ReadResult>;
    readonly info: Effect.Effect<ProcessInfo>;
    /**
     * Once closed: a record of the process that holds only what reads and
     * listings need (its retained output and exit status), so the table can
     * keep it through the retention period after letting the actor go.
     */
    readonly closedRecord: () => ClosedProcess;
    /** Starts delivering events through `emit` (those that came before are delivered first). */
    readonly release: Effect.Effect<void>;
    /** Flow control: stop or resume reading the child's output (the child blocks while stopped). */
    readonly setPaused: (paused: boolean) => void;
}
/** What an actor needs to start. */
export interface ProcessActorOptions {
    readonly processId: string;
    readonly tty: boolean;
    readonly request: SpawnRequest;
    readonly spawner: ProcessSpawner;
    readonly output: RetainedOutput;
    /** The grace period between SIGTERM and SIGKILL when the actor's scope closes. */
    readonly graceMs: number;
    /**
     * How long after the exit to wait for descendants that still hold the
     * output open (a background job, a daemon that left the process group):
     * then the output is ended and the process is closed all the same.
     */
    readonly closeDrainMs: number;
    /** Receives events in seq order; must not block. */
    readonly emit: (event: ProcessEvent) => void;
    /** Told about the child's process group, so it is killed even if the server dies. */
    readonly reaper?: typeof ProcessReaper.Service | undefined;
    /** Set when a sandbox confines the process: whether it has the network (for `sandboxDenied`). */
    readonly sandbox?: {
        readonly network: boolean;
    } | undefined;
    /**
     * Told once, when the process is closed (exited and all output read; right
     * after its `Closed` event). Called from the spawner's callback: it must
     * not block, nor run effects there. Once it has exited, descendants that
     * still hold the output open get `closeDrainMs`; then the output is ended
     * and the process closes all the same.
     */
    readonly onClosed?: (() => void) | undefined;
}
/**
 * A process after `closed`, as the table keeps it for the retention period:
 * its retained output and exit status, and nothing of the child or the
 * actor (no fiber, no scope, no callbacks), so that thousands of finished
 * processes cost about what their output takes. Commands answer as they do
 * for a closed process.
 */
export declare class ClosedProcess implements ProcessActor {
    readonly processId: string;
    readonly pid: number;
    readonly argv: ReadonlyArray<string>;
    readonly tty: boolean;
    readonly startedAtMs: number;
    readonly sandboxType: SandboxType;
    /** How the process ended. */
    readonly exit: ExitStatus;
    private readonly failure;
    private readonly output;
    constructor(processId: string, pid: number, argv: ReadonlyArray<string>, tty: boolean, startedAtMs: number, sandboxType: SandboxType, 
    /** How the process ended. */
    exit: ExitStatus, failure: string | null, output: RetainedOutput);
    write(): Effect.Effect<WriteStatus>;
    get closeStdin(): Effect.Effect<WriteStatus>;
    resize(): Effect.Effect<void>;
    signal(): Effect.Effect<boolean>;
    terminate(): Effect.Effect<boolean>;
    read(options: {
        readonly afterSeq: number;
        readonly maxBytes: number | undefined;
    }): Effect.Effect<ReadResult>;
    get info(): Effect.Effect<ProcessInfo>;
    get release(): Effect.Effect<void>;
    closedRecord(): ClosedProcess;
    setPaused(): void;
}
/** Starts a process and its actor in the current scope; closing the scope terminates it. */
export declare const makeProcessActor: (options: ProcessActorOptions) => Effect.Effect<ProcessActor, InternalError | SpawnNotFound, Scope.Scope>;
//# sourceMappingURL=ProcessActor.d.ts.map