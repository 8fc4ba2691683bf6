/**
 * The lifecycle of a managed process as a value: running → exited → closed,
 * whether its process group is gone, whether its events are held until the
 * start response is out, and whether its actor has stopped. Transitions are
 * pure: each returns the next state and what the actor must do, as data.
 * A transition that does not apply (an exit reported twice, a release
 * repeated) leaves the state as it is and asks for nothing.
 */
import * as Chunk from "effect/Chunk";
import type { OutputStream } from "../protocol/schema.js";
/** An event of a managed process, as it goes to the client. */
export type ProcessEvent = {
    readonly _tag: "Output";
    readonly processId: string;
    readonly seq: number;
    readonly stream: OutputStream;
    readonly bytes: Uint8Array;
} | {
    readonly _tag: "Exited";
    readonly processId: string;
    readonly seq: number;
    readonly exitCode: number;
    readonly signal: string | null;
    readonly sandboxDenied: boolean;
} | {
    readonly _tag: "Closed";
    readonly processId: string;
    readonly seq: number;
};
/** How a process ended, once it has. */
export interface ExitStatus {
    readonly exitCode: number;
    readonly signal: string | null;
    readonly sandboxDenied: boolean;
    /** The seq of the `exited` event, so a reader catching up can place it among the output. */
    readonly seq: number;
}
/** Where the process is: running, exited (output may still come), or closed (nothing more comes). */
export type Phase = {
    readonly _tag: "Running";
} | {
    readonly _tag: "Exited";
    readonly exit: ExitStatus;
} | {
    readonly _tag: "Closed";
    readonly exit: ExitStatus;
};
/** The state of a process actor. */
export interface Lifecycle {
    readonly processId: string;
    readonly phase: Phase;
    /** Why the process has no real exit status, when it has none. */
    readonly failure: string | null;
    /**
     * Once the process has exited and its group has been seen empty, the
     * group's id is free for an unrelated group to take: it is never
     * signalled again.
     */
    readonly groupGone: boolean;
    /** Events wait here until the start response is out; `undefined` once released. */
    readonly held: Chunk.Chunk<ProcessEvent> | undefined;
    /** The actor's scope has closed (the process retired, or its session ended): commands answer as for a closed process. */
    readonly stopped: boolean;
    /** A graceful terminate has set its SIGKILL timer (one per process). */
    readonly killScheduled: boolean;
}
/** What a transition asks the actor to do, in order. */
export type Action = 
/** Deliver an event now, or hold it (see `hold`). */
{
    readonly _tag: "Publish";
    readonly event: ProcessEvent;
}
/** Look whether the process group still exists and report it with `groupChecked`. */
 | {
    readonly _tag: "CheckGroup";
}
/** Exited but not closed: end the output `closeDrainMs` from now if it is still open. */
 | {
    readonly _tag: "DrainLater";
}
/** Closed: wake whoever waits for the close, cancel the drain, tell the table. */
 | {
    readonly _tag: "NotifyClosed";
}
/** Released: deliver these held events, in order. */
 | {
    readonly _tag: "Deliver";
    readonly events: Chunk.Chunk<ProcessEvent>;
}
/** Stopped: cancel the drain and end the mailbox. */
 | {
    readonly _tag: "Stop";
}
/** Send SIGKILL after the grace period. */
 | {
    readonly _tag: "KillLater";
    readonly graceMs: number;
};
/** The next state and what to do for it. */
export interface Step {
    readonly state: Lifecycle;
    readonly actions: ReadonlyArray<Action>;
}
/** A process that has just started: running, its events held. */
export declare const initial: (processId: string) => Lifecycle;
/** The exit status, once the process has exited. */
export declare const exitOf: (state: Lifecycle) => ExitStatus | null;
/** Whether every event has been delivered as it comes (the start response is out). */
export declare const isReleased: (state: Lifecycle) => boolean;
/** The process has exited: its `exited` event goes out, then the group is looked at and the drain armed. */
export declare const exited: (state: Lifecycle, exit: ExitStatus, failure?: string | null) => Step;
/**
 * Every output stream has ended: the process is closed. One that never
 * reported an exit gets `missingExit` (with its own seq, before the close's)
 * and the failure that says so.
 */
export declare const closed: (state: Lifecycle, seq: number, missingExit: ExitStatus | undefined) => Step;
/** What `CheckGroup` found: a group seen empty after the exit is gone for good. */
export declare const groupChecked: (state: Lifecycle, exists: boolean) => Lifecycle;
/**
 * Whether a signal may be sent: always while running; after the exit only
 * to a group that is not known to be gone, once `CheckGroup` finds it there.
 */
export declare const signalTarget: (state: Lifecycle) => "Send" | "CheckGroup" | "Drop";
/** An event that is not delivered yet waits for the release (the caller copies bytes it does not own). */
export declare const hold: (state: Lifecycle, event: ProcessEvent) => Lifecycle;
/** The start response is out: the held events go, and later ones go as they come. */
export declare const released: (state: Lifecycle) => Step;
/** The actor's scope has closed. */
export declare const stopped: (state: Lifecycle) => Step;
/** A graceful terminate: the first sets the SIGKILL timer, later ones keep its deadline. */
export declare const killScheduled: (state: Lifecycle, graceMs: number) => Step;
//# sourceMappingURL=ProcessLifecycle.d.ts.map