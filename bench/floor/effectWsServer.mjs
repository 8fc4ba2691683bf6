#!/usr/bin/env node
/**
 * The Effect 4 floor of a WebSocket connection, for judging what one costs
 * (bench/connectionAllocation.mjs): `ws` as bench/bareWsServer.mjs uses
 * it, and per connection what any Effect server of ours' shape makes: a
 * scope, a fiber that takes the connection's messages from a queue,
 * decodes each with Schema, runs its handler with the connection as a
 * service, and encodes the answer with Schema; the socket's close ends the
 * queue, the fiber and the scope. It answers `initialize` and refuses
 * every other request as an unknown process, as bareWsServer.mjs does.
 *
 * Arguments (the bench passes `--listen ws://127.0.0.1:0 …`) are ignored:
 * it listens on an ephemeral loopback port and prints its URL.
 */
import { Context, Effect, Queue, Schema } from "effect"
import { WebSocketServer } from "ws"

class Connection extends Context.Service()("floor/Connection") {}

const Request = Schema.Struct({
  id: Schema.optional(Schema.Number),
  method: Schema.String,
  params: Schema.optional(Schema.Unknown)
})
const InitializeParams = Schema.Struct({ clientName: Schema.String, detachTtlMs: Schema.optional(Schema.Number) })
const InitializeResult = Schema.Struct({ sessionId: Schema.String })
const decodeRequest = Schema.decodeUnknownEffect(Request)
const decodeInitialize = Schema.decodeUnknownEffect(InitializeParams)
const encodeInitialize = Schema.encodeSync(InitializeResult)

let sessions = 0
const handle = (request) =>
  Effect.gen(function*() {
    const connection = yield* Connection
    if (request.id === undefined) return
    if (request.method !== "initialize") {
      connection.send({ id: request.id, error: { code: -32600, message: `unknown process id ${request.params?.processId}` } })
      return
    }
    yield* decodeInitialize(request.params)
    connection.send({ id: request.id, result: encodeInitialize({ sessionId: `floor-${++sessions}` }) })
  })

const serve = (socket) =>
  Effect.gen(function*() {
    const messages = yield* Queue.unbounded()
    socket.on("message", (data) => Queue.offerUnsafe(messages, String(data)))
    socket.once("close", () => Queue.endUnsafe(messages))
    const connection = { send: (message) => socket.send(JSON.stringify(message)) }
    // Each request on a fiber of its own, in the connection's scope; the queue's end (the close) ends the loop.
    yield* Queue.take(messages).pipe(
      Effect.flatMap((text) => decodeRequest(JSON.parse(text))),
      Effect.flatMap((request) => Effect.forkScoped(Effect.provideService(handle(request), Connection, connection))),
      Effect.forever
    )
  }).pipe(Effect.scoped, Effect.ignore)

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false })
server.on("listening", () => process.stderr.write(`listening on ws://127.0.0.1:${server.address().port}\n`))
server.on("connection", (socket) => void Effect.runFork(serve(socket)))
process.on("SIGTERM", () => process.exit(0))
