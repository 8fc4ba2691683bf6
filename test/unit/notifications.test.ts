/**
 * Server notifications as the protocol declares them and the client hears
 * them: every `process/*` notification carries `seq`; an extension
 * notification is sent only to a connection that asked for it in
 * `initialize`; and the client's `notifications(method)` streams, typed by
 * the group, against the server's handlers with scripted children.
 */
import { describe, expect, it } from "@effect/vitest"
import { expectTypeOf } from "vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Rpc from "effect/rpc/Rpc"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ClientError } from "../../src/client/ClientError.js"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import { notifier } from "../../src/jsonrpc/Connection.js"
import { Extension, ServerNotificationRpcs } from "../../src/protocol/rpcs.js"
import type { ExitedNotification } from "../../src/protocol/schema.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as TestConnection from "../../src/testing/TestConnection.js"
import * as TestServer from "../../src/testing/TestServer.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"
import { messageText, type OutgoingMessage } from "../../src/wire/JsonRpc.js"

describe("the protocol's notifications", () => {
  it("every process/* notification carries seq, as the client orders a process's events by it", () => {
    const processNotifications = [...ServerNotificationRpcs.requests.values()].filter((rpc) => rpc._tag.startsWith("process/"))
    expect(processNotifications.map((rpc) => rpc._tag)).toContain("process/output")
    for (const rpc of processNotifications) {
      const fields = (rpc.payloadSchema as unknown as Schema.Struct<Schema.Struct.Fields>).fields
      expect(Object.keys(fields).slice(0, 2), rpc._tag).toEqual(["processId", "seq"])
    }
  })

  it("an extension notification goes only to a connection that asked for it; the reference's go to every one", () => {
    const Ours = Rpc.make("test/ours", { payload: Schema.Struct({ n: Schema.Number }) }).annotate(Extension, true)
    const Theirs = ServerNotificationRpcs.requests.get("process/closed")!
    const sent: Array<string> = []
    const send = (message: OutgoingMessage) => void sent.push(messageText(message))
    notifier(send, new Set())(Ours, { n: 1 })
    notifier(send, new Set())(Theirs, { processId: "p", seq: 1 })
    notifier(send, new Set(["test/ours"]))(Ours, { n: 2 })
    expect(sent.map((text) => JSON.parse(text))).toEqual([
      { method: "process/closed", params: { processId: "p", seq: 1 } },
      { method: "test/ours", params: { n: 2 } }
    ])
    expect(Context.get(Theirs.annotations, Extension)).toBe(false)
  })

  it.effect("initialize grants, of the notifications asked for, only the extensions the server has; asking nothing leaves the result as it was", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make()
      const services = TestServer.layer({ spawner: spawner.layer })
      const asking = yield* TestConnection.makeWith(services)
      const asked = yield* asking.request("initialize", { clientName: "t", notifications: ["process/output", "no/such"] })
      // No extension notification in the protocol yet: none granted, and the reference's are sent anyway.
      expect(asked.result?.notifications).toEqual([])
      const plain = yield* TestConnection.makeWith(services)
      const unasked = yield* plain.request("initialize", { clientName: "t" })
      expect(unasked.result).not.toHaveProperty("notifications")
      const bad = yield* plain.requestUnchecked("initialize", { clientName: "t", notifications: "process/output" })
      expect(bad.error?.code).toBe(-32602)
    }))
})

describe("client.notifications(method)", () => {
  it.effect("streams each method's notifications, decoded and typed by the group, to every stream of it, beside the process's own events", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make()
      const context = yield* Layer.build(
        InProcessClient.layer().pipe(Layer.provide(TestServer.layer({ spawner: spawner.layer })))
      )
      const client = Context.get(context, ExecServerClient.ExecServerClient)
      const exitedStream = client.notifications("process/exited")
      expectTypeOf(exitedStream).toEqualTypeOf<Stream.Stream<typeof ExitedNotification.Type, ClientError>>()
      // Pulls listen from the moment they are made.
      const exitedA = yield* Stream.toPull(exitedStream)
      const exitedB = yield* Stream.toPull(client.notifications("process/exited"))
      const outputs = yield* Stream.toPull(client.notifications("process/output"))
      const handle = yield* client.start({ argv: ["prog"], processId: "p1" })
      const child = yield* spawner.nextChild
      child.output("hi")
      child.finish(3)
      const expected = { processId: "p1", seq: 2, exitCode: 3, signal: null, sandboxDenied: false }
      expect(yield* exitedA).toEqual([expected])
      expect(yield* exitedB).toEqual([expected])
      const [output] = yield* outputs
      expect(output).toMatchObject({ processId: "p1", seq: 1, stream: "stdout" })
      expect(Buffer.from(output!.chunk).toString()).toBe("hi")
      // The process's handle still gets every event: the streams listen beside it.
      expect(yield* handle.exited).toEqual({ exitCode: 3, signal: null, sandboxDenied: false })
    }).pipe(Effect.scoped))

  it.effect("a stream made after the client closed fails with why, as the client's calls do", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make()
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        InProcessClient.layer().pipe(Layer.provide(TestServer.layer({ spawner: spawner.layer }))),
        scope
      )
      const client = Context.get(context, ExecServerClient.ExecServerClient)
      const listening = yield* Effect.forkChild(Stream.runCollect(client.notifications("process/closed")), { startImmediately: true })
      yield* Scope.close(scope, Exit.void)
      const ended = yield* Fiber.await(listening)
      expect(Exit.isFailure(ended) && Cause.squash(ended.cause)).toMatchObject({ _tag: "ExecServer/TransportClosed" })
      const after = yield* Effect.flip(Stream.runCollect(client.notifications("process/closed")))
      expect(after).toMatchObject({ _tag: "ExecServer/TransportClosed", message: "the client was closed" })
    }))
})
