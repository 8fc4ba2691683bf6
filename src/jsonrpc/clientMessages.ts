/**
 * What the server's modules send their client, typed by its Rpc: a
 * notification encoded with its payload schema, a request of the server's
 * (`ServerRequestRpcs`) with its answer decoded, and how such a request
 * fails. The one module of jsonrpc/ that process/ and network/ import
 * (test/unit/importGraph.test.ts): none of the connection's machinery
 * (dispatch, lanes, the outbound queue) comes with it.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type * as Rpc from "effect/rpc/Rpc"
import type { WireError } from "../protocol/errors.js"
import { encodeNotification } from "../wire/JsonRpc.js"
import { codecOf } from "../wire/RpcCodecs.js"

/**
 * A request of the server's that got no result: the client answered with an
 * error (`error`), its answer did not match the method's schema, or the
 * connection ended (or the session was detached) before it answered.
 */
export class ClientRequestFailed extends Data.TaggedError("ExecServer/ClientRequestFailed")<{
  readonly reason: "answeredError" | "invalidAnswer" | "noClient"
  readonly error?: WireError | undefined
}> {}

/**
 * Sends the client a request and waits for its answer's `result` (an error
 * answer, or the connection's end, fails): a connection's `request`.
 */
export type ClientRequest = (method: string, params: unknown) => Effect.Effect<unknown, ClientRequestFailed>

/** Sends the client `rpc`'s notification, encoded with its payload schema: a connection's `notify`. */
export type ClientNotify = <R extends Rpc.Any>(rpc: R, payload: Rpc.Payload<R>) => void

/**
 * Serializes a notification with its Rpc's payload schema. Encoding a value
 * of the schema's own type cannot fail, so a failure is a defect.
 */
export const encodeNotificationOf = <R extends Rpc.Any>(rpc: R, payload: Rpc.Payload<R>): string =>
  encodeNotification(
    rpc._tag,
    Result.getOrThrowWith(codecOf(rpc as unknown as Rpc.AnyWithProps).encodePayload(payload), (error) => error)
  )

/** Sends a request of `rpc` (a `ServerRequestRpcs` member) through `request`, and decodes its result with the Rpc's schema. */
export const requestOf = <R extends Rpc.Any>(
  request: ClientRequest,
  rpc: R,
  payload: Rpc.Payload<R>
): Effect.Effect<Rpc.Success<R>, ClientRequestFailed> => {
  const codec = codecOf(rpc as unknown as Rpc.AnyWithProps)
  const params = Result.getOrThrowWith(codec.encodePayload(payload), (error) => error)
  return Effect.flatMap(request(rpc._tag, params), (result) =>
    Result.match(codec.decodeSuccess(result), {
      onFailure: (error) => Effect.fail(new ClientRequestFailed({ reason: "invalidAnswer", error: { code: -32602, message: error.message } })),
      onSuccess: (value) => Effect.succeed(value as Rpc.Success<R>)
    }))
}
