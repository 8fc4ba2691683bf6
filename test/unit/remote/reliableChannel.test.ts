/**
 * ReliableChannel over an in-memory link: a receiver that does not consume
 * blocks the sender's `send` once the window is in flight, and consuming
 * releases it; a reset reaches both ends' callers.
 */
import { describe, expect, it } from "vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as ReliableChannel from "../../../src/remote/ReliableChannel.js"
import * as RS from "../../../src/remote/ReliableStream.js"

const options: RS.StreamOptions = { ...RS.defaultOptions("s"), maxPayload: 4096, window: 16 * 1024, retransmitAfter: 200, ackDelay: 2 }

/** Two ends joined by a link that loses nothing (the lossy cases are ReliableStream's tests). */
const pair = Effect.gen(function*() {
  let toB: (bytes: Uint8Array) => void = () => undefined
  let toA: (bytes: Uint8Array) => void = () => undefined
  const a = yield* ReliableChannel.make(options, (bytes) => toB(bytes))
  const b = yield* ReliableChannel.make(options, (bytes) => toA(bytes))
  toB = b.onFrame
  toA = a.onFrame
  return { a, b }
})

/** Polls a condition on the live clock until it holds (fails the test after `ms`). */
const until = (what: string, check: () => boolean, ms = 5000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + ms
    while (!check()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep("5 millis")
    }
  })

describe("ReliableChannel", () => {
  it("blocks send while the peer's window is full and resumes as the peer consumes", async () => {
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { a, b } = yield* pair
      let sent = 0
      const sender = yield* Effect.forkChild(Effect.gen(function*() {
        for (let i = 0; i < 32; i++) {
          yield* a.send(new Uint8Array(2048).fill(i))
          sent++
        }
      }))
      // The receiver consumes nothing: the window (16 KiB = 8 messages) fills and stays full.
      yield* until("a full window held by the receiver", () => b.snapshot().stats.maxHeldBytes === options.window)
      const sentWhenFull = sent
      const blocked = sender.pollUnsafe() === undefined
      const received: Array<number> = []
      for (let i = 0; i < 32; i++) {
        const message = yield* b.receive
        received.push(Option.getOrThrow(message)[0]!)
      }
      yield* Fiber.join(sender)
      return { sentWhenFull, blocked, received, a: a.snapshot() }
    })))
    expect(outcome.blocked).toBe(true)
    // At most the window plus the one message being waited on.
    expect(outcome.sentWhenFull).toBeLessThanOrEqual(8)
    expect(outcome.received).toEqual(Array.from({ length: 32 }, (_, i) => i))
    expect(outcome.a.stats.maxInFlightBytes).toBeLessThanOrEqual(options.window)
  })

  it("a reassembled message's buffer goes back to the pool once `deliver` returned, and the next messages are still whole", async () => {
    const messages = Array.from({ length: 40 }, (_, i) => new Uint8Array(20_000 + i * 7).fill(i))
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      let toB: (bytes: Uint8Array) => void = () => undefined
      let toA: (bytes: Uint8Array) => void = () => undefined
      const buffers = new Set<ArrayBufferLike>()
      const copies: Array<Uint8Array> = []
      const a = yield* ReliableChannel.make(options, (bytes) => toB(bytes))
      const b = yield* ReliableChannel.make(options, (bytes) => toA(bytes), (item, consumed) => {
        if (item._tag !== "Message") return
        // What an owner keeps it makes before it returns (a decoded text; here a copy).
        buffers.add(item.bytes.buffer)
        copies.push(item.bytes.slice())
        consumed(item.holds)
      })
      toB = b.onFrame
      toA = a.onFrame
      for (const message of messages) {
        yield* a.send(message)
        // A turn of the event loop between messages: a buffer given back is reused from the next one on.
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      }
      yield* until("every message", () => copies.length === messages.length)
      return { buffers: buffers.size, copies }
    })))
    expect(outcome.copies.map((copy) => Buffer.from(copy))).toEqual(messages.map((message) => Buffer.from(message)))
    // Each message is 5 segments of 4 KiB reassembled into a 32 KiB buffer, the same few again and again.
    expect(outcome.buffers).toBeLessThan(5)
  })

  it("close delivers the end after everything sent, and a reset fails both ends' callers with its reason", async () => {
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { a, b } = yield* pair
      yield* a.send(new Uint8Array(10_000))
      yield* a.close
      const first = yield* b.receive
      const end = yield* b.receive
      yield* b.reset("executor going away")
      const onB = yield* Effect.flip(b.send(new Uint8Array(1)))
      const onA = yield* Effect.flip(a.receive)
      return { first: Option.map(first, (m) => m.length), end, onA, onB }
    })))
    expect(outcome.first).toEqual(Option.some(10_000))
    expect(Option.isNone(outcome.end)).toBe(true)
    expect(outcome.onB).toMatchObject({ _tag: "RemoteStreamReset", reason: "executor going away", byPeer: false })
    expect(outcome.onA).toMatchObject({ _tag: "RemoteStreamReset", reason: "executor going away", byPeer: true })
  })
  it("trySend sends at once within the peer's credit, and refuses (queuing nothing) beyond it until the peer consumes", async () => {
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { a, b } = yield* pair
      const message = (i: number) => new Uint8Array(4096).fill(i)
      // The window is 16 KiB: four messages fit, the fifth does not.
      const accepted = [0, 1, 2, 3, 4].map((i) => a.trySend(message(i)))
      const queuedWhenFull = a.snapshot().lastSentSeq
      const received: Array<number> = []
      for (let i = 0; i < 2; i++) received.push(Option.getOrThrow(yield* b.receive)[0]!)
      // A quarter of the window consumed: the window update comes back and there is room again.
      yield* until("the credit to come back", () => a.trySend(message(4)))
      for (let i = 0; i < 3; i++) received.push(Option.getOrThrow(yield* b.receive)[0]!)
      return { accepted, queuedWhenFull, received }
    })))
    expect(outcome.accepted).toEqual([true, true, true, true, false])
    expect(outcome.queuedWhenFull).toBe(4)
    expect(outcome.received).toEqual([0, 1, 2, 3, 4])
  })

  it("sendAll sends in order after the sends before it, calls back once the last went out within the credit, and a reset fails what waits", async () => {
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { a, b } = yield* pair
      const message = (i: number) => new Uint8Array(3000).fill(i)
      const calls: Array<string> = []
      const record = (name: string) => (error?: ReliableChannel.StreamReset) => calls.push(error === undefined ? name : `${name}: ${error.reason}`)
      // 16 KiB of window: batch 0 goes out at once, batch 1 halfway, and the rest wait for the receiver.
      a.sendAll([0, 1, 2].map(message), record("batch 0"))
      a.sendAll([3, 4, 5, 6].map(message), record("batch 1"))
      const single = yield* Effect.forkChild(a.send(message(7)))
      // The fork's send is asked for before what follows.
      yield* Effect.yieldNow
      a.sendAll([8].map(message), record("batch 2"))
      // Nothing overtakes what waits.
      const overtook = a.trySend(message(99))
      const whileFull = [...calls]
      const received: Array<number> = []
      for (let i = 0; i < 9; i++) received.push(Option.getOrThrow(yield* b.receive)[0]!)
      yield* Fiber.join(single)
      yield* until("every batch out", () => calls.length === 3)
      // Beyond the window again, then the peer resets: the waiting batch fails with its reason.
      let failed: string | undefined
      a.sendAll(Array.from({ length: 8 }, (_, i) => message(20 + i)), (error) => (failed = error?.reason))
      yield* b.reset("peer going away")
      yield* until("the waiting batch failed", () => failed !== undefined)
      let afterReset: string | undefined
      a.sendAll([message(30)], (error) => (afterReset = error?.reason))
      return { overtook, whileFull, calls, received, failed, afterReset }
    })))
    expect(outcome.overtook).toBe(false)
    expect(outcome.whileFull).toEqual(["batch 0"])
    expect(outcome.received).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    expect(outcome.calls).toEqual(["batch 0", "batch 1", "batch 2"])
    expect(outcome.failed).toBe("peer going away")
    expect(outcome.afterReset).toBe("peer going away")
  })

  it("an interrupted send stops waiting without holding up the sends after it", async () => {
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { a, b } = yield* pair
      // Four whole messages the receiver holds fill the 16 KiB window; the next send waits for credit.
      a.sendAll([0, 1, 2, 3].map((i) => new Uint8Array(4096).fill(i)), () => undefined)
      const waiting = yield* Effect.forkChild(a.send(new Uint8Array(100).fill(4)))
      yield* until("the window to be in flight", () => a.snapshot().stats.maxInFlightBytes === options.window)
      yield* Effect.yieldNow
      const waited = waiting.pollUnsafe() === undefined
      yield* Fiber.interrupt(waiting)
      const next = yield* Effect.forkChild(a.send(new Uint8Array(100).fill(5)))
      const received: Array<number> = []
      for (let i = 0; i < 6; i++) received.push(Option.getOrThrow(yield* b.receive)[0]!)
      yield* Fiber.join(next)
      return { waited, received }
    })))
    expect(outcome.waited).toBe(true)
    // What was given to the end before the interruption still goes out, then the next.
    expect(outcome.received).toEqual([0, 1, 2, 3, 4, 5])
  })
})
