import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import * as Scope from "effect/Scope";
import { type InternalError, type InvalidParams, InvalidRequest, type SandboxUnavailable, type ServerBusy, type SpawnNotFound } from "../protocol/errors.js";
import { Sandbox } from "../sandbox/Sandbox.js";
import type { ProcessInfo } from "../protocol/schema.js";
import { PipeSpawner, PtySpawner } from "./ChildProcess.js";
import { OutputBuffers } from "./OutputBuffers.js";
import type { LiveOutputBudget } from "./LiveOutputBudget.js";
import { type ProcessActor, type ProcessEvent } from "./ProcessActor.js";
import type { ProcessObserver } from "./ProcessObserver.js";
import type { ProcessStart } from "./ProcessStart.js";
import { RetentionBudget } from "./RetentionBudget.js";
import type { Slots } from "./Slots.js";
/** Settings of a process table. */
export interface ProcessTableOptions {
    /** SIGTERM → SIGKILL grace period when processes are stopped by scope closure. */
    readonly graceMs: number;
    /** Cap of the retained output of each process, in bytes. */
    readonly retainedOutputBytes: number;
    /** How long a closed process stays readable before its id is freed. */
    readonly retentionMs: number;
    /** The server's budget of closed records, which may free them before `retentionMs` (none: time only). */
    readonly retention?: RetentionBudget | undefined;
    /** How long after a process's exit descendants may hold its output open before it is closed anyway. */
    readonly closeDrainMs: number;
    /** Most processes that may be live (not yet closed) at once. */
    readonly maxProcesses: number;
    /** The server's count of live processes over all sessions (none: only `maxProcesses` bounds them). */
    readonly serverProcesses?: Slots | undefined;
    /** The server's budget of output retained by live processes (none: only each process's cap bounds it). */
    readonly liveOutput?: LiveOutputBudget | undefined;
    /** Receives the events of every process, each process's in seq order. */
    readonly emit: (event: ProcessEvent) => void;
    /** Told about each process's spawn, start and close (its metrics, logs and span). */
    readonly observer: ProcessObserver;
}
/** The processes of one session. */
export interface ProcessTable {
    /**
     * Spawns a process whose environment and confinement are decided
     * (`resolveStart`); the id must not be taken. -32001 when the server runs
     * its most processes.
     */
    readonly start: (start: ProcessStart) => Effect.Effect<ProcessActor, InvalidRequest | InvalidParams | InternalError | SandboxUnavailable | ServerBusy | SpawnNotFound>;
    /** The process with this id, or -32600 `unknown process id`. */
    readonly get: (processId: string) => Effect.Effect<ProcessActor, InvalidRequest>;
    readonly find: (processId: string) => Option.Option<ProcessActor>;
    readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>>;
    /** Flow control for every process, present and future: stop or resume reading output. */
    readonly setPaused: (paused: boolean) => void;
}
/** Makes a process table whose processes live in the current scope. */
export declare const makeProcessTable: (options: ProcessTableOptions) => Effect.Effect<ProcessTable, never, Scope.Scope | PtySpawner | PipeSpawner | OutputBuffers | Sandbox>;
//# sourceMappingURL=ProcessTable.d.ts.map