/**
 * The client `http/request` sends with, as a service every server has: the
 * Node client (loaded at the first request), one of the application's, or
 * none (`layerUnavailable`: the method is refused and the handshake does not
 * offer it).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { InternalError } from "../protocol/errors.js"

export class HttpRequests extends Context.Service<HttpRequests, {
  /** The client, or InternalError where the server has none. */
  readonly client: Effect.Effect<HttpClient.HttpClient, InternalError>
  /** Whether `client` ever succeeds (the handshake's HTTP capability). */
  readonly available: boolean
}>()("effect-exec-server/HttpRequests") {}

/** No HTTP client: `http/request` is answered that the server has none. */
export const layerUnavailable: Layer.Layer<HttpRequests> = Layer.sync(HttpRequests, () => ({
  available: false,
  client: Effect.fail(new InternalError({ message: "http/request: this server has no HTTP client" }))
}))

/** Requests sent with `client`. */
const sentWith = (client: HttpClient.HttpClient): HttpRequests["Service"] => ({ available: true, client: Effect.succeed(client) })

/** The `HttpClient` in the context (an application's own, or a test's). */
export const layer: Layer.Layer<HttpRequests, never, HttpClient.HttpClient> = Layer.effect(
  HttpRequests,
  Effect.map(HttpClient.HttpClient, sentWith)
)

/**
 * Node's client, loaded at the first request: node:http and platform-node's
 * client cost start-up time that most servers never use.
 */
const nodeClientOnFirstUse: Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const client = yield* Effect.cached(
      Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(
        Effect.flatMap((NodeHttpClient) =>
          Layer.buildWithScope(NodeHttpClient.layerNodeHttpNoAgent.pipe(Layer.provide(NodeHttpClient.layerAgentOptions({ keepAlive: true }))), scope)
        ),
        Effect.map(Context.get(HttpClient.HttpClient))
      )
    )
    // makeWith, not make: the loaded client makes the request's span; this one only hands it on.
    return HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
        Effect.flatMap(Effect.zip(client, request), ([loaded, ready]) => loaded.execute(ready)),
      Effect.succeed
    )
  })

/** Node's client (keep-alive agent), loaded at the first request; what it opened closes with the scope. */
export const makeNode: Effect.Effect<HttpRequests["Service"], never, Scope.Scope> = Effect.map(nodeClientOnFirstUse, sentWith)

/** Node's client (keep-alive agent), loaded at the first request. */
export const layerNode: Layer.Layer<HttpRequests> = Layer.effect(HttpRequests, makeNode)
