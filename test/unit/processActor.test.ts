/**
 * The process actor's mailbox, with a child whose commands the test holds
 * open: commands never overlap and run in the order they were sent, whatever
 * happens to their senders.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Scope } from "effect"
import { ChildEvents, type ChildProcess, type ProcessSpawner } from "../../src/process/ChildProcess.js"
import { ChunkRing } from "../../src/process/OutputBuffers.js"
import { makeProcessActor } from "../../src/process/ProcessActor.js"

/**
 * A child whose SIGINT waits for `gate` (a confined signal can wait for its
 * command to appear); SIGTERM and SIGKILL end it. What it was told, in order.
 */
const gatedChild = (gate: Deferred.Deferred<void>) => {
  const log: Array<string> = []
  const events = new ChildEvents()
  const child: ChildProcess = {
    pid: 4_000_000,
    listen: (sink) => events.listen(sink),
    write: (bytes) => Effect.sync(() => (log.push(`write ${new TextDecoder().decode(bytes)}`), "accepted")),
    closeStdin: Effect.sync(() => (log.push("closeStdin"), "accepted")),
    resize: () => Effect.void,
    signal: (signal) =>
      signal === "SIGINT"
        ? Effect.sync(() => log.push(`${signal} begins`)).pipe(
          Effect.andThen(Deferred.await(gate)),
          Effect.andThen(Effect.sync(() => log.push(`${signal} ends`))),
          Effect.as(true)
        )
        : Effect.sync(() => {
          events.emit({ _tag: "Exited", exitCode: 143, signal })
          events.emit({ _tag: "Closed" })
          return true
        }),
    groupExists: () => true,
    endOutput: Effect.void,
    setPaused: () => {}
  }
  const spawner: ProcessSpawner = { spawn: () => Effect.succeed(child) }
  return { log, events, spawner }
}

const startActor = (spawner: ProcessSpawner, gate: Deferred.Deferred<void>) =>
  Effect.andThen(
    // Opened at the end whatever happened, so that the actor's scope can close.
    Effect.addFinalizer(() => Deferred.succeed(gate, undefined)),
    makeProcessActor({
    processId: "p",
    request: { tty: false, argv: ["prog"], cwd: "/tmp", env: {}, pipeStdin: true, size: { rows: 24, cols: 80 } },
    spawner,
    output: new ChunkRing(1024, undefined),
    graceMs: 1000,
    closeDrainMs: 1000,
    emit: () => {}
  })
  )

const text = (value: string) => new TextEncoder().encode(value)

/** An actor whose first command (a SIGINT) has begun and waits for `gate`: the next commands queue behind it. */
const withFirstCommandRunning = Effect.gen(function*() {
  const gate = yield* Deferred.make<void>()
  const { log, spawner } = gatedChild(gate)
  const actorScope = yield* Scope.make()
  yield* Effect.addFinalizer(() => Scope.close(actorScope, Exit.void))
  const actor = yield* startActor(spawner, gate).pipe(Scope.provide(actorScope))
  const first = yield* Effect.forkChild(actor.signal("SIGINT"))
  while (log.length === 0) yield* Effect.yieldNow
  return { actor, actorScope, first, gate, log }
})

describe("process actor mailbox", () => {
  it.live("a command whose sender is interrupted while it waits does not let the next one start early", () =>
    Effect.gen(function*() {
      const { actor, first, gate, log } = yield* withFirstCommandRunning
      const second = yield* Effect.forkChild(actor.write(text("second")))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(second)
      const third = yield* Effect.forkChild(actor.write(text("third")))
      yield* Effect.sleep("20 millis")
      // The first command is still running: nothing after it may have started.
      expect(log).toEqual(["SIGINT begins"])
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toBe(true)
      expect(yield* Fiber.join(third)).toBe("accepted")
      // The interrupted sender's command never ran.
      expect(log).toEqual(["SIGINT begins", "SIGINT ends", "write third"])
    }))

  it.live("commands waiting behind a running one run in the order they were sent", () =>
    Effect.gen(function*() {
      const { actor, first, gate, log } = yield* withFirstCommandRunning
      const rest = []
      for (const name of ["a", "b", "c", "d"]) rest.push(yield* Effect.forkChild(actor.write(text(name))))
      yield* Effect.yieldNow
      yield* Deferred.succeed(gate, undefined)
      // One more, sent as the running command ends: it still goes last.
      rest.push(yield* Effect.forkChild(actor.write(text("e"))))
      yield* Fiber.join(first)
      for (const fiber of rest) yield* Fiber.join(fiber)
      expect(log).toEqual(["SIGINT begins", "SIGINT ends", "write a", "write b", "write c", "write d", "write e"])
    }))

  it.live("a command that has started runs to its end when its sender is interrupted", () =>
    Effect.gen(function*() {
      const { actor, first, gate, log } = yield* withFirstCommandRunning
      const interrupted = yield* Effect.forkChild(Fiber.interrupt(first))
      yield* Effect.sleep("10 millis")
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(interrupted)
      expect(yield* actor.write(text("next"))).toBe("accepted")
      expect(log).toEqual(["SIGINT begins", "SIGINT ends", "write next"])
    }))

  it.live("a command still waiting when the actor stops gets the answer a closed process gives", () =>
    Effect.gen(function*() {
      const { actor, actorScope, first, gate, log } = yield* withFirstCommandRunning
      const waiting = yield* Effect.forkChild(actor.write(text("late")))
      yield* Effect.yieldNow
      // SIGTERM (sent by the closing scope, not through the mailbox) ends the child.
      yield* Scope.close(actorScope, Exit.void)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(first)
      expect(yield* Fiber.join(waiting)).toBe("stdinClosed")
      expect(yield* actor.write(text("later"))).toBe("stdinClosed")
      expect(log).toEqual(["SIGINT begins", "SIGINT ends"])
    }))
})
