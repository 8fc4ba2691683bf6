/**
 * Drives `effect/rpc` groups from JSON-RPC messages: looks the method up in
 * the group, decodes params with the Rpc's payload schema, runs the handler
 * registered with `Group.toHandlersContext` (or `toLayer`), encodes its
 * result with the success schema, and maps typed failures (which carry their
 * code) and defects to JSON-RPC errors. Never fails: every request yields exactly one response.
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Headers from "effect/http/Headers"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Rpc from "effect/rpc/Rpc"
import type * as RpcGroup from "effect/rpc/RpcGroup"
import { RequestId } from "effect/rpc/RpcMessage"
import type * as RpcMiddleware from "effect/rpc/RpcMiddleware"
import { declaredWireError, ErrorCode, isProtocolError, toWireError, type WireError } from "../protocol/errors.js"
import { Connection, type ConnectionService, RequestHooks, ResponseHooks } from "./Connection.js"
import type { NotificationMessage, RequestMessage, ResponseMessage } from "../wire/JsonRpc.js"
import * as Metrics from "../observability/metrics.js"
import { formatParseError } from "../wire/parseErrors.js"
import { codecOf, type RpcCodec } from "../wire/RpcCodecs.js"

/** A response, and what to run once it is enqueued (the request's `afterResponse` effects). */
export interface Dispatched {
  readonly response: ResponseMessage
  readonly afterResponse: Effect.Effect<void>
}

/**
 * Runs requests and notifications of one connection against its handlers.
 * Each effect it returns replaces the context of the fiber that runs it
 * with its handler's plus the request's own hooks (one overlay: cheaper
 * than scoping them per request), so run each in a fiber of its own and
 * nothing after it that needs a context.
 */
export interface Dispatcher {
  /** Runs a request: its response, and what to run once that is enqueued (a batch's way). */
  readonly handleRequest: (request: RequestMessage) => Effect.Effect<Dispatched>
  /**
   * Runs a request, gives its response to `send`, then runs what the
   * request deferred until then: `handleRequest` in one continuation.
   */
  readonly answerRequest: (request: RequestMessage, send: (response: ResponseMessage) => void) => Effect.Effect<void>
  readonly handleNotification: (notification: NotificationMessage) => Effect.Effect<void>
  /**
   * The context every handler runs in, when they all share one (handlers
   * built together): what to fork the connection's request fibers with.
   */
  readonly handlerContext: Context.Context<never> | undefined
}

const isWireError = (error: unknown): error is WireError & { readonly _tag: string } =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "number" &&
  "message" in error && typeof error.message === "string"

/**
 * The wire error of a handler's failure cause: a failure its Rpc declares
 * (not one of the protocol's) travels with its encoding, for the client to
 * decode; defects are logged and reported as -32603.
 */
const wireErrorOf = (method: string, codec: RpcCodec, cause: Cause.Cause<unknown>): Effect.Effect<WireError> => {
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (!isProtocolError(error)) {
      const encoded = codec.encodeFailure(error)
      if (Result.isSuccess(encoded)) return Effect.succeed(declaredWireError(error, encoded.success))
    }
    if (isWireError(error)) return Effect.succeed(toWireError(error))
    return Effect.as(
      Effect.logError(`${method} failed with an untyped error`, cause),
      { code: ErrorCode.InternalError, message: `internal error: ${String(error)}` }
    )
  }
  if (Cause.hasInterruptsOnly(cause)) {
    return Effect.succeed({ code: ErrorCode.InternalError, message: "request cancelled: the server is shutting down" })
  }
  return Effect.as(
    Effect.logError(`${method} died`, cause),
    { code: ErrorCode.InternalError, message: `internal error in ${method}` }
  )
}

/** What a method runs in and after, once looked up. */
interface Prepared {
  readonly context: Context.Context<never>
  readonly middlewares: ReadonlyArray<RpcMiddleware.RpcMiddleware<unknown, unknown, unknown>>
}

const isHandler = (entry: unknown): entry is Rpc.Handler<string> =>
  typeof entry === "object" && entry !== null && "handler" in entry && typeof entry.handler === "function" &&
  "context" in entry && Context.isContext(entry.context)

/** The contexts the handlers were registered with, once per set of handlers (served to every connection). */
const registeredContextsCache = new WeakMap<Context.Context<never>, ReadonlyArray<Context.Context<never>>>()
const registeredContextsOf = (handlers: Context.Context<never>): ReadonlyArray<Context.Context<never>> => {
  let contexts = registeredContextsCache.get(handlers)
  if (contexts === undefined) {
    // Handler entries only: a context from Layer.build also holds its memo map.
    const registered = new Set<Context.Context<never>>()
    for (const entry of handlers.mapUnsafe.values()) if (isHandler(entry)) registered.add(entry.context)
    contexts = [...registered]
    registeredContextsCache.set(handlers, contexts)
  }
  return contexts
}

/**
 * The handlers' registered context over a connection fiber's, made once per
 * pair: a server's connections share both (the fiber's is the one their
 * group forks them with), so each connection adds only its own services on
 * top, where a copy of every service cost 7.4 KB of a short connection.
 */
const mergedBases = new WeakMap<Context.Context<never>, WeakMap<Context.Context<never>, Context.Context<never>>>()
const mergedBase = (fiberContext: Context.Context<never> | undefined, registered: Context.Context<never>): Context.Context<never> => {
  if (fiberContext === undefined) return registered
  let byRegistered = mergedBases.get(fiberContext)
  if (byRegistered === undefined) mergedBases.set(fiberContext, byRegistered = new WeakMap())
  let base = byRegistered.get(registered)
  if (base === undefined) {
    // One copy of the services, for all the connections of the pair.
    const services = new Map(fiberContext.mapUnsafe)
    for (const [key, service] of registered.mapUnsafe) services.set(key, service)
    base = Context.makeUnsafe<never>(services)
    byRegistered.set(registered, base)
  }
  return base
}

/** Builds the dispatcher of one connection. */
export const makeDispatcher = <Rpcs extends Rpc.Any, Notes extends Rpc.Any>(options: {
  readonly requests: RpcGroup.RpcGroup<Rpcs>
  readonly notifications: RpcGroup.RpcGroup<Notes>
  readonly handlers: Context.Context<Rpc.ToHandler<Rpcs> | Rpc.ToHandler<Notes>>
  readonly connection: ConnectionService
  /**
   * What else of the connection its requests' handlers find in their
   * context, beside `Connection` (handlers built once for many connections
   * find the connection's own services here).
   */
  readonly requestContext?: Context.Context<never> | undefined
  /**
   * The connection fiber's context, under the handlers': what the
   * connection set for itself (a log annotation, a log level, a reference)
   * that handlers built before it do not override, as a fiber forked from
   * it would see.
   */
  readonly fiberContext?: Context.Context<never> | undefined
  /** A span per request (off by default: spans are not free). */
  readonly traced?: boolean | undefined
}): Dispatcher => {
  const { connection, handlers } = options
  // What effect/rpc's server tells handlers and middlewares of a request; ours read none of it but the rpc.
  const client = new Rpc.ServerClient(connection.id)

  // Each handler runs in the context it was registered with, plus the
  // connection's (and, per request, its hooks), inside its Rpc's
  // middlewares; both looked up once per method, and the context made once
  // for the handlers registered with the same one: the server's merged base
  // with the connection's few services as overlays.
  const contexts = new Map<Context.Context<never>, Context.Context<never>>()
  const contextFor = (registered: Context.Context<never>): Context.Context<never> => {
    let context = contexts.get(registered)
    if (context === undefined) {
      context = mergedBase(options.fiberContext, registered)
      if (options.requestContext !== undefined) {
        for (const [key, service] of options.requestContext.mapUnsafe) context = Context.addUnsafe(context, key, service)
      }
      context = Context.add(context, Connection, connection)
      contexts.set(registered, context)
    }
    return context
  }
  const registeredContexts = registeredContextsOf(handlers)
  // A span's parent is found in the context it starts in: traced requests keep the server's.
  const handlerContext = registeredContexts.length === 1 && options.traced !== true ? contextFor(registeredContexts[0]!) : undefined
  // Requests of a connection with no handler (and so no context) of their own run in the fiber's.
  const prepared = new Map<string, Prepared>()
  const prepare = (rpc: Rpc.AnyWithProps, entry: Rpc.Handler<string>): Prepared => {
    const context = contextFor(entry.context)
    // Each the implementation the context holds (the handshake check, say),
    // applied as effect/rpc's RpcServer applies them: the last declared outermost.
    const middlewares = [...rpc.middlewares].map((tag) => {
      const middleware = Context.getOption(context, tag as Context.Key<unknown, RpcMiddleware.RpcMiddleware<unknown, unknown, unknown>>)
      if (Option.isNone(middleware)) throw new Error(`no implementation of the middleware ${tag.key} for ${rpc._tag}`)
      return middleware.value
    })
    const made = { context, middlewares }
    prepared.set(rpc.key, made)
    return made
  }
  /**
   * Runs `rpc`'s handler through `body`, given the handler's effect (inside
   * its middlewares) and the request's hooks, new ones in the context the
   * fiber is given: its handler's, or the fiber's own when it has none.
   */
  const invoke = <A>(
    rpc: Rpc.AnyWithProps,
    requestId: RequestId,
    payload: unknown,
    body: (handled: Effect.Effect<unknown, unknown>, hooks: RequestHooks) => Effect.Effect<A>
  ): Effect.Effect<A> => {
    let handled: Effect.Effect<unknown, unknown>
    let context: Context.Context<never> | undefined
    const entry = handlers.mapUnsafe.get(rpc.key) as Rpc.Handler<string> | undefined
    if (entry === undefined) {
      handled = Effect.die(new Error(`no handler registered for ${rpc._tag}`))
    } else {
      try {
        const made = prepared.get(rpc.key) ?? prepare(rpc, entry)
        context = made.context
        const handlerOptions = { client, requestId, headers: Headers.empty, rpc }
        const result = entry.handler(payload, handlerOptions)
        handled = (Rpc.isWrapper(result) ? result.value : result) as Effect.Effect<unknown, unknown>
        // Around the handler: a middleware's failure answers the request instead of it.
        if (made.middlewares.length > 0) {
          const middlewareOptions = { client, requestId, rpc, payload, headers: Headers.empty }
          for (const middleware of made.middlewares) {
            handled = middleware(handled as Effect.Effect<RpcMiddleware.SuccessValue, unknown>, middlewareOptions) as Effect.Effect<unknown, unknown>
          }
        }
      } catch (error) {
        handled = Effect.die(error)
      }
    }
    return Effect.withFiber((fiber) => {
      const hooks = new RequestHooks()
      // Set, not scoped: the fiber runs this request alone (see `Dispatcher`).
      fiber.setContext(Context.add(context ?? fiber.context, ResponseHooks, hooks))
      return body(handled, hooks)
    })
  }

  const unknownMethod = Metrics.label("method", "unknown")
  /**
   * Runs a request and gives `finish` its response and, when its handler
   * succeeded, its hooks; the request's metrics are taken in between.
   */
  const runThen = <A>(
    request: RequestMessage,
    finish: (response: ResponseMessage, hooks: RequestHooks | undefined) => Effect.Effect<A>
  ): Effect.Effect<A> => {
    const startedAt = performance.now()
    const rpc = options.requests.requests.get(request.method) as Rpc.AnyWithProps | undefined
    // Known methods only: a label per name a client makes up would grow without bound.
    const methodLabel = rpc === undefined ? unknownMethod : Metrics.label("method", rpc._tag)
    const answer = (response: ResponseMessage, hooks: RequestHooks | undefined): Effect.Effect<A> => {
      Metrics.observe(Metrics.requestDuration, (performance.now() - startedAt) / 1000, methodLabel)
      if ("error" in response) Metrics.bump(Metrics.errors, 1, Metrics.label("code", response.error.code))
      return finish(response, hooks)
    }
    const answerError = (error: WireError): Effect.Effect<A> => answer({ id: request.id, error }, undefined)
    if (rpc === undefined) {
      return Effect.suspend(() => answerError({ code: ErrorCode.MethodNotFound, message: `method not found: ${request.method}` }))
    }
    const codec = codecOf(rpc)
    const payload = codec.decodePayload(request.params ?? {})
    if (Result.isFailure(payload)) {
      const message = `invalid params for ${request.method}: ${formatParseError(payload.failure)}`
      return Effect.suspend(() => answerError({ code: ErrorCode.InvalidParams, message }))
    }
    const failed = (cause: Cause.Cause<unknown>) => Effect.flatMap(wireErrorOf(request.method, codec, cause), answerError)
    return invoke(rpc, RequestId(request.id ?? -1), payload.success, (handled, hooks) =>
      Effect.matchCauseEffect(handled, {
        onFailure: failed,
        onSuccess: (value) => {
          const result = codec.encodeSuccess(value)
          // A handler's result that does not fit its schema is a bug of ours.
          return Result.isSuccess(result) ? answer({ id: request.id, result: result.success }, hooks) : failed(Cause.die(result.failure))
        }
      }))
  }
  const settled = (response: ResponseMessage, hooks: RequestHooks | undefined) => Effect.succeed({ response, hooks })
  /** `runThen`, in a span of the request when traced (what runs after the response is not part of it). */
  const run = <A>(
    request: RequestMessage,
    finish: (response: ResponseMessage, hooks: RequestHooks | undefined) => Effect.Effect<A>
  ): Effect.Effect<A> => {
    if (options.traced !== true) return runThen(request, finish)
    const method = options.requests.requests.has(request.method) ? request.method : "unknown"
    const spanned = Effect.withSpan(runThen(request, settled), method, {
      kind: "server",
      attributes: { "rpc.system": "jsonrpc", "rpc.method": method, "exec_server.connection_id": connection.id }
    })
    return Effect.flatMap(spanned, (done) => finish(done.response, done.hooks))
  }

  const handleRequest = (request: RequestMessage): Effect.Effect<Dispatched> =>
    run(request, (response, hooks) =>
      Effect.succeed<Dispatched>({
        response,
        afterResponse: hooks === undefined ? Effect.void : Effect.suspend(() => hooks.answer())
      }))

  const answerRequest = (request: RequestMessage, send: (response: ResponseMessage) => void): Effect.Effect<void> =>
    run(request, (response, hooks) => {
      send(response)
      return hooks === undefined ? Effect.void : hooks.answer()
    })

  // A notification has no id; its handler is told one no request has.
  const notificationId = RequestId(-1)
  const handleNotification = (notification: NotificationMessage): Effect.Effect<void> => {
    const rpc = options.notifications.requests.get(notification.method) as Rpc.AnyWithProps | undefined
    if (rpc === undefined) {
      return Effect.logWarning(`ignoring client notification ${notification.method}`)
    }
    const payload = codecOf(rpc).decodePayload(notification.params ?? {})
    if (Result.isFailure(payload)) {
      return Effect.logWarning(`client notification ${notification.method} has invalid params: ${formatParseError(payload.failure)}`)
    }
    return invoke(rpc, notificationId, payload.success, (handled, hooks) => {
      // No response: what a notification's handler defers runs at once (nothing can wait yet).
      hooks.answer()
      return handled.pipe(
        Effect.catchCause((cause) => Effect.logWarning(`client notification ${notification.method} failed`, cause)),
        Effect.asVoid
      )
    })
  }

  return { handleRequest, answerRequest, handleNotification, handlerContext }
}
