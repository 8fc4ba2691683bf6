/**
 * The per-connection service handlers use to talk back to their client
 * (push notifications), and the per-request one they use to defer work
 * until their response is written. What they send through it, typed by
 * its Rpc, is made in clientMessages.ts.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Rpc from "effect/rpc/Rpc"
import { type ClientNotify, type ClientRequest, encodeNotificationOf } from "./clientMessages.js"
import type { FlowControl } from "./FlowControl.js"
import { Extension } from "../protocol/rpcs.js"
import type { OutgoingMessage } from "../wire/JsonRpc.js"

/** A client connection as seen by a handler. */
export interface ConnectionService {
  /** Process-unique id of the connection; handlers receive it as `clientId`. */
  readonly id: number
  /**
   * Enqueues an already-serialized message for the client, in call order.
   * Never blocks: it is called on the output hot path and from callbacks.
   */
  readonly send: (message: OutgoingMessage) => void
  /** A buffer for a message about to be sent, from the connection's pool (taken back once written). */
  readonly allocate: (size: number) => Buffer
  /** Says when the client is behind and producers should pause. */
  readonly flow: FlowControl
  /**
   * Sends the client a request and waits for its answer's `result` (an
   * error answer, or the connection's end, fails). Not bounded in time:
   * the caller sets its own timeout, whose interruption forgets the request.
   * Typed by its Rpc through `requestOf` (clientMessages.ts).
   */
  readonly request: ClientRequest
  /**
   * Sends `rpc`'s notification (a `ServerNotificationRpcs` member), encoded
   * with its payload schema; an `Extension` the client did not ask for is
   * neither encoded nor sent. What sends a notification calls this, and
   * knows nothing of who asked.
   */
  readonly notify: ClientNotify
  /** The extension notifications the client asked for (`initialize`'s `notifications`), filled by the handshake. */
  readonly extensions: Set<string>
}

/** The connection a handler is serving. */
export class Connection extends Context.Service<Connection, ConnectionService>()("effect-exec-server/Connection") {}

/** `ConnectionService.notify` over `send`, for a connection whose client asked for `extensions`. */
export const notifier = (
  send: (message: OutgoingMessage) => void,
  extensions: ReadonlySet<string>
): ClientNotify =>
(rpc, payload) => {
  if (Context.get((rpc as unknown as Rpc.AnyWithProps).annotations, Extension) && !extensions.has(rpc._tag)) return
  send(encodeNotificationOf(rpc, payload))
}

/** A request's hold on its own response, as its handler sees it. */
export interface ResponseHooksService {
  /**
   * Runs `effect` right after this request's response is enqueued, so that,
   * for example, a process's first notification never overtakes the
   * `process/start` response; at once if the response is already out (a
   * fiber the handler forked may call it late).
   */
  readonly afterResponse: (effect: Effect.Effect<void>) => Effect.Effect<void>
}

/**
 * The current request's response hooks: the dispatcher puts fresh ones in
 * the context of each request's fiber (one overlay on the handler's
 * context), and the fibers a handler forks inherit that context, so they
 * share their request's hooks.
 */
export class ResponseHooks extends Context.Service<ResponseHooks, ResponseHooksService>()("effect-exec-server/ResponseHooks") {}

/** Hooks with no response to wait for: deferred effects run at once. */
export const noResponse: ResponseHooksService = {
  afterResponse: (effect) => effect
}

/** `ResponseHooks.afterResponse` of the current request. */
export const afterResponse = (effect: Effect.Effect<void>): Effect.Effect<void, never, ResponseHooks> =>
  Effect.flatMap(Effect.service(ResponseHooks), (hooks) => hooks.afterResponse(effect))

/** One request's hooks: what waits for the response, until `answer` hands it over. */
export class RequestHooks implements ResponseHooksService {
  private answered = false
  private pending: Array<Effect.Effect<void>> | undefined

  afterResponse(effect: Effect.Effect<void>): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.answered) return effect
      ;(this.pending ??= []).push(effect)
      return Effect.void
    })
  }

  /** The response is enqueued (or there is none): what waited for it, to run now; later calls run at once. */
  answer(): Effect.Effect<void> {
    this.answered = true
    const pending = this.pending
    this.pending = undefined
    return pending === undefined ? Effect.void : Effect.all(pending, { discard: true })
  }
}
