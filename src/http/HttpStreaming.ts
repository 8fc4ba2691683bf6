/**
 * The body of an `http/request` response, buffered up to a limit or
 * streamed in deltas under a client's flow control, within the request's
 * deadline. Beside the exchange itself (HttpExchange.ts); what sends the
 * deltas and tells whether the client is behind is the caller's.
 */
import * as Effect from "effect/Effect"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Stream from "effect/Stream"
import { InternalError, InvalidRequest } from "../protocol/errors.js"
import { failureOf } from "./HttpExchange.js"

/** The most one `http/request/bodyDelta` carries (as the reference). */
export const MAX_BODY_DELTA_BYTES = 1024 * 1024

/** Whether the client is behind, as a connection's flow control says it. */
export interface Flow {
  readonly paused: () => boolean
  /** Calls `listener` on every change; returns the unsubscribe. */
  readonly subscribe: (listener: (paused: boolean) => void) => () => void
}

/** Waits while the client is behind. */
const flowing = (flow: Flow) =>
  Effect.callback<void>((resume) => {
    if (!flow.paused()) return resume(Effect.void)
    const unsubscribe = flow.subscribe((paused) => {
      if (paused) return
      unsubscribe()
      resume(Effect.void)
    })
    return Effect.sync(unsubscribe)
  })

const timedOut = (timeoutMs: number) => new InternalError({ message: `http/request failed: timed out after ${timeoutMs} ms` })

/** `effect` within `remainingMs` of the request's deadline of `timeoutMs` (the one the error names). */
export const withDeadline = <A, E, R>(effect: Effect.Effect<A, E, R>, timeoutMs: number | undefined, remainingMs = timeoutMs) =>
  timeoutMs === undefined || remainingMs === undefined
    ? effect
    : Effect.timeoutOrElse(effect, { duration: remainingMs, orElse: () => Effect.fail(timedOut(timeoutMs)) })

/** The response's headers as the protocol lists them. */
export const headersOf = (response: HttpClientResponse.HttpClientResponse) =>
  Object.entries(response.headers).map(([name, value]) => ({ name, value }))

/** The whole body, refused past `maxBytes` (the client should ask for it streamed). */
export const readBody = (response: HttpClientResponse.HttpClientResponse, maxBytes: number) =>
  response.stream.pipe(
    Stream.mapError(failureOf),
    Stream.runFoldEffect(() => ({ chunks: [] as Array<Uint8Array>, bytes: 0 }), (acc, chunk) => {
      acc.bytes += chunk.byteLength
      if (acc.bytes > maxBytes) {
        return Effect.fail(new InvalidRequest({
          message: `http/request: the response body is larger than ${maxBytes} bytes (--max-http-response-bytes); ask for streamResponse`
        }))
      }
      acc.chunks.push(chunk)
      return Effect.succeed(acc)
    }),
    Effect.map((acc) => new Uint8Array(Buffer.concat(acc.chunks)))
  )

/**
 * Streams the body as deltas of at most `MAX_BODY_DELTA_BYTES`, each sent
 * once the client is not behind, then a last empty one that is `done` (with
 * the error that ended it, if one did), within what is left of the deadline.
 */
export const streamBody = (
  response: HttpClientResponse.HttpClientResponse,
  options: {
    readonly flow: Flow
    readonly send: (delta: Uint8Array, done: boolean, error: string | null) => void
    readonly timeoutMs: number | undefined
    readonly remainingMs: number | undefined
  }
): Effect.Effect<void> => {
  const { send } = options
  const body = response.stream.pipe(
    Stream.mapError(failureOf),
    Stream.runForEach((chunk) =>
      Effect.andThen(
        flowing(options.flow),
        Effect.sync(() => {
          for (let offset = 0; offset < chunk.byteLength; offset += MAX_BODY_DELTA_BYTES) {
            send(chunk.subarray(offset, offset + MAX_BODY_DELTA_BYTES), false, null)
          }
        })
      )
    )
  )
  return withDeadline(body, options.timeoutMs, options.remainingMs).pipe(
    Effect.match({
      onSuccess: () => send(new Uint8Array(0), true, null),
      onFailure: (error) => send(new Uint8Array(0), true, error.message)
    })
  )
}
