/**
 * Drives `@effect/rpc` groups from JSON-RPC messages: looks the method up in
 * the group, decodes params with the Rpc's payload schema, runs the handler
 * registered with `Group.toHandlersContext` (or `toLayer`), encodes its
 * result with the success schema, and maps typed failures (which carry their
 * code) and defects to JSON-RPC errors. Never fails: every request yields exactly one response.
 */
import * as Headers from "@effect/platform/Headers"
import * as Rpc from "@effect/rpc/Rpc"
import type * as RpcGroup from "@effect/rpc/RpcGroup"
import type * as RpcMiddleware from "@effect/rpc/RpcMiddleware"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { ErrorCode, toWireError, type WireError } from "../protocol/errors.js"
import {
  Connection,
  type ConnectionService,
  currentRequestHooks,
  currentRequestResponseHooks,
  RequestHooks,
  ResponseHooks
} from "./Connection.js"
import type { NotificationMessage, RequestMessage, ResponseMessage } from "../wire/JsonRpc.js"
import * as Metrics from "../observability/metrics.js"
import { formatParseError } from "../wire/parseErrors.js"
import { codecOf } from "../wire/RpcCodecs.js"

/** A response, and what to run once it is enqueued (the request's `afterResponse` effects). */
export interface Dispatched {
  readonly response: ResponseMessage
  readonly afterResponse: Effect.Effect<void>
}

/**
 * Runs requests and notifications of one connection against its handlers.
 * Each effect it returns sets the request's hooks in the fiber that runs it
 * (unless the fiber was forked with hooks of its own to claim: see
 * `withRequestHooksPerFiber`) and replaces that fiber's context with its
 * handler's (cheaper than scoping them per request), so run each in a fiber
 * of its own and nothing after it that needs a context.
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
   * built together): a fiber forked with it as its context is spared
   * setting it per request.
   */
  readonly handlerContext: Context.Context<never> | undefined
}

const isWireError = (error: unknown): error is WireError & { readonly _tag: string } =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "number" &&
  "message" in error && typeof error.message === "string"

/** The wire error of a handler's failure cause; defects are logged and reported as -32603. */
const wireErrorOf = (method: string, cause: Cause.Cause<unknown>): Effect.Effect<WireError> => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (isWireError(error)) return Effect.succeed(toWireError(error))
    return Effect.as(
      Effect.logError(`${method} failed with an untyped error`, cause),
      { code: ErrorCode.InternalError, message: `internal error: ${String(error)}` }
    )
  }
  if (Cause.isInterruptedOnly(cause)) {
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
  readonly middlewares: ReadonlyArray<RpcMiddleware.RpcMiddleware<unknown, unknown>>
}

/** The contexts the handlers were registered with, once per set of handlers (served to every connection). */
const registeredContextsCache = new WeakMap<Context.Context<never>, ReadonlyArray<Context.Context<never>>>()
const registeredContextsOf = (handlers: Context.Context<never>): ReadonlyArray<Context.Context<never>> => {
  let contexts = registeredContextsCache.get(handlers)
  if (contexts === undefined) {
    contexts = [...new Set([...handlers.unsafeMap.values()].map((entry) => (entry as Rpc.Handler<string>).context))]
    registeredContextsCache.set(handlers, contexts)
  }
  return contexts
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
  /** A span per request (off by default: spans are not free). */
  readonly traced?: boolean | undefined
}): Dispatcher => {
  const { connection, handlers } = options
  const handlerOptions = { clientId: connection.id, headers: Headers.empty }

  // Each handler runs in the context it was registered with, plus the
  // connection's and the request's hooks (found through the fiber), after
  // its Rpc's middlewares; both looked up once per method, and the context
  // made once for the handlers registered with the same one.
  const contexts = new Map<Context.Context<never>, Context.Context<never>>()
  const contextFor = (registered: Context.Context<never>): Context.Context<never> => {
    let context = contexts.get(registered)
    if (context === undefined) {
      // One copy of the services (Context.merge and each Context.add copy them all).
      const services = new Map(registered.unsafeMap)
      if (options.requestContext !== undefined) for (const [key, service] of options.requestContext.unsafeMap) services.set(key, service)
      services.set(Connection.key, connection)
      services.set(ResponseHooks.key, currentRequestResponseHooks)
      context = Context.unsafeMake(services)
      contexts.set(registered, context)
    }
    return context
  }
  const registeredContexts = registeredContextsOf(handlers)
  // A span's parent is found in the context it starts in: traced requests keep the server's.
  const handlerContext = registeredContexts.length === 1 && options.traced !== true ? contextFor(registeredContexts[0]!) : undefined
  const prepared = new Map<string, Prepared>()
  const prepare = (rpc: Rpc.AnyWithProps, entry: Rpc.Handler<string>): Prepared => {
    const context = contextFor(entry.context)
    // In the order they were declared, each the implementation the context holds (the handshake check, say).
    const middlewares = [...rpc.middlewares].map((tag) => {
      const middleware = Context.getOption(context, tag as unknown as Context.Tag<unknown, RpcMiddleware.RpcMiddleware<unknown, unknown>>)
      if (Option.isNone(middleware)) throw new Error(`no implementation of the middleware ${tag.key} for ${rpc._tag}`)
      return middleware.value
    })
    const made = { context, middlewares }
    prepared.set(rpc.key, made)
    return made
  }
  /**
   * Runs `rpc`'s handler through `body`, given the handler's effect (after
   * its middlewares, in its context) and the request's hooks: those the
   * fiber was forked with when unclaimed, or new ones set in the fiber.
   */
  const invoke = <A>(
    rpc: Rpc.AnyWithProps,
    payload: unknown,
    body: (handled: Effect.Effect<unknown, unknown>, hooks: RequestHooks) => Effect.Effect<A>
  ): Effect.Effect<A> => {
    let handled: Effect.Effect<unknown, unknown>
    let context: Context.Context<never> | undefined
    const entry = handlers.unsafeMap.get(rpc.key) as Rpc.Handler<string> | undefined
    if (entry === undefined) {
      handled = Effect.die(new Error(`no handler registered for ${rpc._tag}`))
    } else {
      try {
        const made = prepared.get(rpc.key) ?? prepare(rpc, entry)
        context = made.context
        const result = entry.handler(payload, handlerOptions)
        handled = (Rpc.isWrapper(result) ? result.value : result) as Effect.Effect<unknown, unknown>
        // Before the handler: a middleware's failure answers the request instead of it.
        for (let i = made.middlewares.length - 1; i >= 0; i--) {
          handled = Effect.zipRight(made.middlewares[i]!({ clientId: connection.id, rpc, payload, headers: Headers.empty }), handled)
        }
      } catch (error) {
        handled = Effect.die(error)
      }
    }
    return Effect.withFiberRuntime((fiber) => {
      let effect = handled
      const forked = fiber.getFiberRef(currentRequestHooks)
      let hooks: RequestHooks
      if (forked instanceof RequestHooks && forked.claim()) {
        hooks = forked
      } else {
        hooks = new RequestHooks(true)
        effect = Effect.zipRight(FiberRef.set(currentRequestHooks, hooks), effect)
      }
      if (context !== undefined && fiber.getFiberRef(FiberRef.currentContext) !== context) {
        effect = Effect.zipRight(FiberRef.set(FiberRef.currentContext, context), effect)
      }
      return body(effect, hooks)
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
    if (Either.isLeft(payload)) {
      const message = `invalid params for ${request.method}: ${formatParseError(payload.left)}`
      return Effect.suspend(() => answerError({ code: ErrorCode.InvalidParams, message }))
    }
    const failed = (cause: Cause.Cause<unknown>) => Effect.flatMap(wireErrorOf(request.method, cause), answerError)
    return invoke(rpc, payload.right, (handled, hooks) =>
      Effect.matchCauseEffect(handled, {
        onFailure: failed,
        onSuccess: (value) => {
          const result = codec.encodeSuccess(value)
          // A handler's result that does not fit its schema is a bug of ours.
          return Either.isRight(result) ? answer({ id: request.id, result: result.right }, hooks) : failed(Cause.die(result.left))
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

  const handleNotification = (notification: NotificationMessage): Effect.Effect<void> => {
    const rpc = options.notifications.requests.get(notification.method) as Rpc.AnyWithProps | undefined
    if (rpc === undefined) {
      return Effect.logWarning(`ignoring client notification ${notification.method}`)
    }
    const payload = codecOf(rpc).decodePayload(notification.params ?? {})
    if (Either.isLeft(payload)) {
      return Effect.logWarning(`client notification ${notification.method} has invalid params: ${formatParseError(payload.left)}`)
    }
    return invoke(rpc, payload.right, (handled, hooks) => {
      // No response: what a notification's handler defers runs at once (nothing can wait yet).
      hooks.answer()
      return handled.pipe(
        Effect.catchAllCause((cause) => Effect.logWarning(`client notification ${notification.method} failed`, cause)),
        Effect.asVoid
      )
    })
  }

  return { handleRequest, answerRequest, handleNotification, handlerContext }
}
