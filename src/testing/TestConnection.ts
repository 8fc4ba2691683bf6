/**
 * An in-memory client connection to the server's handlers: JSON-RPC messages
 * go through the real codec and dispatcher, with no transport. For tests of
 * handlers with mocked Layers and for checking the wire format.
 */
import type * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Rpc from "effect/rpc/Rpc"
import type * as Scope from "effect/Scope"
import type { ExecServerRpcs } from "../protocol/rpcs.js"
import { type Frame, messageText } from "../wire/JsonRpc.js"
import { serveClient, type ServerServices } from "../server/ExecServer.js"
import type { Surface } from "../server/Surface.js"

/** The result type of a method on the wire (`unknown` for names the server does not know). */
export type ResultOf<M extends string> = M extends ExecServerRpcs["_tag"]
  ? Rpc.SuccessEncoded<Extract<ExecServerRpcs, { readonly _tag: M }>>
  : unknown

/**
 * The params of a method as they go on the wire, checked where a test writes
 * them (`unknown` for names the server does not know): a request the schema
 * refuses fails to compile rather than at run time. A test that sends a bad
 * payload on purpose says so with `requestUnchecked`.
 */
export type ParamsOf<M extends string> = M extends ExecServerRpcs["_tag"]
  ? WireParams<Extract<ExecServerRpcs, { readonly _tag: M }>>
  : unknown

type WireParams<R> = R extends Rpc.Rpc<infer _Tag, infer Payload, infer _Success, infer _Error, infer _Middleware, infer _Requires>
  ? Payload["Encoded"]
  : never

/** A JSON-RPC response as the client sees it. */
export interface TestResponse<A = unknown> {
  readonly id: unknown
  readonly result?: A
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown }
}

/** A server notification as the client sees it: the fields of every process event. */
export interface TestNotification {
  readonly method: string
  readonly params: {
    readonly processId: string
    readonly seq: number
    readonly stream?: "stdout" | "stderr" | "pty"
    readonly chunk?: string
    readonly exitCode?: number
    readonly signal?: string | null
  }
}

/** A connected in-memory client. */
export interface TestConnection {
  /** Sends a raw frame (a string is sent as it is, anything else as JSON). */
  readonly sendRaw: (message: unknown) => Effect.Effect<void>
  /** Sends a request with a fresh id and waits for its response; its params are typed by the method's payload schema (wire form). */
  readonly request: <M extends string>(method: M, params?: ParamsOf<M>) => Effect.Effect<TestResponse<ResultOf<M>>>
  /** `request` with params of any shape: for tests of what the server refuses. */
  readonly requestUnchecked: <M extends string>(method: M, params?: unknown) => Effect.Effect<TestResponse<ResultOf<M>>>
  /** Sends a notification. */
  readonly notify: (method: string, params?: unknown) => Effect.Effect<void>
  /** Sends `initialize` and `initialized`. */
  readonly handshake: Effect.Effect<TestResponse<ResultOf<"initialize">>>
  /** Waits for the next notification (optionally the next one that matches). */
  readonly nextNotification: (predicate?: (notification: TestNotification) => boolean) => Effect.Effect<TestNotification>
  /** Waits for the next message that is not a notification of a request sent with `request`. */
  readonly nextMessage: Effect.Effect<unknown>
  /** Every message received so far, parsed, in order. */
  readonly received: ReadonlyArray<unknown>
  /** Closes the connection as a client hanging up would, and waits until the server is done with it. */
  readonly close: Effect.Effect<void>
}

/** Connects an in-memory client; the connection closes with the scope. */
export const make: Effect.Effect<TestConnection, never, Scope.Scope | ServerServices> = Effect.suspend(() => makeServed())

/**
 * Connects an in-memory client served `surface` (an application's own
 * methods beside the protocol's); the server's `protocolSurface` without it.
 */
export const makeServed = (surface?: Surface): Effect.Effect<TestConnection, never, Scope.Scope | ServerServices> => Effect.gen(function*() {
  const incoming = yield* Queue.make<Frame, Cause.Done>()
  const notifications = yield* Queue.unbounded<TestNotification>()
  const others = yield* Queue.unbounded<unknown>()
  const pending = new Map<unknown, Deferred.Deferred<TestResponse<never>>>()
  const received: Array<unknown> = []
  let nextId = 1

  const route = (message: TestResponse<never> & TestNotification) => {
    received.push(message)
    if (Array.isArray(message)) {
      Queue.offerUnsafe(others, message)
      return
    }
    if ("method" in message && !("id" in message)) {
      Queue.offerUnsafe(notifications, message)
      return
    }
    const waiter = pending.get(message.id)
    if (waiter !== undefined) {
      pending.delete(message.id)
      Deferred.doneUnsafe(waiter, Effect.succeed(message))
    } else {
      Queue.offerUnsafe(others, message)
    }
  }

  const server = yield* serveClient({
    frames: incoming,
    write: (messages, done) => {
      for (const message of messages) route(JSON.parse(messageText(message)))
      done()
    },
    close: Effect.void
  }, surface).pipe(Effect.forkScoped)

  const sendRaw = (message: unknown) =>
    Queue.offer(incoming, { _tag: "Text", text: typeof message === "string" ? message : JSON.stringify(message) })
      .pipe(Effect.asVoid)

  const request = <M extends string>(method: M, params?: unknown) =>
    Effect.gen(function*() {
      const id = nextId++
      const response = yield* Deferred.make<TestResponse<never>>()
      pending.set(id, response)
      yield* sendRaw(params === undefined ? { id, method } : { id, method, params })
      return (yield* Deferred.await(response)) as TestResponse<ResultOf<M>>
    })

  const notify = (method: string, params?: unknown) =>
    sendRaw(params === undefined ? { method } : { method, params })

  const nextNotification = (predicate?: (notification: TestNotification) => boolean) =>
    Effect.gen(function*() {
      while (true) {
        const notification = yield* Queue.take(notifications)
        if (predicate === undefined || predicate(notification)) return notification
      }
    })

  return {
    sendRaw,
    request,
    requestUnchecked: request,
    notify,
    handshake: Effect.gen(function*() {
      const response = yield* request("initialize", { clientName: "test" })
      yield* notify("initialized", {})
      return response
    }),
    nextNotification,
    nextMessage: Queue.take(others),
    received,
    close: Effect.andThen(Queue.end(incoming), Fiber.join(server))
  }
})

/**
 * Connects an in-memory client to a server built from `services` in the
 * current scope (so scoped services such as the session store live as long
 * as the test, not just while connecting).
 */
export const makeWith = <E>(
  services: Layer.Layer<ServerServices, E>
): Effect.Effect<TestConnection, E, Scope.Scope> =>
  Effect.flatMap(Layer.build(services), (context) => Effect.provide(make, context))
