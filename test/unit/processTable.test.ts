/**
 * The process table's bookkeeping of closed records against the server's
 * retention budget, with a scripted spawner: no real process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { Spawner } from "../../src/process/ChildProcess.js"
import * as OutputBuffers from "../../src/process/OutputBuffers.js"
import * as ProcessObserver from "../../src/process/ProcessObserver.js"
import * as ProcessReaper from "../../src/process/ProcessReaper.js"
import type { ProcessStart } from "../../src/process/ProcessStart.js"
import { makeProcessTable } from "../../src/process/ProcessTable.js"
import { RetentionBudget } from "../../src/process/RetentionBudget.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import { UNCONFINED } from "../../src/sandbox/policy.js"

const startParams = (processId: string): ProcessStart => ({
  params: { processId, argv: ["prog"], cwd: "/tmp", env: {}, tty: false, pipeStdin: false },
  env: {},
  confinement: UNCONFINED
})

const tableOptions = (budget: RetentionBudget) => ({
  graceMs: 1000,
  retainedOutputBytes: 1024,
  retentionMs: 60_000,
  retention: budget,
  closeDrainMs: 1000,
  maxProcesses: 10,
  emit: () => {},
  observer: ProcessObserver.make({})
})

describe("process table", () => {
  it.effect("a table that closes with processes running leaves nothing in the server's retention budget", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make({})
      const budget = new RetentionBudget({ maxRecords: 100, maxBytes: 1024 * 1024 })
      const tableScope = yield* Scope.make()
      const table = yield* makeProcessTable(tableOptions(budget)).pipe(
        Scope.provide(tableScope),
        Effect.provide(Layer.mergeAll(spawner.layer, OutputBuffers.layerMemory, Sandbox.layerUnavailable, ProcessReaper.layerNone))
      )
      // One closed before the table closes (its record is held), two still
      // running (the scripted children end on SIGTERM as the table closes).
      yield* table.start(startParams("done"))
      spawner.children[0]!.output("kept")
      spawner.children[0]!.finish(0)
      // Its retirement runs in a fiber of the table's.
      while (budget.records === 0) yield* Effect.yieldNow
      yield* table.start(startParams("a"))
      yield* table.start(startParams("b"))
      yield* Scope.close(tableScope, Exit.void)
      expect(spawner.children.slice(1).map((child) => child.exited())).toEqual([true, true])
      expect(budget.records).toBe(0)
      expect(budget.retainedBytes).toBe(0)
    }))

  it.effect("a process that finishes starting while its session detaches is paced as the others are: paused after its first MiB", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make({})
      // The spawn waits for the gate, so that the session detaches while the process is still starting.
      const gate = yield* Deferred.make<void>()
      const atGate = yield* Deferred.make<void>()
      const gated = Layer.effect(
        Spawner,
        Effect.map(Spawner, (inner) => ({
          spawn: (request) => Deferred.succeed(atGate, undefined).pipe(Effect.andThen(Deferred.await(gate)), Effect.andThen(inner.spawn(request)))
        }))
      ).pipe(Layer.provide(spawner.layer))
      const table = yield* makeProcessTable(tableOptions(new RetentionBudget({ maxRecords: 100, maxBytes: 1024 * 1024 }))).pipe(
        Effect.provide(Layer.mergeAll(gated, OutputBuffers.layerMemory, Sandbox.layerUnavailable, ProcessReaper.layerNone))
      )
      const starting = yield* Effect.forkChild(table.start(startParams("late")))
      // Effect 4 has no Fiber.status: the spawn says when it waits at the gate.
      yield* Deferred.await(atGate)
      table.setDetached(true)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(starting)
      const child = spawner.children[0]!
      expect(child.paused()).toBe(false)
      child.output(new Uint8Array(1024 * 1024))
      // Detached, reading pauses after each MiB (see ProcessActor.setDetached).
      expect(child.paused()).toBe(true)
    }))

  it.effect("attached again, a detached process is read at once and never paused between MiBs; detached again, paced again", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make({})
      const table = yield* makeProcessTable(tableOptions(new RetentionBudget({ maxRecords: 100, maxBytes: 1024 * 1024 }))).pipe(
        Effect.provide(Layer.mergeAll(spawner.layer, OutputBuffers.layerMemory, Sandbox.layerUnavailable, ProcessReaper.layerNone))
      )
      yield* table.start(startParams("flood"))
      const child = spawner.children[0]!
      table.setDetached(true)
      child.output(new Uint8Array(1024 * 1024))
      expect(child.paused()).toBe(true)
      // The pause of the lap under way ends with the detachment, not 100 ms later.
      table.setDetached(false)
      expect(child.paused()).toBe(false)
      for (let mib = 0; mib < 8; mib++) {
        child.output(new Uint8Array(1024 * 1024))
        expect(child.paused(), `after MiB ${mib + 1} attached`).toBe(false)
      }
      table.setDetached(true)
      child.output(new Uint8Array(512 * 1024))
      expect(child.paused()).toBe(false)
      child.output(new Uint8Array(512 * 1024))
      expect(child.paused()).toBe(true)
    }))
})
