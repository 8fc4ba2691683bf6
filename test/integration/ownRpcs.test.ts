/**
 * An application's own group, declared once (test/support/mathRpcs.ts),
 * served by a real server over WebSocket and called by name through the
 * typed client and the Promise client: params, results and the failures
 * the group declares arrive as its types, over plain JSON-RPC.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, type Scope, Stream } from "effect"
import { RpcGroup } from "effect/rpc"
import * as ClientTransport from "../../src/client/ClientTransport.js"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import * as Transport from "../../src/jsonrpc/Transport.js"
import * as WebSocketTransport from "../../src/listeners/WebSocketTransport.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as Surface from "../../src/server/Surface.js"
import { DivisionByZero, MathRpcs, TooLarge } from "../support/mathRpcs.js"

/** The server's side of the group: its handlers, as a surface beside the protocol's. */
const MathExtension = Effect.map(
  MathRpcs.toHandlers({
    "math/add": ({ a, b }) =>
      a + b > 1000 ? Effect.fail(new TooLarge({ message: "the sum exceeds 1000", code: -31999, limit: 1000 })) : Effect.succeed({ sum: a + b }),
    "math/divide": ({ a, b }) =>
      b === 0 ? Effect.fail(new DivisionByZero({ message: "division by zero", dividend: a })) : Effect.succeed({ quotient: a / b })
  }),
  (handlers) => Surface.make({ name: "protocol", requests: MathRpcs, notifications: RpcGroup.make(), handlers })
)

/** A server with the group on every connection, on a free port, until the scope closes; its URL. */
const serve = Effect.gen(function*() {
  const { transport, url } = yield* WebSocketTransport.make({ host: "127.0.0.1", port: 0 })
  yield* ExecServer.run.pipe(
    Effect.provideService(Transport.ServerTransport, transport),
    Effect.provideServiceEffect(Surface.ProtocolExtension, MathExtension),
    Effect.forkScoped
  )
  return url
})

/** A test in a scope, with the server's services around all of it (they close with it, and the server with them). */
const withServer = <A, E>(test: Effect.Effect<A, E, ExecServer.ServerServices | ServerConfig.ServerConfig | Scope.Scope>) =>
  test.pipe(Effect.scoped, Effect.provide(ExecServer.layerNodeServices), Effect.provide(ServerConfig.layerDefaults))

describe("an application's own RpcGroup on both ends", () => {
  it.live("the typed client calls its methods by name: results, declared failures, the protocol's methods beside them", () =>
    Effect.gen(function*() {
      const url = yield* serve
      const client = yield* ExecServerClient.make(ClientTransport.webSocket({ url }), { rpcs: MathRpcs })
      expect(yield* client.call("math/add", { a: 2, b: 3 })).toEqual({ sum: 5 })
      expect(yield* client.call("math/divide", { a: 9, b: 3 })).toEqual({ quotient: 3 })

      // The failure the Rpc declares, decoded by its schema: an instance of the application's class, caught by its tag.
      const divided = yield* Effect.flip(client.call("math/divide", { a: 7, b: 0 }))
      expect(divided).toBeInstanceOf(DivisionByZero)
      expect(divided).toMatchObject({ _tag: "math/DivisionByZero", message: "division by zero", dividend: 7 })
      const caught = yield* client.call("math/divide", { a: 7, b: 0 }).pipe(
        Effect.catchTag("math/DivisionByZero", (error) => Effect.succeed(`caught ${error.dividend}`))
      )
      expect(caught).toBe("caught 7")
      const tooLarge = yield* Effect.flip(client.call("math/add", { a: 1000, b: 1 }))
      expect(tooLarge).toBeInstanceOf(TooLarge)
      expect(tooLarge).toMatchObject({ _tag: "math/TooLarge", code: -31999, limit: 1000 })

      // Params the schema does not take go as given (call takes the wire form): the server refuses them, saying why.
      const refused = yield* Effect.flip(client.call("math/add", { a: "2", b: 3 } as unknown as { a: number; b: number }))
      expect(refused).toMatchObject({ _tag: "ExecServer/InvalidParams", code: -32602 })
      expect((refused as { readonly message: string }).message).toMatch(/\ba\b/)

      // The protocol's own requests are unchanged.
      const { stdout } = yield* client.exec(["echo", "hi"], { cwd: "/tmp", encoding: "utf8" })
      expect(stdout).toBe("hi\n")
    }).pipe(withServer))

  it.live("the Promise client calls them too, and rejects with the declared failure", () =>
    Effect.gen(function*() {
      const url = yield* serve
      const outcome = yield* Effect.promise(async () => {
        await using client = await PromiseClient.connect(url, { rpcs: MathRpcs, signal: AbortSignal.timeout(20_000) })
        const sum = await client.call("math/add", { a: 20, b: 22 })
        const failure = await client.call("math/divide", { a: 5, b: 0 }).then(() => undefined, (error: unknown) => error)
        return { sum, failure }
      })
      expect(outcome.sum).toEqual({ sum: 42 })
      expect(outcome.failure).toBeInstanceOf(DivisionByZero)
      expect(outcome.failure).toMatchObject({ _tag: "math/DivisionByZero", dividend: 5 })
    }).pipe(withServer))

  it.live("on the wire it is JSON-RPC: a declared failure is an error object with its code and the failure in data", () =>
    Effect.gen(function*() {
      const url = yield* serve
      const connection = yield* ClientTransport.webSocket({ url })
      yield* ClientTransport.send(connection, [
        JSON.stringify({ id: 1, method: "initialize", params: { clientName: "wire" } }),
        JSON.stringify({ method: "initialized", params: {} }),
        JSON.stringify({ id: 2, method: "math/add", params: { a: 2, b: 3 } }),
        JSON.stringify({ id: 3, method: "math/divide", params: { a: 1, b: 0 } }),
        JSON.stringify({ id: 4, method: "math/add", params: { a: 999, b: 2 } }),
        JSON.stringify({ id: 5, method: "math/add", params: { a: 2 } })
      ])
      const answers = yield* ClientTransport.texts(connection).pipe(
        Stream.map((text) => JSON.parse(text) as { readonly id?: number }),
        Stream.filter((message) => typeof message.id === "number" && message.id >= 2),
        Stream.take(4),
        Stream.runCollect
      )
      const byId = new Map(Array.from(answers, (answer) => [answer.id, answer]))
      expect(byId.get(2)).toEqual({ id: 2, result: { sum: 5 } })
      expect(byId.get(3)).toEqual({
        id: 3,
        error: { code: -32000, message: "division by zero", data: { _tag: "math/DivisionByZero", message: "division by zero", dividend: 1 } }
      })
      expect(byId.get(4)).toEqual({
        id: 4,
        error: { code: -31999, message: "the sum exceeds 1000", data: { _tag: "math/TooLarge", message: "the sum exceeds 1000", code: -31999, limit: 1000 } }
      })
      // Bad params: the protocol's -32602, naming the field, as for any method.
      expect(byId.get(5)).toMatchObject({ id: 5, error: { code: -32602, message: expect.stringMatching(/math\/add.*\bb\b/s) } })
    }).pipe(withServer))

  it.live("before the handshake the group's methods are refused as the protocol's are", () =>
    Effect.gen(function*() {
      const url = yield* serve
      const connection = yield* ClientTransport.webSocket({ url })
      yield* ClientTransport.send(connection, [JSON.stringify({ id: 1, method: "math/add", params: { a: 2, b: 3 } })])
      const answer = yield* ClientTransport.texts(connection).pipe(Stream.runHead)
      const message = JSON.parse(Option.getOrThrow(answer)) as { readonly error?: { readonly code: number; readonly data?: unknown } }
      expect(message.error?.code).toBe(-32600)
      expect(message.error?.data).toEqual({ reason: "notInitialized" })
    }).pipe(withServer))
})

