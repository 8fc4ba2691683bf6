/**
 * `http/request`, on the platform's HttpClient when the server has one. A
 * buffered body is read up to the server's limit; a streamed one goes out as
 * `http/request/bodyDelta` notifications after the response, under the
 * connection's flow control (a client that falls behind stops the body being
 * read), and ends with the connection.
 */
import * as HttpClient from "effect/http/HttpClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { check, exchange } from "../../http/HttpExchange.js"
import { HttpRequests } from "../../http/HttpRequests.js"
import { headersOf, readBody, streamBody, withDeadline } from "../../http/HttpStreaming.js"
import { encodeNotificationOf } from "../../jsonrpc/clientMessages.js"
import { afterResponse, Connection } from "../../jsonrpc/Connection.js"
import { InvalidParams, SandboxDenied } from "../../protocol/errors.js"
import { HttpBodyDelta, HttpRpcs } from "../../protocol/rpcs.js"
import { Slots } from "../../slots/Slots.js"
import { ClientSession, type ConnectionResource } from "../ClientSessionService.js"
import { ServerConfig } from "../ServerConfig.js"

/** The request ids of a connection's HTTP streams that have not ended. */
const HTTP_STREAMS: ConnectionResource<Set<string>> = { name: "HTTP streams" }

export const httpHandlers = HttpRpcs.toHandlers(Effect.gen(function*() {
  const config = yield* ServerConfig
  const requests = yield* HttpRequests
  // Each request in flight holds a socket: they count against the server's descriptors like processes and handles.
  const slots = new Slots({ resource: "httpRequests", limit: config.maxHttpRequests, setting: "--max-http-requests" })
  const takeSlot = Effect.suspend(() =>
    slots.tryTake()
      ? Effect.void
      : Effect.fail(slots.refusal(`the server already has ${slots.inUse} HTTP requests in flight over all sessions`))
  )
  const releaseSlot = Effect.sync(() => slots.release())
  return {
    "http/request": (params) =>
      Effect.gen(function*() {
        const session = yield* ClientSession
        const httpClient = yield* requests.client
        if (config.sandboxPolicy !== undefined && !config.sandboxPolicy.network) {
          return yield* new SandboxDenied({ message: "http/request: the operator's sandbox allows no network", errno: "EACCES" })
        }
        const checked = yield* check(params, config.environment ?? process.env, config.httpHeaderEnvVars)
        const follow = params.redirectPolicy === "follow"
        if (!params.streamResponse) {
          yield* takeSlot
          return yield* Effect.scoped(Effect.gen(function*() {
            const response = yield* exchange(checked, follow)
            return {
              status: response.status,
              headers: headersOf(response),
              bodyBase64: yield* readBody(response, config.maxHttpResponseBytes)
            }
          })).pipe(
            (effect) => withDeadline(effect, params.timeoutMs),
            Effect.provideService(HttpClient.HttpClient, httpClient),
            Effect.ensuring(releaseSlot)
          )
        }
        const { requestId } = params
        const connection = yield* Connection
        const connectionScope = session.scope
        const activeStreams = yield* session.resource(HTTP_STREAMS, Effect.sync(() => new Set<string>()))
        // The check and the claim, with nothing that yields between them.
        if (activeStreams.has(requestId)) {
          return yield* new InvalidParams({ message: `http/request streamResponse requestId \`${requestId}\` is already active` })
        }
        yield* takeSlot
        activeStreams.add(requestId)
        // The exchange lives until its body has gone out, or the connection ends.
        const exchangeScope = yield* Scope.fork(connectionScope, "sequential")
        const release = Effect.andThen(Effect.sync(() => activeStreams.delete(requestId)), Scope.close(exchangeScope, Exit.void)).pipe(
          Effect.ensuring(releaseSlot)
        )
        const startedAt = yield* Clock.currentTimeMillis
        const response = yield* withDeadline(exchange(checked, follow).pipe(Scope.provide(exchangeScope)), params.timeoutMs).pipe(
          Effect.provideService(HttpClient.HttpClient, httpClient),
          Effect.tapCause(() => release)
        )
        const elapsed = (yield* Clock.currentTimeMillis) - startedAt
        const remainingMs = params.timeoutMs === undefined ? undefined : Math.max(0, params.timeoutMs - elapsed)
        let seq = 0
        const send = (delta: Uint8Array, done: boolean, error: string | null) =>
          connection.send(encodeNotificationOf(HttpBodyDelta, { requestId, seq: ++seq, deltaBase64: delta, done, error }))
        // The body follows the response, never the other way round.
        yield* afterResponse(
          streamBody(response, { flow: connection.flow, send, timeoutMs: params.timeoutMs, remainingMs }).pipe(
            Effect.ensuring(release),
            Effect.forkIn(connectionScope),
            Effect.asVoid
          )
        )
        return { status: response.status, headers: headersOf(response), bodyBase64: new Uint8Array(0) }
      })
  }
}))
