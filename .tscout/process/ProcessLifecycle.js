/**
 * The lifecycle of a managed process as a value: running → exited → closed,
 * whether its process group is gone, whether its events are held until the
 * start response is out, and whether its actor has stopped. Transitions are
 * pure: each returns the next state and what the actor must do, as data.
 * A transition that does not apply (an exit reported twice, a release
 * repeated) leaves the state as it is and asks for nothing.
 */
import * as Chunk from "effect/Chunk";
const NOTHING = [];
const unchanged = (state) => ({ state, actions: NOTHING });
/** A process that has just started: running, its events held. */
export const initial = (processId) => ({
    processId,
    phase: { _tag: "Running" },
    failure: null,
    groupGone: false,
    held: Chunk.empty(),
    stopped: false,
    killScheduled: false
});
/** The exit status, once the process has exited. */
export const exitOf = (state) => state.phase._tag === "Running" ? null : state.phase.exit;
/** Whether every event has been delivered as it comes (the start response is out). */
export const isReleased = (state) => state.held === undefined;
/** The process has exited: its `exited` event goes out, then the group is looked at and the drain armed. */
export const exited = (state, exit, failure = null) => {
    if (state.phase._tag !== "Running")
        return unchanged(state);
    const { exitCode, sandboxDenied, seq, signal } = exit;
    const actions = [
        { _tag: "Publish", event: { _tag: "Exited", processId: state.processId, seq, exitCode, signal, sandboxDenied } },
        { _tag: "CheckGroup" }
    ];
    if (!state.stopped)
        actions.push({ _tag: "DrainLater" });
    return { state: { ...state, phase: { _tag: "Exited", exit }, failure }, actions };
};
/**
 * Every output stream has ended: the process is closed. One that never
 * reported an exit gets `missingExit` (with its own seq, before the close's)
 * and the failure that says so.
 */
export const closed = (state, seq, missingExit) => {
    if (state.phase._tag === "Closed")
        return unchanged(state);
    if (state.phase._tag === "Running" && missingExit === undefined)
        return unchanged(state);
    const before = state.phase._tag === "Running"
        ? exited(state, missingExit, "the process ended without reporting an exit status")
        : unchanged(state);
    const exit = exitOf(before.state);
    return {
        state: { ...before.state, phase: { _tag: "Closed", exit } },
        actions: [
            ...before.actions.filter((action) => action._tag !== "DrainLater"),
            { _tag: "Publish", event: { _tag: "Closed", processId: state.processId, seq } },
            { _tag: "NotifyClosed" }
        ]
    };
};
/** What `CheckGroup` found: a group seen empty after the exit is gone for good. */
export const groupChecked = (state, exists) => exists || state.groupGone || state.phase._tag === "Running" ? state : { ...state, groupGone: true };
/**
 * Whether a signal may be sent: always while running; after the exit only
 * to a group that is not known to be gone, once `CheckGroup` finds it there.
 */
export const signalTarget = (state) => state.phase._tag === "Running" ? "Send" : state.groupGone ? "Drop" : "CheckGroup";
/** An event that is not delivered yet waits for the release (the caller copies bytes it does not own). */
export const hold = (state, event) => state.held === undefined ? state : { ...state, held: Chunk.append(state.held, event) };
/** The start response is out: the held events go, and later ones go as they come. */
export const released = (state) => state.held === undefined
    ? unchanged(state)
    : { state: { ...state, held: undefined }, actions: [{ _tag: "Deliver", events: state.held }] };
/** The actor's scope has closed. */
export const stopped = (state) => state.stopped ? unchanged(state) : { state: { ...state, stopped: true }, actions: [{ _tag: "Stop" }] };
/** A graceful terminate: the first sets the SIGKILL timer, later ones keep its deadline. */
export const killScheduled = (state, graceMs) => state.killScheduled
    ? unchanged(state)
    : { state: { ...state, killScheduled: true }, actions: [{ _tag: "KillLater", graceMs }] };
//# sourceMappingURL=ProcessLifecycle.js.map