/** The process lifecycle's transitions, as values: no actor, no child. */
import { describe, expect, it } from "vitest"
import * as Chunk from "effect/Chunk"
import * as Lifecycle from "../../src/process/ProcessLifecycle.js"

const exit = (seq: number, exitCode = 0): Lifecycle.ExitStatus => ({ exitCode, signal: null, sandboxDenied: false, seq })
const output = (seq: number): Lifecycle.ProcessEvent => ({
  _tag: "Output",
  processId: "p",
  seq,
  stream: "stdout",
  bytes: new Uint8Array([seq])
})
const tags = (step: Lifecycle.Step) => step.actions.map((action) => action._tag)

describe("process lifecycle", () => {
  it("starts running, its events held", () => {
    const state = Lifecycle.initial("p")
    expect(state.phase._tag).toBe("Running")
    expect(Lifecycle.exitOf(state)).toBeNull()
    expect(Lifecycle.isReleased(state)).toBe(false)
    expect(Lifecycle.signalTarget(state)).toBe("Send")
  })

  it("an exit publishes `exited`, then looks at the group and arms the drain", () => {
    const step = Lifecycle.exited(Lifecycle.initial("p"), exit(3, 1))
    expect(step.state.phase).toEqual({ _tag: "Exited", exit: exit(3, 1) })
    expect(step.state.failure).toBeNull()
    expect(step.actions).toEqual([
      {
        _tag: "Publish",
        event: { _tag: "Exited", processId: "p", seq: 3, exitCode: 1, signal: null, sandboxDenied: false }
      },
      { _tag: "CheckGroup" },
      { _tag: "DrainLater" }
    ])
  })

  it("an exit after the actor stopped arms no drain", () => {
    const stopped = Lifecycle.stopped(Lifecycle.initial("p")).state
    expect(tags(Lifecycle.exited(stopped, exit(1)))).toEqual(["Publish", "CheckGroup"])
  })

  it("a second exit changes nothing", () => {
    const once = Lifecycle.exited(Lifecycle.initial("p"), exit(1)).state
    const twice = Lifecycle.exited(once, exit(2, 9))
    expect(twice.state).toBe(once)
    expect(twice.actions).toEqual([])
  })

  it("a close after the exit publishes `closed` and notifies", () => {
    const exited = Lifecycle.exited(Lifecycle.initial("p"), exit(1)).state
    const step = Lifecycle.closed(exited, 2, undefined)
    expect(step.state.phase).toEqual({ _tag: "Closed", exit: exit(1) })
    expect(step.actions).toEqual([
      { _tag: "Publish", event: { _tag: "Closed", processId: "p", seq: 2 } },
      { _tag: "NotifyClosed" }
    ])
  })

  it("a close without an exit reports the missing exit first, with the failure that says so", () => {
    const step = Lifecycle.closed(Lifecycle.initial("p"), 2, exit(1, -1))
    expect(step.state.phase).toEqual({ _tag: "Closed", exit: exit(1, -1) })
    expect(step.state.failure).toBe("the process ended without reporting an exit status")
    expect(tags(step)).toEqual(["Publish", "CheckGroup", "Publish", "NotifyClosed"])
    const published = step.actions.flatMap((action) => action._tag === "Publish" ? [action.event] : [])
    expect(published.map((event) => [event._tag, event.seq])).toEqual([["Exited", 1], ["Closed", 2]])
  })

  it("a close while running with no exit to report changes nothing", () => {
    const state = Lifecycle.initial("p")
    expect(Lifecycle.closed(state, 1, undefined)).toEqual({ state, actions: [] })
  })

  it("a second close changes nothing", () => {
    const closed = Lifecycle.closed(Lifecycle.initial("p"), 2, exit(1)).state
    const again = Lifecycle.closed(closed, 3, exit(4))
    expect(again.state).toBe(closed)
    expect(again.actions).toEqual([])
  })

  it("an exit after the close changes nothing", () => {
    const closed = Lifecycle.closed(Lifecycle.initial("p"), 2, exit(1)).state
    expect(Lifecycle.exited(closed, exit(5)).state).toBe(closed)
  })

  it("after the exit, the group is signalled only once found there; seen empty, it is gone for good", () => {
    const exited = Lifecycle.exited(Lifecycle.initial("p"), exit(1)).state
    expect(Lifecycle.signalTarget(exited)).toBe("CheckGroup")
    const stillThere = Lifecycle.groupChecked(exited, true)
    expect(stillThere).toBe(exited)
    const gone = Lifecycle.groupChecked(exited, false)
    expect(gone.groupGone).toBe(true)
    expect(Lifecycle.signalTarget(gone)).toBe("Drop")
    // Another group may take the id later: it is not ours.
    expect(Lifecycle.groupChecked(gone, true).groupGone).toBe(true)
    expect(Lifecycle.signalTarget(Lifecycle.closed(gone, 2, undefined).state)).toBe("Drop")
  })

  it("an empty group while running is not gone: the child itself is still to be reaped", () => {
    const state = Lifecycle.initial("p")
    expect(Lifecycle.groupChecked(state, false)).toBe(state)
    expect(Lifecycle.signalTarget(state)).toBe("Send")
  })

  it("events are held in order until the release delivers them; later ones are not held", () => {
    let state = Lifecycle.initial("p")
    state = Lifecycle.hold(state, output(1))
    const exitedStep = Lifecycle.exited(state, exit(2))
    state = exitedStep.state
    for (const action of exitedStep.actions) if (action._tag === "Publish") state = Lifecycle.hold(state, action.event)
    const release = Lifecycle.released(state)
    expect(Lifecycle.isReleased(release.state)).toBe(true)
    expect(release.actions).toHaveLength(1)
    const delivered = release.actions[0]!
    expect(delivered._tag === "Deliver" && Chunk.toReadonlyArray(delivered.events).map((event) => event.seq)).toEqual([1, 2])
    expect(Lifecycle.hold(release.state, output(3))).toBe(release.state)
  })

  it("a second release delivers nothing", () => {
    const once = Lifecycle.released(Lifecycle.hold(Lifecycle.initial("p"), output(1))).state
    expect(Lifecycle.released(once)).toEqual({ state: once, actions: [] })
  })

  it("stopping asks once for the mailbox to end and the drain to go", () => {
    const step = Lifecycle.stopped(Lifecycle.initial("p"))
    expect(step.state.stopped).toBe(true)
    expect(tags(step)).toEqual(["Stop"])
    expect(Lifecycle.stopped(step.state).actions).toEqual([])
  })

  it("the first graceful terminate sets the SIGKILL timer; later ones keep its deadline", () => {
    const first = Lifecycle.killScheduled(Lifecycle.initial("p"), 500)
    expect(first.actions).toEqual([{ _tag: "KillLater", graceMs: 500 }])
    const second = Lifecycle.killScheduled(first.state, 10)
    expect(second.state).toBe(first.state)
    expect(second.actions).toEqual([])
  })
})
