/**
 * When a client hangs up, its requests still running get the drain period
 * to answer, and what is still running after it is interrupted before the
 * connection is done (serveConnection's set of request fibers). Mocked
 * Layers, an application's methods, no process.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Rpc from "effect/rpc/Rpc"
import * as RpcGroup from "effect/rpc/RpcGroup"
import { Deferred, Effect, Fiber, Layer, Schema } from "effect"
import { ExecServerError } from "../../src/protocol/errors.js"
import * as Surface from "../../src/server/Surface.js"
import * as TestConnection from "../../src/testing/TestConnection.js"
import * as TestServer from "../../src/testing/TestServer.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"

class DrainRpcs extends RpcGroup.make(
  Rpc.make("demo/slow", { payload: Schema.Struct({ ms: Schema.Number }), success: Schema.Struct({ ms: Schema.Number }), error: ExecServerError })
) {}

describe("a connection's requests when its client hangs up", () => {
  it.live("those that end within the drain period answer; the one still running after it is interrupted", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make()
      const context = yield* Layer.build(TestServer.layer({ spawner: spawner.layer }))
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const extension = Effect.map(
        DrainRpcs.toHandlers({
          "demo/slow": ({ ms }) =>
            Effect.andThen(
              ms > 10_000 ? Deferred.succeed(started, undefined) : Effect.void,
              Effect.as(Effect.sleep(ms), { ms })
            ).pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)))
        }),
        (handlers) => Surface.make({ name: "protocol", requests: DrainRpcs, notifications: RpcGroup.make(), handlers })
      )
      const connection = yield* TestConnection.make.pipe(
        Effect.provide(context),
        Effect.provideServiceEffect(Surface.ProtocolExtension, extension)
      )
      yield* connection.handshake
      const quick = yield* Effect.forkChild(connection.request("demo/slow", { ms: 200 }))
      yield* Effect.forkChild(connection.request("demo/slow", { ms: 60_000 }))
      yield* Deferred.await(started)
      const closedAt = Date.now()
      yield* connection.close
      // Done with the connection only once the request left running was interrupted.
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
      // After the drain period (1 s), not at once, and not after the minute.
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(900)
      expect(Date.now() - closedAt).toBeLessThan(10_000)
      // The quick one answered meanwhile, its answer written before the connection closed.
      expect((yield* Fiber.join(quick)).result).toEqual({ ms: 200 })
    }), { timeout: 20_000 })
})
