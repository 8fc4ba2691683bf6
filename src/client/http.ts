/**
 * HTTP requests the server makes on the client's behalf (`http/request`) on
 * the peer: the body buffered, or streamed from the server's
 * `http/request/bodyDelta` notifications, which it routes to their streams.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { InternalError } from "../protocol/errors.js"
import type { HttpBodyDeltaNotification } from "../protocol/schema.js"
import type { ClientError } from "./ClientError.js"
import { toBytes } from "./fields.js"
import type { JsonRpcPeer } from "./JsonRpcPeer.js"

/** An HTTP request for the server to make. */
export interface HttpRequest {
  readonly method?: string
  readonly url: string
  /** In order; `valueEnvVar` appends a variable of the server's environment. */
  readonly headers?: ReadonlyArray<{ readonly name: string; readonly value?: string; readonly valueEnvVar?: string }>
  readonly body?: Uint8Array | string
  /** One deadline for the whole exchange, body included. */
  readonly timeoutMs?: number
  readonly redirectPolicy?: "follow" | "stop"
}

/** An HTTP response, its body whole or as a stream. */
export interface HttpResponse<Body> {
  readonly status: number
  readonly headers: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly body: Body
}

/** `http/request`, buffered or streamed. */
export interface ClientHttp {
  readonly request: (request: HttpRequest) => Effect.Effect<HttpResponse<Uint8Array>, ClientError>
  /**
   * The response as soon as its headers are in, its body a stream of the
   * server's `http/request/bodyDelta`s (failing when the body did); closing
   * the scope stops listening.
   */
  readonly stream: (request: HttpRequest) => Effect.Effect<HttpResponse<Stream.Stream<Uint8Array, ClientError>>, ClientError, Scope.Scope>
}

const paramsOf = (request: HttpRequest, requestId: string, streamResponse: boolean) => ({
  method: request.method ?? "GET",
  url: request.url,
  headers: (request.headers ?? []).map((header) => ({
    name: header.name,
    value: header.value ?? "",
    ...(header.valueEnvVar === undefined ? {} : { valueEnvVar: header.valueEnvVar })
  })),
  ...(request.body === undefined ? {} : { bodyBase64: toBytes(request.body) }),
  ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
  redirectPolicy: request.redirectPolicy ?? "follow",
  requestId,
  streamResponse
})

/** The http API on `peer`; a streamed body fails when the connection it comes on drops. */
export const make = (peer: JsonRpcPeer): ClientHttp => {
  /** Where each streamed HTTP body's deltas go, by request id. */
  const bodyStreams = new Map<string, (delta: typeof HttpBodyDeltaNotification.Type) => void>()
  let nextRequestNumber = 1

  peer.subscribe("http/request/bodyDelta", (delta) => bodyStreams.get(delta.requestId)?.(delta))
  peer.listen({
    linkLost: (error) => {
      for (const deliver of [...bodyStreams.values()]) {
        deliver({ requestId: "", seq: 1, deltaBase64: new Uint8Array(0), done: true, error: error.message })
      }
      bodyStreams.clear()
    }
  })

  return {
    request: (request) =>
      Effect.map(peer.call("http/request", paramsOf(request, `q-${nextRequestNumber++}`, false)), (result) => ({
        status: result.status,
        headers: result.headers,
        body: result.bodyBase64
      })),
    stream: (request) =>
      Effect.gen(function*() {
        const requestId = `s-${process.pid}-${nextRequestNumber++}`
        const body = yield* Queue.make<Uint8Array, ClientError | Cause.Done>()
        // Listening before the request goes out: no delta can come first and be lost.
        yield* Effect.acquireRelease(
          Effect.sync(() =>
            bodyStreams.set(requestId, (delta) => {
              if (delta.deltaBase64.byteLength > 0) Queue.offerUnsafe(body, delta.deltaBase64)
              if (!delta.done) return
              bodyStreams.delete(requestId)
              if (delta.error === null) Queue.endUnsafe(body)
              else Queue.failCauseUnsafe(body, Cause.fail(new InternalError({ message: `http/request body failed: ${delta.error}` })))
            })
          ),
          () => Effect.sync(() => bodyStreams.delete(requestId))
        )
        const result = yield* peer.call("http/request", paramsOf(request, requestId, true)).pipe(
          Effect.tapError(() => Effect.sync(() => bodyStreams.delete(requestId)))
        )
        return { status: result.status, headers: result.headers, body: Stream.fromQueue(body) }
      })
  }
}
