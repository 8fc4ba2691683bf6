/**
 * `call` sends a request's params as the caller wrote them, in their wire
 * form: the JSON-RPC message carries exactly the fields given (none added
 * by the schema's defaults, bytes as the base64 text given), and the
 * server fills in its defaults. Both clients, the protocol's methods and an
 * application's own group, against a server in this process with the real
 * spawner; what the client writes is read off its transport.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, type Scope } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import type { ClientTransport } from "../../src/client/ClientTransport.js"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as Surface from "../../src/server/Surface.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import { messageText } from "../../src/wire/JsonRpc.js"

/** A message as the client wrote it. */
interface Sent {
  readonly method?: string
  readonly params?: unknown
}

/** A group whose params differ on the wire: a field the server defaults, and a number sent as text. */
class RepeatRpcs extends RpcGroup.make(
  Rpc.make("app/repeat", {
    payload: Schema.Struct({
      text: Schema.String,
      times: Schema.Number.pipe(Schema.withDecodingDefault(Effect.succeed(2))),
      width: Schema.NumberFromString
    }),
    success: Schema.Struct({ repeated: Schema.String })
  })
) {}

const RepeatExtension = Effect.map(
  RepeatRpcs.toHandlers({
    "app/repeat": ({ text, times, width }) => Effect.succeed({ repeated: text.repeat(times).padEnd(width, ".") })
  }),
  (handlers) => Surface.make({ name: "protocol", requests: RepeatRpcs, notifications: RpcGroup.make(), handlers })
)

/**
 * A connector to a server in this process (with `RepeatRpcs` beside the
 * protocol) whose every message the client writes is also pushed onto `sent`.
 */
const recordingConnector = (sent: Array<Sent>) =>
  Effect.gen(function*() {
    const services = yield* Effect.context<ExecServer.ServerServices>()
    const extension = yield* RepeatExtension
    const connector: ExecServerClient.Connector = Effect.map(
      InProcessClient.transport.pipe(Effect.provideService(Surface.ProtocolExtension, extension), Effect.provide(services)),
      (transport): ClientTransport => ({
        ...transport,
        write: (messages, done) => {
          for (const message of messages) sent.push(JSON.parse(messageText(message)) as Sent)
          transport.write(messages, done)
        }
      })
    )
    return connector
  })

/** The params of each `method` message the client wrote. */
const paramsSent = (sent: ReadonlyArray<Sent>, method: string) => sent.filter((message) => message.method === method).map((message) => message.params)

const withServices = <A, E>(test: Effect.Effect<A, E, ExecServer.ServerServices | ServerConfig.ServerConfig | Scope.Scope>) =>
  test.pipe(Effect.scoped, Effect.provide(ExecServer.layerNodeServices), Effect.provide(ServerConfig.layerDefaults))

describe("call's params, in their wire form", () => {
  it.live("the typed client sends exactly the fields given, and the server fills in the defaults", () =>
    Effect.gen(function*() {
      const sent: Array<Sent> = []
      const client = yield* ExecServerClient.make(yield* recordingConnector(sent), { rpcs: RepeatRpcs, reconnect: false })

      const start = { processId: "wire-1", argv: ["sleep", "30"], env: {}, tty: false }
      expect(yield* client.call("process/start", start)).toMatchObject({ processId: "wire-1" })
      expect(paramsSent(sent, "process/start")).toStrictEqual([start])
      // Left out, pipeStdin took the server's default (false): the process has no stdin to write to.
      const write = { processId: "wire-1", chunk: Buffer.from("hi\n").toString("base64") }
      expect(yield* client.call("process/write", write)).toMatchObject({ status: "stdinClosed" })
      expect(paramsSent(sent, "process/write")).toStrictEqual([write])
      yield* client.call("process/terminate", { processId: "wire-1" })

      // The application's own group: its number goes as the text given, its defaulted field is the server's.
      expect(yield* client.call("app/repeat", { text: "ab", width: "6" })).toEqual({ repeated: "abab.." })
      expect(paramsSent(sent, "app/repeat")).toStrictEqual([{ text: "ab", width: "6" }])

      // Params its schema does not take go as they are, and the server refuses them, as it would any client's.
      const wrong = { text: "ab", width: 6 }
      const refused = yield* Effect.flip(client.call("app/repeat", wrong as unknown as { text: string; width: string }))
      expect(refused).toMatchObject({ _tag: "ExecServer/InvalidParams", code: -32602 })
      expect(paramsSent(sent, "app/repeat")).toStrictEqual([{ text: "ab", width: "6" }, wrong])
    }).pipe(withServices))

  it.live("so does the Promise client", () =>
    Effect.gen(function*() {
      const sent: Array<Sent> = []
      const connector = yield* recordingConnector(sent)
      const start = { processId: "wire-2", argv: ["sleep", "30"], env: {}, tty: false }
      const outcome = yield* Effect.promise(async () => {
        await using client = await PromiseClient.connectWith(connector, { rpcs: RepeatRpcs, reconnect: false })
        const started = await client.call("process/start", start)
        const written = await client.call("process/write", { processId: "wire-2", chunk: "aGkK" })
        await client.call("process/terminate", { processId: "wire-2" })
        const repeated = await client.call("app/repeat", { text: "x", times: 3, width: "3" })
        return { started, written, repeated }
      })
      expect(outcome).toMatchObject({ started: { processId: "wire-2" }, written: { status: "stdinClosed" }, repeated: { repeated: "xxx" } })
      expect(paramsSent(sent, "process/start")).toStrictEqual([start])
      expect(paramsSent(sent, "process/write")).toStrictEqual([{ processId: "wire-2", chunk: "aGkK" }])
      expect(paramsSent(sent, "app/repeat")).toStrictEqual([{ text: "x", times: 3, width: "3" }])
    }).pipe(withServices))
})
