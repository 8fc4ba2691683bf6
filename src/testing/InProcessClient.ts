/**
 * A client of a server running in this process, with no socket or pipe:
 * the real connection loop, dispatcher and handlers, fed through in-memory
 * queues. It lives with the testing tools because it needs the server
 * (its services and handlers); the client itself imports nothing of it.
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import * as Queue from "effect/Queue"
import * as References from "effect/References"
import type * as Scope from "effect/Scope"
import { TransportClosed } from "../client/ClientError.js"
import type { ClientTransport } from "../client/ClientTransport.js"
import { type ClientOptions, ExecServerClient, make } from "../client/ExecServerClient.js"
import type { InitializeTimeout } from "../client/ClientError.js"
import type { ClientError, ConnectError } from "../client/ClientError.js"
import { type Frame, messageText, type OutgoingMessage } from "../wire/JsonRpc.js"
import { serveClient, type ServerServices } from "../server/ExecServer.js"

/**
 * Serves the client in this process: messages go straight to the server's
 * dispatcher and handlers, with no socket or pipe. Needs the server's
 * services (spawners, output buffer, config). The server's log lines below
 * `serverLogLevel` ("Warn" by default: a test's output is read by a person)
 * are dropped.
 */
export const transportWith = (
  serverLogLevel: LogLevel.LogLevel = "Warn"
): Effect.Effect<ClientTransport, never, Scope.Scope | ServerServices> => Effect.gen(function*() {
  // Two ends of the one transport contract, joined by two queues.
  const toServer = yield* Queue.make<Frame, Cause.Done>()
  const toClient = yield* Queue.make<Frame, TransportClosed | Cause.Done>()
  const textFrames = (messages: ReadonlyArray<OutgoingMessage>): Array<Frame> =>
    messages.map((message) => ({ _tag: "Text", text: messageText(message) }))
  yield* serveClient({
    frames: toServer,
    write: (messages, done) => {
      Queue.offerAllUnsafe(toClient, textFrames(messages))
      done()
    },
    close: Effect.void,
    peer: { transport: "in-process" }
  }).pipe(
    Effect.provideService(References.MinimumLogLevel, serverLogLevel),
    Effect.ensuring(Queue.fail(toClient, new TransportClosed({ message: "the in-process server stopped" }))),
    Effect.forkScoped
  )
  yield* Effect.addFinalizer(() => Queue.end(toServer))
  return {
    frames: toClient,
    write: (messages, done) => {
      Queue.offerAllUnsafe(toServer, textFrames(messages))
      done()
    },
    close: Effect.asVoid(Queue.end(toServer)),
    peer: { transport: "in-process" }
  }
})

/** `transportWith()`: the server's log lines below "Warn" dropped. */
export const transport: Effect.Effect<ClientTransport, never, Scope.Scope | ServerServices> = transportWith()

/** The typed client of a server in this process (it needs the server's services); `serverLogLevel` as `transportWith`'s. */
export const layer = (
  options: ClientOptions & { readonly serverLogLevel?: LogLevel.LogLevel } = {}
): Layer.Layer<ExecServerClient, ClientError | InitializeTimeout | ConnectError, ServerServices> =>
  Layer.effect(
    ExecServerClient,
    Effect.flatMap(
      Effect.context<ServerServices>(),
      (services) => make(Effect.provide(transportWith(options.serverLogLevel), services), { ...options, reconnect: false })
    )
  )
