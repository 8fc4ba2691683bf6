/**
 * The per-connection service handlers use to talk back to their client
 * (push notifications), and the per-request one they use to defer work
 * until their response is written.
 */
import type * as Rpc from "@effect/rpc/Rpc"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import type { FlowControl } from "./FlowControl.js"
import type { WireError } from "../protocol/errors.js"
import { encodeNotification, type OutgoingMessage } from "../wire/JsonRpc.js"
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
   */
  readonly request: (method: string, params: unknown) => Effect.Effect<unknown, ClientRequestFailed>
}

/** The connection a handler is serving. */
export class Connection extends Context.Tag("effect-exec-server/Connection")<Connection, ConnectionService>() {}

/**
 * Serializes a notification with its Rpc's payload schema. Encoding a value
 * of the schema's own type cannot fail, so a failure is a defect.
 */
export const encodeNotificationOf = <R extends Rpc.Any>(rpc: R, payload: Rpc.Payload<R>): string =>
  encodeNotification(
    rpc._tag,
    Either.getOrThrowWith(codecOf(rpc as unknown as Rpc.AnyWithProps).encodePayload(payload), (error) => error)
  )

/** Sends a request of `rpc` (a `ServerRequestRpcs` member) through `request`, and decodes its result with the Rpc's schema. */
export const requestOf = <R extends Rpc.Any>(
  request: ConnectionService["request"],
  rpc: R,
  payload: Rpc.Payload<R>
): Effect.Effect<Rpc.Success<R>, ClientRequestFailed> => {
  const codec = codecOf(rpc as unknown as Rpc.AnyWithProps)
  const params = Either.getOrThrowWith(codec.encodePayload(payload), (error) => error)
  return Effect.flatMap(request(rpc._tag, params), (result) =>
    Either.match(codec.decodeSuccess(result), {
      onLeft: (error) => Effect.fail(new ClientRequestFailed({ reason: "invalidAnswer", error: { code: -32602, message: error.message } })),
      onRight: (value) => Effect.succeed(value as Rpc.Success<R>)
    }))
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

/** The current request's response hooks: the dispatcher provides one per request. */
export class ResponseHooks extends Context.Tag("effect-exec-server/ResponseHooks")<ResponseHooks, ResponseHooksService>() {}

/** Hooks with no response to wait for: deferred effects run at once. */
export const noResponse: ResponseHooksService = {
  afterResponse: (effect) => effect
}

/** The hooks' value in the runtime requests are forked from: each fiber forked from it gets hooks of its own. */
const perForkedRequest: ResponseHooksService = { afterResponse: (effect) => effect }

/**
 * The hooks of the request a fiber runs, inherited by the fibers it forks.
 * A fiber forked from refs made by `withRequestHooksPerFiber` gets a fresh,
 * unclaimed one at its fork, which costs nothing more than the fork; a
 * request that finds none to claim sets its own, and each fiber-ref set
 * copies all of the fiber's refs. A fiber that joins another keeps its own.
 */
export const currentRequestHooks: FiberRef.FiberRef<ResponseHooksService> = FiberRef.unsafeMake(noResponse, {
  fork: (parent) => parent === perForkedRequest ? new RequestHooks(false) : parent,
  join: (parent) => parent
})

const noFiberRefs = FiberRefs.empty()
/** Each ref's initial value, which a map without the ref reads (looked up once per ref). */
const initialValues = new WeakMap<FiberRef.FiberRef<unknown>, unknown>()
const initialValueOf = (fiberRef: FiberRef.FiberRef<unknown>): unknown => {
  if (initialValues.has(fiberRef)) return initialValues.get(fiberRef)
  const initial = FiberRefs.getOrDefault(noFiberRefs, fiberRef)
  initialValues.set(fiberRef, initial)
  return initial
}

/**
 * `fiberRefs` (of `fiberId`) in which every fiber forked gets request hooks
 * of its own, for the request it runs to claim. Refs that hold their
 * initial value are left out, which reads the same, and so is the context,
 * which a runtime's fork sets from the runtime's own: a fork copies and
 * patches every ref the map holds (three of a connection's seven).
 */
export const withRequestHooksPerFiber = (fiberRefs: FiberRefs.FiberRefs, fiberId: FiberId.Runtime): FiberRefs.FiberRefs => {
  const locals: typeof fiberRefs.locals = new Map()
  for (const [fiberRef, stack] of fiberRefs.locals) {
    // A runtime's context is its own: each fiber it forks gets that, not the ref's.
    if (fiberRef === FiberRef.currentContext) continue
    if (stack[0][1] !== initialValueOf(fiberRef)) locals.set(fiberRef, stack)
  }
  locals.set(currentRequestHooks, [[fiberId, perForkedRequest]])
  return FiberRefs.unsafeMake(locals)
}

/** The `ResponseHooks` the dispatcher puts in every handler's context: the current request's (`currentRequestHooks`). */
export const currentRequestResponseHooks: ResponseHooksService = {
  afterResponse: (effect) => Effect.flatMap(FiberRef.get(currentRequestHooks), (hooks) => hooks.afterResponse(effect))
}

/** `ResponseHooks.afterResponse` of the current request. */
export const afterResponse = (effect: Effect.Effect<void>): Effect.Effect<void, never, ResponseHooks> =>
  Effect.flatMap(ResponseHooks, (hooks) => hooks.afterResponse(effect))

/** One request's hooks: what waits for the response, until `answer` hands it over. */
export class RequestHooks implements ResponseHooksService {
  private answered = false
  private pending: Array<Effect.Effect<void>> | undefined

  /** `claimed`: a request already holds these hooks (made for it, not at a fork). */
  constructor(private claimed: boolean) {}

  /** Takes these hooks for the request about to run in this fiber: false when a request already took them. */
  claim(): boolean {
    if (this.claimed) return false
    this.claimed = true
    return true
  }

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
