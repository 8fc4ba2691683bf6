/**
 * The server's own requests of its client (`network/policyRequest`): a
 * handler per `ServerRequestRpcs` method, each request's params decoded
 * and its result encoded with the Rpc's codecs, and the answer sent with
 * the server's id on the link the request came on. The peer routes the
 * requests here; it knows none of their methods.
 */
import type * as Rpc from "effect/rpc/Rpc"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import { ErrorCode, type WireError } from "../protocol/errors.js"
import { ServerRequestRpcs } from "../protocol/rpcs.js"
import { codecOf } from "../wire/RpcCodecs.js"
import * as ClientTransport from "./ClientTransport.js"
import type { ServerRequestHandler, ServerRequestMethod } from "./methods.js"

/** The link a request came on: where its answer goes, and the scope its fiber lives in. */
export interface RequestLink {
  readonly transport: ClientTransport.ClientTransport
  readonly scope: Scope.Scope
}

/** What a request of the server's is answered with. */
type Answer = { readonly result: unknown } | { readonly error: WireError }

const errorAnswer = (code: number, message: string): Answer => ({ error: { code, message } })

/** What a failed or dead handler says: its error's message, never a stack trace. */
const causeMessage = (cause: Cause.Cause<unknown>): string => {
  const squashed = Cause.squash(cause)
  if (squashed instanceof Error) return squashed.message
  if (typeof squashed === "object" && squashed !== null && "message" in squashed && typeof squashed.message === "string") {
    return squashed.message
  }
  return String(squashed)
}

/** The handlers of the server's requests, and the answers they give. */
export class ServerRequests {
  private readonly handlers = new Map<string, (params: unknown) => Effect.Effect<unknown, unknown>>()

  constructor(
    /** Runs an effect in the client's scope. */
    private readonly fork: (effect: Effect.Effect<void>) => void
  ) {}

  /**
   * Serves the server's `method` requests with `handler` (one per method;
   * a later one replaces it). Each request runs in a fiber of its own, so
   * that the server's questions are answered concurrently; one without a
   * handler is answered -32601, which the server takes as a refusal.
   */
  serve<Tag extends ServerRequestMethod>(method: Tag, handler: ServerRequestHandler<Tag>): void {
    this.handlers.set(method, handler as unknown as (params: unknown) => Effect.Effect<unknown, unknown>)
  }

  /**
   * A request of the server's, answered on the link it came on with the
   * server's id as it was. Its fiber lives in that link's scope: when the
   * link drops, the server has failed the request, so a resumed session
   * never hears an answer to it on the new link.
   */
  answer(link: RequestLink, id: unknown, method: string, params: unknown): void {
    // A JSON-RPC id is a number or a string; anything else cannot be answered.
    if (typeof id !== "number" && typeof id !== "string") return
    const answer = Effect.flatMap(this.answerOf(method, params), (answer) =>
      ClientTransport.send(link.transport, [JSON.stringify({ id, ...answer })]))
    // A failed write is the drop the link's reader reports.
    this.fork(Effect.asVoid(Effect.forkIn(Effect.ignore(answer), link.scope)))
  }

  /** The answer to a request of the server's: its handler's result, or the error that says why not. */
  private answerOf(method: string, params: unknown): Effect.Effect<Answer> {
    const handler = this.handlers.get(method)
    const rpc = ServerRequestRpcs.requests.get(method as ServerRequestMethod)
    if (handler === undefined || rpc === undefined) {
      return Effect.succeed(errorAnswer(ErrorCode.MethodNotFound, `method not found: ${method}`))
    }
    const codec = codecOf(rpc as unknown as Rpc.AnyWithProps)
    const payload = codec.decodePayload(params)
    if (Result.isFailure(payload)) {
      return Effect.succeed(errorAnswer(ErrorCode.InvalidParams, `invalid ${method} params: ${payload.failure.message}`))
    }
    return Effect.suspend(() => handler(payload.success)).pipe(
      Effect.map((value): Answer => {
        const encoded = codec.encodeSuccess(value)
        return Result.isSuccess(encoded)
          ? { result: encoded.success }
          : errorAnswer(ErrorCode.InternalError, `${method}: the handler's result does not fit: ${encoded.failure.message}`)
      }),
      // A failure, a defect or the handler's own interruption: an answer all the same.
      Effect.catchCause((cause) => Effect.succeed(errorAnswer(ErrorCode.InternalError, `${method} failed: ${causeMessage(cause)}`)))
    )
  }
}
