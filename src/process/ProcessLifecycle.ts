/**
 * The lifecycle of a managed process as a value: running → exited → closed,
 * whether its process group is gone, whether its events are held until the
 * start response is out, and whether its actor has stopped. Transitions are
 * pure: each returns the next state and what the actor must do, as data.
 * A transition that does not apply (an exit reported twice, a release
 * repeated) leaves the state as it is and asks for nothing.
 */
import * as Chunk from "effect/Chunk"
import type { ResourceUsage } from "../limits/ResourceLimits.js"
import type { OutputStream } from "../protocol/schema.js"

/** An event of a managed process, as it goes to the client. */
export type ProcessEvent =
  | {
    readonly _tag: "Output"
    readonly processId: string
    readonly seq: number
    readonly stream: OutputStream
    readonly bytes: Uint8Array
  }
  | {
    readonly _tag: "Exited"
    readonly processId: string
    readonly seq: number
    readonly exitCode: number
    readonly signal: string | null
    readonly sandboxDenied: boolean
    /** What its cgroup used (only for a process in a cgroup of its own). */
    readonly usage?: ResourceUsage | undefined
  }
  | { readonly _tag: "Closed"; readonly processId: string; readonly seq: number }

/** How a process ended, once it has. */
export interface ExitStatus {
  readonly exitCode: number
  readonly signal: string | null
  readonly sandboxDenied: boolean
  /** What its cgroup used, read as it exited (only for a process in a cgroup of its own). */
  readonly usage?: ResourceUsage | undefined
  /** The seq of the `exited` event, so a reader catching up can place it among the output. */
  readonly seq: number
}

/** Where the process is: running, exited (output may still come), or closed (nothing more comes). */
export type Phase =
  | { readonly _tag: "Running" }
  | { readonly _tag: "Exited"; readonly exit: ExitStatus }
  | { readonly _tag: "Closed"; readonly exit: ExitStatus }

/** The state of a process actor. */
export interface Lifecycle {
  readonly processId: string
  readonly phase: Phase
  /** Why the process has no real exit status, when it has none. */
  readonly failure: string | null
  /**
   * Once the process has exited and its group has been seen empty, the
   * group's id is free for an unrelated group to take: it is never
   * signalled again.
   */
  readonly groupGone: boolean
  /** Events wait here until the start response is out; `undefined` once released. */
  readonly held: Chunk.Chunk<ProcessEvent> | undefined
  /** The actor's scope has closed (the process retired, or its session ended): commands answer as for a closed process. */
  readonly stopped: boolean
  /** A graceful terminate has set its SIGKILL timer (one per process). */
  readonly killScheduled: boolean
}

/** What a transition asks the actor to do, in order. */
export type Action =
  /** Deliver an event now, or hold it (see `hold`). */
  | { readonly _tag: "Publish"; readonly event: ProcessEvent }
  /** Look whether the process group still exists and report it with `groupChecked`. */
  | { readonly _tag: "CheckGroup" }
  /** Exited but not closed: end the output `closeDrainMs` from now if it is still open. */
  | { readonly _tag: "DrainLater" }
  /** Closed: wake whoever waits for the close, cancel the drain, tell the table. */
  | { readonly _tag: "NotifyClosed" }
  /** Released: deliver these held events, in order. */
  | { readonly _tag: "Deliver"; readonly events: Chunk.Chunk<ProcessEvent> }
  /** Stopped: cancel the drain and end the mailbox. */
  | { readonly _tag: "Stop" }
  /** Send SIGKILL after the grace period. */
  | { readonly _tag: "KillLater"; readonly graceMs: number }

/** The next state and what to do for it. */
export interface Step {
  readonly state: Lifecycle
  readonly actions: ReadonlyArray<Action>
}

const NOTHING: ReadonlyArray<Action> = []
const unchanged = (state: Lifecycle): Step => ({ state, actions: NOTHING })

/** A process that has just started: running, its events held. */
export const initial = (processId: string): Lifecycle => ({
  processId,
  phase: { _tag: "Running" },
  failure: null,
  groupGone: false,
  held: Chunk.empty(),
  stopped: false,
  killScheduled: false
})

/** The exit status, once the process has exited. */
export const exitOf = (state: Lifecycle): ExitStatus | null => state.phase._tag === "Running" ? null : state.phase.exit

/** Whether every event has been delivered as it comes (the start response is out). */
export const isReleased = (state: Lifecycle): boolean => state.held === undefined

/** The process has exited: its `exited` event goes out, then the group is looked at and the drain armed. */
export const exited = (state: Lifecycle, exit: ExitStatus, failure: string | null = null): Step => {
  if (state.phase._tag !== "Running") return unchanged(state)
  const { exitCode, sandboxDenied, seq, signal, usage } = exit
  const actions: Array<Action> = [
    {
      _tag: "Publish",
      event: { _tag: "Exited", processId: state.processId, seq, exitCode, signal, sandboxDenied, ...(usage === undefined ? {} : { usage }) }
    },
    { _tag: "CheckGroup" }
  ]
  if (!state.stopped) actions.push({ _tag: "DrainLater" })
  return { state: { ...state, phase: { _tag: "Exited", exit }, failure }, actions }
}

/**
 * Every output stream has ended: the process is closed. One that never
 * reported an exit gets `missingExit` (with its own seq, before the close's)
 * and the failure that says so.
 */
export const closed = (state: Lifecycle, seq: number, missingExit: ExitStatus | undefined): Step => {
  if (state.phase._tag === "Closed") return unchanged(state)
  if (state.phase._tag === "Running" && missingExit === undefined) return unchanged(state)
  const before = state.phase._tag === "Running"
    ? exited(state, missingExit!, "the process ended without reporting an exit status")
    : unchanged(state)
  const exit = exitOf(before.state)!
  return {
    state: { ...before.state, phase: { _tag: "Closed", exit } },
    actions: [
      ...before.actions.filter((action) => action._tag !== "DrainLater"),
      { _tag: "Publish", event: { _tag: "Closed", processId: state.processId, seq } },
      { _tag: "NotifyClosed" }
    ]
  }
}

/** What `CheckGroup` found: a group seen empty after the exit is gone for good. */
export const groupChecked = (state: Lifecycle, exists: boolean): Lifecycle =>
  exists || state.groupGone || state.phase._tag === "Running" ? state : { ...state, groupGone: true }

/**
 * Whether a signal may be sent: always while running; after the exit only
 * to a group that is not known to be gone, once `CheckGroup` finds it there.
 */
export const signalTarget = (state: Lifecycle): "Send" | "CheckGroup" | "Drop" =>
  state.phase._tag === "Running" ? "Send" : state.groupGone ? "Drop" : "CheckGroup"

/** An event that is not delivered yet waits for the release (the caller copies bytes it does not own). */
export const hold = (state: Lifecycle, event: ProcessEvent): Lifecycle =>
  state.held === undefined ? state : { ...state, held: Chunk.append(state.held, event) }

/** The start response is out: the held events go, and later ones go as they come. */
export const released = (state: Lifecycle): Step =>
  state.held === undefined
    ? unchanged(state)
    : { state: { ...state, held: undefined }, actions: [{ _tag: "Deliver", events: state.held }] }

/** The actor's scope has closed. */
export const stopped = (state: Lifecycle): Step =>
  state.stopped ? unchanged(state) : { state: { ...state, stopped: true }, actions: [{ _tag: "Stop" }] }

/** A graceful terminate: the first sets the SIGKILL timer, later ones keep its deadline. */
export const killScheduled = (state: Lifecycle, graceMs: number): Step =>
  state.killScheduled
    ? unchanged(state)
    : { state: { ...state, killScheduled: true }, actions: [{ _tag: "KillLater", graceMs }] }
