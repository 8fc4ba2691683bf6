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
      const sender = yield* Effect.fork(Effect.gen(function*() {
        for (let i = 0; i < 32; i++) {
          yield* a.send(new Uint8Array(2048).fill(i))
          sent++
        }
      }))
      // The receiver consumes nothing: the window (16 KiB = 8 messages) fills and stays full.
      yield* until("a full window held by the receiver", () => b.snapshot().stats.maxHeldBytes === options.window)
      const sentWhenFull = sent
      const blocked = Option.isNone(yield* Fiber.poll(sender))
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
})
