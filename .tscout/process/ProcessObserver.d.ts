/**
 * What the server tells the world about a process's life: its metrics, its
 * log lines and (when tracing is on) its span, all from here. The table
 * calls it as a process spawns, once it has started, and once it is closed.
 */
import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import type { ClosedProcess, ProcessActor } from "./ProcessActor.js";
/** A process as the observer first sees it, before it spawns. */
export interface SpawningProcess {
    readonly processId: string;
    readonly argv0: string;
    readonly tty: boolean;
}
/** The observer of one process, from its spawn to its close. */
export interface ObservedProcess {
    /** It has started; `spawnMs` is how long its spawn took. */
    readonly started: (actor: ProcessActor, spawnMs: number) => Effect.Effect<void>;
    /** It is closed (exited, output read); `durationMs` since it started. */
    readonly closed: (record: ClosedProcess, durationMs: number) => Effect.Effect<void>;
}
/** Observes the processes of a table. */
export interface ProcessObserver {
    /** A process is about to spawn in `scope` (its span, if any, ends when the scope closes). */
    readonly spawning: (process: SpawningProcess, scope: Scope.Scope) => Effect.Effect<ObservedProcess>;
}
/** Metrics and logs of every process, and a span per process lifetime when traced (spans are not free). */
export declare const make: (options: {
    readonly traced?: {
        readonly sessionId: string;
    } | undefined;
}) => ProcessObserver;
//# sourceMappingURL=ProcessObserver.d.ts.map