/**
 * The server-wide limits over all sessions, with scripted children and fake
 * files: sessions, live processes and file handles take a slot of the
 * server's and give it back on every path; output retained by live
 * processes is bounded over all of them, oldest chunks evicted first.
 */
import { availableParallelism } from "node:os"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Option, Result, Scope } from "effect"
import { makeFileHandleTable } from "../../src/fs/FileHandleTable.js"
import { ClientRequestFailed } from "../../src/jsonrpc/clientMessages.js"
import { makeFlowMeter } from "../../src/jsonrpc/FlowControl.js"
import { LiveOutputBudget } from "../../src/process/LiveOutputBudget.js"
import { ChunkRing } from "../../src/process/OutputBuffers.js"
import * as OutputBuffers from "../../src/process/OutputBuffers.js"
import * as ProcessObserver from "../../src/process/ProcessObserver.js"
import * as ProcessReaper from "../../src/process/ProcessReaper.js"
import type { ProcessStart } from "../../src/process/ProcessStart.js"
import { makeProcessTable } from "../../src/process/ProcessTable.js"
import { Slots } from "../../src/slots/Slots.js"
import { InternalError, ServerBusy, toWireError } from "../../src/protocol/errors.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import { type SessionPeer, SessionStore } from "../../src/server/SessionStore.js"
import * as SessionStoreModule from "../../src/server/SessionStore.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import { UNCONFINED } from "../../src/sandbox/policy.js"

const text = (value: string) => new TextEncoder().encode(value)

const startParams = (processId: string, argv: ReadonlyArray<string> = ["prog"]): ProcessStart => ({
  params: { processId, argv, cwd: "/tmp", env: {}, tty: false, pipeStdin: false },
  env: {},
  confinement: UNCONFINED
})

describe("slots", () => {
  it("are taken up to the limit, refused beyond it with a retryable -32001 naming the setting, and given back", () => {
    const slots = new Slots({ resource: "liveProcesses", limit: 2, setting: "--max-live-processes" })
    expect([slots.tryTake(), slots.tryTake(), slots.tryTake()]).toEqual([true, true, false])
    expect(slots.inUse).toBe(2)
    const refusal = slots.refusal("the server already runs 2 processes over all sessions")
    expect(refusal).toBeInstanceOf(ServerBusy)
    expect(toWireError(refusal)).toEqual({
      code: -32001,
      message: "server busy: the server already runs 2 processes over all sessions, the most it allows (--max-live-processes); retry once one has ended",
      data: { retryable: true, limit: "liveProcesses" }
    })
    slots.release()
    expect(slots.tryTake()).toBe(true)
    slots.release(2)
    expect(slots.inUse).toBe(0)
  })
})

describe("the open-file limit", () => {
  it("is read from /proc/self/limits, and sets the process and handle limits", () => {
    const limits = [
      "Limit                     Soft Limit           Hard Limit           Units     ",
      "Max processes             95000                95000                processes ",
      "Max open files            2048                 4096                 files     "
    ].join("\n")
    expect(ServerConfig.openFileLimit(limits)).toBe(2048)
    expect(ServerConfig.openFileLimit("Max open files            unlimited            unlimited            files")).toBeUndefined()
    // A live process holds up to 4 descriptors: processes get half of them, handles a quarter.
    expect(ServerConfig.descriptorLimits(2048)).toEqual({ maxLiveProcesses: 256, maxServerFileHandles: 512 })
    expect(ServerConfig.descriptorLimits(1_048_576)).toEqual({ maxLiveProcesses: 4096, maxServerFileHandles: 4096 })
    expect(ServerConfig.descriptorLimits(4)).toEqual({ maxLiveProcesses: 1, maxServerFileHandles: 1 })
    expect(ServerConfig.descriptorLimits(undefined)).toEqual({ maxLiveProcesses: 1024, maxServerFileHandles: 2048 })
  })

  it("with the CPUs, sizes the defaults of processes and sessions: a 2-core machine is not offered 1024 sessions and 2500 processes", () => {
    // An open-file limit that would allow 2500 processes, on 2 cores: 512 processes, 256 sessions.
    expect(ServerConfig.machineLimits(20_000, 2)).toEqual({ maxLiveProcesses: 512, maxServerFileHandles: 4096, maxSessions: 256, maxHttpRequests: 1024 })
    // HTTP requests in flight, a socket each: a sixteenth of the descriptors.
    expect(ServerConfig.machineLimits(2048, 2)).toMatchObject({ maxHttpRequests: 128 })
    expect(ServerConfig.machineLimits(20_000, 1)).toMatchObject({ maxLiveProcesses: 256, maxSessions: 128 })
    // Many cores: the descriptors and the ceilings bound them.
    expect(ServerConfig.machineLimits(20_000, 64)).toMatchObject({ maxLiveProcesses: 2500, maxSessions: 1024 })
    expect(ServerConfig.machineLimits(2048, 64)).toMatchObject({ maxLiveProcesses: 256, maxSessions: 1024 })
    expect(ServerConfig.machineLimits(undefined, 0)).toMatchObject({ maxLiveProcesses: 256, maxSessions: 128 })
    expect(ServerConfig.defaults).toMatchObject(ServerConfig.machineLimits(ServerConfig.openFileLimit(), availableParallelism()))
  })
})

describe("the budget of live output", () => {
  it("evicts the oldest chunks over all processes first, never the one just appended", () => {
    const budget = new LiveOutputBudget(10)
    const a = new ChunkRing(1024, budget)
    const b = new ChunkRing(1024, budget)
    a.append("stdout", text("a1a1"))
    b.append("stdout", text("b1b1"))
    a.append("stdout", text("a2a2"))
    // 12 > 10: a1 goes, the oldest of all.
    expect(budget.retainedBytes).toBe(8)
    expect(a.read(0, undefined)).toMatchObject({ truncated: true, chunks: [{ seq: 2 }] })
    expect(b.read(0, undefined)).toMatchObject({ truncated: false, chunks: [{ seq: 1 }] })
    b.append("stdout", text("b2b2"))
    // Then b1, then a2.
    expect(b.read(0, undefined)).toMatchObject({ truncated: true, chunks: [{ seq: 2 }] })
    expect(a.read(0, undefined).chunks).toHaveLength(1)
    const big = text("x".repeat(64))
    a.append("stderr", big)
    // Alone over the budget, the newest chunk stays; everything else went.
    expect(budget.retainedBytes).toBe(64)
    expect(b.read(0, undefined)).toMatchObject({ chunks: [], truncated: true })
    expect(a.read(0, undefined).chunks.map((chunk) => chunk.bytes)).toEqual([big])
    expect(budget.outputs).toBe(1)
  })

  it("counts a process's own evictions, and lets go of a sealed (closed) process's output", () => {
    const budget = new LiveOutputBudget(100)
    const own = new ChunkRing(8, budget)
    own.append("stdout", text("1234"))
    own.append("stdout", text("5678"))
    own.append("stdout", text("9abc"))
    expect([own.retainedBytes, budget.retainedBytes]).toEqual([8, 8])
    own.seal()
    expect([budget.retainedBytes, budget.outputs]).toEqual([0, 0])
    own.seal()
    expect(budget.retainedBytes).toBe(0)
    // A sealed output is never evicted for the live processes' budget.
    const live = new ChunkRing(1024, budget)
    live.append("stdout", text("y".repeat(100)))
    live.append("stdout", text("z".repeat(50)))
    expect(own.read(0, undefined).chunks).toHaveLength(2)
    expect(live.read(0, undefined)).toMatchObject({ truncated: true, chunks: [{ seq: 2 }] })
    expect(budget.retainedBytes).toBe(50)
  })

  it("keeps what many processes retain under the budget, and their storage with it", () => {
    const budget = new LiveOutputBudget(64 * 1024)
    const rings = Array.from({ length: 40 }, () => new ChunkRing(1024 * 1024, budget))
    const chunk = new Uint8Array(4096).fill(97)
    // Each process in turn writes 1 MiB, then falls quiet.
    for (const ring of rings) for (let i = 0; i < 256; i++) ring.append("stdout", chunk)
    const retained = rings.reduce((sum, ring) => sum + ring.retainedBytes, 0)
    const storage = rings.reduce((sum, ring) => sum + ring.storageBytes, 0)
    expect(retained).toBe(budget.retainedBytes)
    expect(retained).toBeLessThanOrEqual(64 * 1024)
    // Emptied rings give their storage back: 40 MiB were written.
    expect(storage).toBeLessThanOrEqual(4 * 64 * 1024)
    // Interleaved writers share it, the oldest chunks going first.
    for (let round = 0; round < 64; round++) for (const ring of rings.slice(0, 8)) ring.append("stdout", chunk)
    expect(budget.retainedBytes).toBeLessThanOrEqual(64 * 1024)
    expect(rings.slice(0, 8).map((ring) => ring.retainedBytes)).toEqual(Array(8).fill(8 * 1024))
    expect(rings.reduce((sum, ring) => sum + ring.storageBytes, 0)).toBeLessThanOrEqual(4 * 64 * 1024)
  })

  it("reads every chunk a process retains, in order, after evictions and shrinking", () => {
    const budget = new LiveOutputBudget(4096)
    const quiet = new ChunkRing(1 << 20, budget)
    const loud = new ChunkRing(1 << 20, budget)
    for (let i = 0; i < 200; i++) quiet.append("stdout", text(`q${i};`))
    for (let i = 0; i < 2000; i++) loud.append("stdout", text(`l${i};`))
    quiet.append("stdout", text("last"))
    const decoded = (ring: ChunkRing) => new TextDecoder().decode(Buffer.concat(ring.read(0, undefined).chunks.map((c) => c.bytes)))
    expect(decoded(quiet)).toBe("last")
    const loudText = decoded(loud)
    expect(loudText.endsWith("l1999;")).toBe(true)
    const numbers = loudText.split(";").filter(Boolean).map((entry) => Number(entry.slice(1)))
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i))
    expect(budget.retainedBytes).toBe(quiet.retainedBytes + loud.retainedBytes)
  })
})

describe("live processes over all sessions", () => {
  const tableOf = (slots: Slots, spawner: TestSpawner.TestSpawner, scope: Scope.Scope, budget?: LiveOutputBudget) =>
    makeProcessTable({
      graceMs: 1000,
      retainedOutputBytes: 1024,
      retentionMs: 60_000,
      closeDrainMs: 1000,
      maxProcesses: 10,
      serverProcesses: slots,
      liveOutput: budget,
      emit: () => {},
      observer: ProcessObserver.make({})
    }).pipe(
      Scope.provide(scope),
      Effect.provide(Layer.mergeAll(spawner.layer, OutputBuffers.layerMemory, Sandbox.layerUnavailable, ProcessReaper.layerNone))
    )

  it.effect("are refused beyond the server's limit with -32001, and a slot comes back when a process closes, fails to start or its session ends", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make({
        failSpawn: (request) => request.argv[0] === "missing" ? new InternalError({ message: "no such file", errno: "ENOENT" }) : undefined
      })
      const slots = new Slots({ resource: "liveProcesses", limit: 3, setting: "--max-live-processes" })
      const budget = new LiveOutputBudget(1024)
      const scopeA = yield* Scope.make()
      const scopeB = yield* Scope.make()
      const a = yield* tableOf(slots, spawner, scopeA, budget)
      const b = yield* tableOf(slots, spawner, scopeB, budget)
      yield* a.start(startParams("a1"))
      yield* a.start(startParams("a2"))
      yield* b.start(startParams("b1"))
      const refused = yield* Effect.flip(b.start(startParams("b2")))
      expect(refused).toBeInstanceOf(ServerBusy)
      expect(refused.message).toContain("already runs 3 processes")
      // Nothing was claimed by the refused start: its id is free.
      expect(Option.isNone(b.find("b2"))).toBe(true)
      // A process that closes gives its slot back at once.
      spawner.children[0]!.output("some output")
      spawner.children[0]!.finish(0)
      expect(slots.inUse).toBe(2)
      // A start that fails gives it back too.
      const failed = yield* Effect.flip(b.start(startParams("bad", ["missing"])))
      expect(failed._tag).toBe("ExecServer/InternalError")
      expect(slots.inUse).toBe(2)
      yield* b.start(startParams("b2"))
      spawner.children[3]!.output("retained")
      expect(budget.retainedBytes).toBeGreaterThan(0)
      // A session that ends gives back what its processes held, output included.
      yield* Scope.close(scopeB, Exit.void)
      expect(slots.inUse).toBe(1)
      yield* Scope.close(scopeA, Exit.void)
      expect(slots.inUse).toBe(0)
      expect(budget.retainedBytes).toBe(0)
      expect(budget.outputs).toBe(0)
      // A closed table starts nothing (and takes no slot).
      expect((yield* Effect.flip(a.start(startParams("late"))))._tag).toBe("ExecServer/InvalidRequest")
      expect(slots.inUse).toBe(0)
    }))
})

describe("file handles over all sessions", () => {
  const fakeFile = Effect.succeed({
    mode: "read" as const,
    readBlock: () => Effect.succeed({ chunk: new Uint8Array(0), eof: true }),
    writeBlock: () => Effect.void,
    commit: Effect.void
  })

  it.effect("are refused beyond the server's limit with -32001, and a slot comes back on close, failed open and session end", () =>
    Effect.gen(function*() {
      const slots = new Slots({ resource: "fileHandles", limit: 3, setting: "--max-server-file-handles" })
      const scopeA = yield* Scope.make()
      const scopeB = yield* Scope.make()
      const a = yield* makeFileHandleTable({ maxHandles: 64, serverHandles: slots }).pipe(Scope.provide(scopeA))
      const b = yield* makeFileHandleTable({ maxHandles: 64, serverHandles: slots }).pipe(Scope.provide(scopeB))
      yield* a.open("a1", fakeFile)
      yield* a.open("a2", fakeFile)
      yield* b.open("b1", fakeFile)
      const refused = yield* Effect.flip(b.open("b2", fakeFile))
      expect(toWireError(refused as ServerBusy)).toMatchObject({ code: -32001, data: { retryable: true, limit: "fileHandles" } })
      yield* a.close("a1")
      expect(slots.inUse).toBe(2)
      const failed = yield* Effect.result(b.open("b2", Effect.fail(new InternalError({ message: "EACCES" }))))
      expect(Result.isFailure(failed)).toBe(true)
      expect(slots.inUse).toBe(2)
      yield* b.open("b2", fakeFile)
      yield* Scope.close(scopeB, Exit.void)
      expect(slots.inUse).toBe(1)
      // Closing a handle of a closed table gives nothing back twice.
      yield* b.close("b1")
      expect(slots.inUse).toBe(1)
      yield* Scope.close(scopeA, Exit.void)
      expect(slots.inUse).toBe(0)
    }))
})

const peer = (connectionId: number): SessionPeer => {
  const flow = makeFlowMeter({ highWaterMark: 1024, lowWaterMark: 256 })
  return { connectionId, sink: () => {}, notify: () => {}, request: () => Effect.fail(new ClientRequestFailed({ reason: "noClient" })), log: () => {}, flow: { paused: flow.paused, subscribe: flow.subscribe } }
}

describe("sessions over the server", () => {
  it.effect("attached and detached count against --max-sessions; a resume needs no slot; a closed session frees one", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make({})
      const store = yield* Layer.build(SessionStoreModule.layer.pipe(Layer.provide(Layer.mergeAll(
        ServerConfig.layer({ maxSessions: 2 }),
        OutputBuffers.layerMemory,
        Sandbox.layerUnavailable,
        ProcessReaper.layerNone,
        spawner.layer
      )))).pipe(Effect.map(Context.get(SessionStore)))
      const create = (connectionId: number, detachTtlMs: number) => store.create(peer(connectionId), { detachTtlMs })
      const detached = yield* create(1, 60_000)
      const attached = yield* create(2, 0)
      // The first connection goes: its session is detached, and still counts.
      yield* detached.release
      const refused = yield* Effect.flip(create(3, 0))
      expect(toWireError(refused)).toMatchObject({ code: -32001, data: { retryable: true, limit: "sessions" } })
      expect(refused.message).toContain("--max-sessions")
      const resumed = yield* store.resume(peer(4), { sessionId: detached.session.sessionId, detachTtlMs: 0 })
      expect(resumed.session.sessionId).toBe(detached.session.sessionId)
      // Its connection goes without detaching: the session closes, and a new one may be made.
      yield* attached.release
      const third = yield* create(5, 0)
      expect(third.session.sessionId).not.toBe(attached.session.sessionId)
      expect(yield* Effect.result(create(6, 0))).toMatchObject({ _tag: "Failure" })
    }))
})
