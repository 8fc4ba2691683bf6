/**
 * The outbound queue of a connection over a scripted transport write: order,
 * batching per turn, flow accounting, close and failure.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { makeFlowMeter } from "../../src/jsonrpc/FlowControl.js"
import type { OutgoingMessage } from "../../src/wire/JsonRpc.js"
import * as Outbound from "../../src/jsonrpc/Outbound.js"

/** A transport whose writes complete when the test says so. */
const scriptedTransport = () => {
  const batches: Array<ReadonlyArray<OutgoingMessage>> = []
  const pending: Array<(error?: unknown) => void> = []
  return {
    batches,
    write: (messages: ReadonlyArray<OutgoingMessage>, done: (error?: unknown) => void) => {
      batches.push(messages)
      pending.push(done)
    },
    /** Completes the oldest write still pending. */
    complete: (error?: unknown) => pending.shift()!(error)
  }
}

const nextTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

describe("Outbound", () => {
  it.effect("writes what is sent in one turn as one batch, in order, and counts it until written", () =>
    Effect.gen(function*() {
      const transport = scriptedTransport()
      const flow = makeFlowMeter({ highWaterMark: 10, lowWaterMark: 4 })
      const outbound = Outbound.make({ write: transport.write, flow })
      outbound.send("aaaa")
      outbound.send("bbbb")
      outbound.send(new Uint8Array(4))
      expect(transport.batches).toEqual([]) // nothing is written before the turn ends
      expect(flow.paused()).toBe(true) // 12 bytes queued > 10
      yield* nextTurn
      expect(transport.batches).toEqual([["aaaa", "bbbb", new Uint8Array(4)]])
      outbound.send("cc")
      yield* nextTurn
      expect(transport.batches).toHaveLength(2)
      transport.complete()
      expect(flow.queuedBytes()).toBe(2)
      expect(flow.paused()).toBe(false)
    }))

  it.effect("takes its pooled buffers back once they are written, not before", () =>
    Effect.gen(function*() {
      const transport = scriptedTransport()
      const outbound = Outbound.make({ write: transport.write, flow: makeFlowMeter({ highWaterMark: 1 << 20, lowWaterMark: 1 }) })
      const first = outbound.allocate(100)
      outbound.send(first)
      yield* nextTurn
      // Still on its way: a new buffer does not share its memory.
      expect(outbound.allocate(100).buffer).not.toBe(first.buffer)
      transport.complete()
      expect(outbound.allocate(100).buffer).toBe(first.buffer)
    }))

  it.effect("close flushes what is queued and waits until every batch is written", () =>
    Effect.gen(function*() {
      const transport = scriptedTransport()
      const outbound = Outbound.make({ write: transport.write, flow: makeFlowMeter({ highWaterMark: 100, lowWaterMark: 10 }) })
      outbound.send("first")
      yield* nextTurn
      outbound.send("last")
      const closing = yield* Effect.forkChild(outbound.close)
      yield* nextTurn
      expect(transport.batches).toEqual([["first"], ["last"]])
      outbound.send("too late")
      transport.complete()
      yield* nextTurn
      expect(closing.pollUnsafe()).toBeUndefined() // not done yet (v4 polls undefined, v3 null)
      transport.complete()
      yield* Fiber.join(closing)
      expect(transport.batches).toHaveLength(2)
    }))

  it.effect("a close called again while the first waits (as a slow reader's flush does) ends with it; one with nothing left ends at once", () =>
    Effect.gen(function*() {
      const transport = scriptedTransport()
      const outbound = Outbound.make({ write: transport.write, flow: makeFlowMeter({ highWaterMark: 100, lowWaterMark: 10 }) })
      outbound.send("only")
      const first = yield* Effect.forkChild(outbound.close)
      const second = yield* Effect.forkChild(outbound.close)
      yield* nextTurn
      expect([first.pollUnsafe(), second.pollUnsafe()]).toEqual([undefined, undefined]) // neither done (v4 polls undefined, v3 null)
      transport.complete()
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      yield* outbound.close
      const idle = Outbound.make({ write: transport.write, flow: makeFlowMeter({ highWaterMark: 100, lowWaterMark: 10 }) })
      yield* idle.close
      expect(transport.batches).toEqual([["only"]])
    }))

  it.effect("a failed write calls the `onFailed` listeners once (a late one at once), ends a close and drops later messages", () =>
    Effect.gen(function*() {
      const transport = scriptedTransport()
      const outbound = Outbound.make({ write: transport.write, flow: makeFlowMeter({ highWaterMark: 100, lowWaterMark: 10 }) })
      const calls: Array<string> = []
      outbound.onFailed(() => calls.push("early"))
      outbound.send("x")
      yield* nextTurn
      expect(calls).toEqual([])
      transport.complete(new Error("EPIPE"))
      expect(calls).toEqual(["early"])
      outbound.onFailed(() => calls.push("late"))
      expect(calls).toEqual(["early", "late"])
      outbound.send("y")
      yield* nextTurn
      expect(transport.batches).toEqual([["x"]])
      yield* outbound.close
      expect(calls).toEqual(["early", "late"])
    }))
})
