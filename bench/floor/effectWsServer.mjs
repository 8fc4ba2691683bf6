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
 * `--session`: what this protocol's `initialize` adds to the shape, a
 * session that outlives its request (a scope of its own, forked from the
 * store's, under a random id in the store's map, closed and forgotten with
 * the connection's scope), and the four lines an operator reads of a short
 * connection (opened, session created, session closed, closed), in logfmt
 * on stderr through Effect's logger, as the server writes them.
 *
 * Other arguments (the bench passes `--listen ws://127.0.0.1:0 …`) are
 * ignored: it listens on an ephemeral loopback port and prints its URL.
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Exit, Logger, Queue, Schema, Scope } from "effect"
import { WebSocketServer } from "ws"

const withSession = process.argv.includes("--session")

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

let sessionCount = 0
/** The sessions, in a scope of the store's (`--session`). */
const sessions = new Map()
const storeScope = Effect.runSync(Scope.make())

/** A session in a scope of its own, closed and forgotten when `connectionScope` closes. */
const makeSession = (connectionScope) =>
  Effect.gen(function*() {
    const scope = yield* Scope.fork(storeScope, "sequential")
    const sessionId = randomUUID()
    sessions.set(sessionId, { sessionId, scope })
    yield* Effect.logInfo("session created").pipe(Effect.annotateLogs({ sessionId }))
    yield* Scope.addFinalizer(
      connectionScope,
      Effect.suspend(() => {
        sessions.delete(sessionId)
        return Effect.andThen(Effect.logInfo("session closed").pipe(Effect.annotateLogs({ sessionId })), Scope.close(scope, Exit.void))
      })
    )
    return sessionId
  })

const handle = (request) =>
  Effect.gen(function*() {
    const connection = yield* Connection
    if (request.id === undefined) return
    if (request.method !== "initialize") {
      connection.send({ id: request.id, error: { code: -32600, message: `unknown process id ${request.params?.processId}` } })
      return
    }
    yield* decodeInitialize(request.params)
    const sessionId = withSession ? yield* makeSession(connection.scope) : `floor-${++sessionCount}`
    connection.send({ id: request.id, result: encodeInitialize({ sessionId }) })
  })

const serve = (socket) =>
  Effect.gen(function*() {
    const messages = yield* Queue.unbounded()
    socket.on("message", (data) => Queue.offerUnsafe(messages, String(data)))
    socket.once("close", () => Queue.endUnsafe(messages))
    const connection = { send: (message) => socket.send(JSON.stringify(message)), scope: yield* Effect.scope }
    if (withSession) {
      yield* Effect.logInfo("connection opened").pipe(Effect.annotateLogs({ transport: "websocket" }))
      yield* Effect.addFinalizer(() => Effect.logInfo("connection closed").pipe(Effect.annotateLogs({ transport: "websocket" })))
    }
    // Each request on a fiber of its own, in the connection's scope; the queue's end (the close) ends the loop.
    yield* Queue.take(messages).pipe(
      Effect.flatMap((text) => decodeRequest(JSON.parse(text))),
      Effect.flatMap((request) => Effect.forkScoped(Effect.provideService(handle(request), Connection, connection))),
      Effect.forever
    )
  }).pipe(Effect.scoped, Effect.ignore)

/** What connections run in with `--session`: logfmt lines on stderr (the server's format, its stream) in place of Effect's default logger. */
const logging = Context.add(
  Context.empty(),
  Logger.CurrentLoggers,
  new Set([Logger.map(Logger.formatLogFmt, (line) => void process.stderr.write(`${line}\n`))])
)

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false })
server.on("listening", () => process.stderr.write(`listening on ws://127.0.0.1:${server.address().port}\n`))
server.on("connection", (socket) => void (withSession ? Effect.runForkWith(logging)(serve(socket)) : Effect.runFork(serve(socket))))
process.on("SIGTERM", () => process.exit(0))
