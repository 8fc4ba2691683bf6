/**
 * The transport contract (jsonrpc/Transport.ts) as the stdio transport keeps it:
 * frames that arrive before the connection is served are kept, and the
 * listeners it put on streams that outlive it are gone once its scope closes,
 * served or not. And the handoff of accepted connections to the server.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { PassThrough } from "node:stream"
import { makeHandoff } from "../../src/jsonrpc/Transport.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import * as StdioTransport from "../../src/listeners/StdioTransport.js"
import * as WebSocketTransport from "../../src/listeners/WebSocketTransport.js"

const listenerCounts = (input: PassThrough, output: PassThrough) => ({
  data: input.listenerCount("data"),
  end: input.listenerCount("end"),
  inputError: input.listenerCount("error"),
  outputError: output.listenerCount("error")
})

describe("stdio transport", () => {
  it.effect("keeps frames that arrive before the connection is served, in order", () =>
    Effect.gen(function*() {
      const input = new PassThrough()
      const output = new PassThrough()
      const transport = yield* StdioTransport.fromStreams({ input, output, maxMessageBytes: 1024 })
      input.write("{\"a\":1}\n{\"b\"")
      input.end(":2}\n")
      const frames = yield* Stream.runCollect(Stream.fromQueue(transport.frames))
      expect(frames).toEqual([
        { _tag: "Text", text: "{\"a\":1}" },
        { _tag: "Text", text: "{\"b\":2}" }
      ])
    }).pipe(Effect.scoped))

  it.effect("detaches its listeners when its scope closes, even if never served", () =>
    Effect.gen(function*() {
      const input = new PassThrough()
      const output = new PassThrough()
      const before = listenerCounts(input, output)
      const scope = yield* Scope.make()
      yield* StdioTransport.fromStreams({ input, output, maxMessageBytes: 1024 }).pipe(Scope.provide(scope))
      expect(listenerCounts(input, output)).not.toEqual(before)
      yield* Scope.close(scope, Exit.void)
      expect(listenerCounts(input, output)).toEqual(before)
      // The stream is the caller's again: nothing of ours reads it.
      expect(input.destroyed).toBe(false)
    }))

  it.effect("closing the connection stops reading but keeps the output's error listener until the scope ends", () =>
    Effect.gen(function*() {
      const input = new PassThrough()
      const output = new PassThrough()
      const before = listenerCounts(input, output)
      const scope = yield* Scope.make()
      const transport = yield* StdioTransport.fromStreams({ input, output, maxMessageBytes: 1024 }).pipe(
        Scope.provide(scope)
      )
      yield* transport.close
      yield* transport.close
      expect(input.destroyed).toBe(true)
      expect(input.listenerCount("data")).toBe(before.data)
      // A write still on its way may fail after the connection is over: it must not crash the server.
      expect(output.listenerCount("error")).toBe(before.outputError + 1)
      output.emit("error", new Error("EPIPE"))
      yield* Scope.close(scope, Exit.void)
      expect(listenerCounts(input, output)).toEqual(before)
    }))
})

describe("WebSocket transport", () => {
  it("requires the Sandbox service, so that no composition of the Layers leaves the refusal of sandboxed peers out", () => {
    // Found by type: before, the listener looked the service up and, missing, refused no one.
    expectTypeOf<Effect.Services<ReturnType<typeof WebSocketTransport.make>>>().toEqualTypeOf<Scope.Scope | Sandbox.Sandbox>()
    expectTypeOf<Layer.Services<ReturnType<typeof WebSocketTransport.layer>>>().toEqualTypeOf<Sandbox.Sandbox>()
    // And at run time: without it, the listener does not start.
    const missing = Effect.runSyncExit(
      Effect.scoped(WebSocketTransport.make({ host: "127.0.0.1", port: 0 })) as Effect.Effect<unknown, unknown>
    )
    expect(Exit.isFailure(missing) && String(Cause.squash(missing.cause))).toMatch(/Service not found: effect-exec-server\/Sandbox/)
  })
})

describe("handoff (what a transport accepted, to the server)", () => {
  it.effect("hands what arrived before `accept` first, in order, then each as it comes, in the offer's own call", () =>
    Effect.gen(function*() {
      const handoff = yield* makeHandoff<number>()
      handoff.offer(1)
      handoff.offer(2)
      const served: Array<number> = []
      const accepting = yield* Effect.forkChild(handoff.accept((item) => served.push(item)))
      yield* Effect.yieldNow
      expect(served).toEqual([1, 2])
      handoff.offer(3)
      expect(served).toEqual([1, 2, 3])
      yield* Fiber.interrupt(accepting)
    }))

  it.effect("keeps what arrives once `accept` is interrupted, for the next consumer (the stream here)", () =>
    Effect.gen(function*() {
      const handoff = yield* makeHandoff<number>()
      const served: Array<number> = []
      const accepting = yield* Effect.forkChild(handoff.accept((item) => served.push(item)))
      yield* Effect.yieldNow
      handoff.offer(1)
      yield* Fiber.interrupt(accepting)
      handoff.offer(2)
      handoff.offer(3)
      expect(served).toEqual([1])
      const taken = yield* Stream.runCollect(Stream.take(handoff.stream, 3)).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      handoff.offer(4)
      expect(yield* Fiber.join(taken)).toEqual([2, 3, 4])
    }))
})
