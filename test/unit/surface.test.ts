/**
 * What a connection is served is a value (`Surface`): an application adds
 * methods to every connection through `ProtocolExtension`, or serves its own
 * connections a wider surface with a per-connection add-on, as the web
 * console does, without the server knowing it. Mocked Layers, no process.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Rpc from "effect/rpc/Rpc"
import * as RpcGroup from "effect/rpc/RpcGroup"
import { Context, Effect, Layer, Schema } from "effect"
import { makeAckWindow } from "../../src/jsonrpc/FlowControl.js"
import { CONSOLE_SURFACE } from "../../src/protocol/console.js"
import { ExecServerError } from "../../src/protocol/errors.js"
import { RequiresHandshake } from "../../src/protocol/rpcs.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as Surface from "../../src/server/Surface.js"
import * as TestConnection from "../../src/testing/TestConnection.js"
import * as TestServer from "../../src/testing/TestServer.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"

/** An application's own method, declared as the protocol's are. */
class DemoRpcs extends RpcGroup.make(
  Rpc.make("demo/echo", {
    payload: Schema.Struct({ text: Schema.String }),
    success: Schema.Struct({ text: Schema.String }),
    error: ExecServerError
  })
).middleware(RequiresHandshake) {}

/** A notification of its own, which acknowledges output as `console/ack` does. */
class DemoNotificationRpcs extends RpcGroup.make(
  Rpc.make("demo/ack", { payload: Schema.Struct({ bytes: Schema.Number }) })
) {}

class DemoWindow extends Context.Service<DemoWindow, ReturnType<typeof makeAckWindow>>()("test/DemoWindow") {}

const echoExtension = Effect.map(
  DemoRpcs.toHandlers({ "demo/echo": ({ text }) => Effect.succeed({ text }) }),
  (handlers) => Surface.make({ name: "protocol", requests: DemoRpcs, notifications: RpcGroup.make(), handlers })
)

/** An application's surface whose connections each have a window of 64 unacknowledged bytes. */
const windowedSurface = (name: string) =>
  Effect.map(
    Surface.handlers<DemoWindow>()(DemoNotificationRpcs.toHandlers({
      "demo/ack": ({ bytes }) => Effect.flatMap(DemoWindow, (window) => Effect.sync(() => window.acknowledged(bytes)))
    })),
    (handlers) =>
      Surface.make({
        name,
        requests: RpcGroup.make(),
        notifications: DemoNotificationRpcs,
        handlers,
        perConnection: () => {
          const window = makeAckWindow({ highWaterMark: 64, lowWaterMark: 16 })
          return { context: Context.make(DemoWindow, window), outputWindow: window }
        }
      })
  )

/** The test server's services, and a spawner whose children the test drives. */
const services = Effect.gen(function*() {
  const spawner = yield* TestSpawner.make()
  const context = yield* Layer.build(TestServer.layer({ spawner: spawner.layer }))
  return { spawner, context }
})

const startParams = (processId: string) => ({ processId, argv: ["prog"], cwd: "/tmp", env: {}, tty: false })

describe("Surface", () => {
  it.effect("an application's method is served on every connection through ProtocolExtension, behind the handshake; without it it is unknown", () =>
    Effect.gen(function*() {
      const { context } = yield* services
      const plain = yield* TestConnection.make.pipe(Effect.provide(context))
      yield* plain.handshake
      expect((yield* plain.request("demo/echo", { text: "hi" })).error?.code).toBe(-32601)

      const extended = yield* TestConnection.make.pipe(
        Effect.provide(context),
        Effect.provideServiceEffect(Surface.ProtocolExtension, echoExtension)
      )
      expect((yield* extended.request("demo/echo", { text: "hi" })).error).toMatchObject({ code: -32600, data: { reason: "notInitialized" } })
      yield* extended.handshake
      expect((yield* extended.request("demo/echo", { text: "hi" })).result).toEqual({ text: "hi" })
      // The params are decoded with the Rpc's schema, as the protocol's are.
      expect((yield* extended.request("demo/echo", { text: 1 })).error?.code).toBe(-32602)
      // The protocol's methods are all still there.
      expect((yield* extended.request("session/list", {})).result).toMatchObject({ sessions: expect.any(Array) })
    }))

  it.effect("an application's connection gets its add-on: its window pauses its processes' output until its own notification acknowledges it", () =>
    Effect.gen(function*() {
      const { context, spawner } = yield* services
      const surface = Surface.merge(
        yield* ExecServer.protocolSurface.pipe(Effect.provide(context)),
        yield* windowedSurface("demo")
      )
      const client = yield* TestConnection.makeServed(surface).pipe(Effect.provide(context))
      yield* client.handshake
      expect((yield* client.request("process/start", startParams("p"))).error).toBeUndefined()
      const child = yield* spawner.nextChild
      child.output("x".repeat(100))
      yield* client.nextNotification((note) => note.method === "process/output")
      // 100 bytes unacknowledged: above the window's 64.
      expect(child.paused()).toBe(true)
      yield* client.notify("demo/ack", { bytes: 90 })
      yield* Effect.yieldNow
      // 10 left: below its low-water mark, so reading resumes.
      expect((yield* client.request("session/list", {})).result).toBeDefined()
      expect(child.paused()).toBe(false)

      // A connection served the protocol alone has no such window.
      const plain = yield* TestConnection.make.pipe(Effect.provide(context))
      yield* plain.handshake
      yield* plain.request("process/start", startParams("q"))
      const other = yield* spawner.nextChild
      other.output("y".repeat(100))
      yield* plain.nextNotification((note) => note.method === "process/output")
      expect(other.paused()).toBe(false)
    }))

  it.effect("the sessions a surface's connections make are listed as made by it: `console: true` for the console's alone", () =>
    Effect.gen(function*() {
      const { context } = yield* services
      const protocol = yield* ExecServer.protocolSurface.pipe(Effect.provide(context))
      const consoleLike = yield* TestConnection.makeServed(Surface.merge(protocol, yield* windowedSurface(CONSOLE_SURFACE))).pipe(
        Effect.provide(context)
      )
      const other = yield* TestConnection.makeServed(Surface.merge(protocol, yield* windowedSurface("demo"))).pipe(Effect.provide(context))
      const consoleId = (yield* consoleLike.handshake).result?.sessionId
      const otherId = (yield* other.handshake).result?.sessionId
      const listing = (yield* other.request("session/list", {})).result
      expect(listing?.sessions.map((session) => [session.sessionId, session.console]).sort()).toEqual(
        [[consoleId, true], [otherId, false]].sort()
      )
    }))
})
