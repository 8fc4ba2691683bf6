/**
 * `afterResponse`: effects a handler defers until its response is on its
 * way. One deferred from a fiber the handler forked, after the response
 * went out, runs at once instead of being lost. On Effect 4 the dispatcher
 * puts each request's hooks in its fiber's context (one overlay on the
 * handler's), which the fibers it forks inherit.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Schema } from "effect"
import * as Rpc from "effect/rpc/Rpc"
import * as RpcGroup from "effect/rpc/RpcGroup"
import { ClientRequestFailed } from "../../src/jsonrpc/clientMessages.js"
import { afterResponse, noResponse, ResponseHooks } from "../../src/jsonrpc/Connection.js"
import { type Dispatched, makeDispatcher } from "../../src/jsonrpc/Dispatcher.js"
import { makeFlowMeter } from "../../src/jsonrpc/FlowControl.js"
import type { ResponseMessage } from "../../src/wire/JsonRpc.js"

class LateRpcs extends RpcGroup.make(
  Rpc.make("test/late", { payload: Schema.Struct({}), success: Schema.Struct({}) })
) {}
class TaggedRpcs extends RpcGroup.make(
  Rpc.make("test/tagged", { payload: Schema.Struct({ tag: Schema.String }), success: Schema.Struct({}) })
) {}
class NoNotifications extends RpcGroup.make() {}

/** A dispatcher of `requests` on a connection that sends nowhere and has no client to ask. */
const dispatcherOf = <Rpcs extends Rpc.Any>(
  requests: RpcGroup.RpcGroup<Rpcs>,
  handlers: Context.Context<Rpc.ToHandler<Rpcs>>,
  fiberContext?: Context.Context<never>
) =>
  makeDispatcher<Rpcs, never>({
    requests,
    fiberContext,
    notifications: NoNotifications,
    handlers,
    connection: {
      id: 1,
      send: () => {},
      allocate: Buffer.allocUnsafe,
      flow: makeFlowMeter({ highWaterMark: 1024, lowWaterMark: 256 }),
      request: () => Effect.fail(new ClientRequestFailed({ reason: "noClient" })),
      notify: () => {},
      extensions: new Set()
    }
  })

const isDone = (deferred: Deferred.Deferred<void>): boolean => Effect.runSync(Deferred.isDone(deferred))

/** Runs what a dispatched request deferred, as the connection loop does once the response is enqueued. */
const runAfter = (dispatched: Dispatched): Effect.Effect<void> => dispatched.afterResponse

describe("afterResponse", () => {
  it.live("runs an effect deferred from a forked fiber after the response went out", () =>
    Effect.gen(function*() {
      const go = yield* Deferred.make<void>()
      const done = yield* Deferred.make<void>()
      const before = yield* Deferred.make<void>()
      const handlers = yield* LateRpcs.toHandlers({
        "test/late": () =>
          Effect.gen(function*() {
            yield* afterResponse(Deferred.succeed(before, undefined))
            // A fiber of the request that defers work later, once the response is out.
            yield* Effect.forkDetach(Effect.andThen(Deferred.await(go), afterResponse(Deferred.succeed(done, undefined))))
            return {}
          })
      }).pipe(Effect.provideService(ResponseHooks, noResponse))
      const dispatcher = dispatcherOf(LateRpcs, handlers)
      const dispatched = yield* Effect.forkChild(dispatcher.handleRequest({ _tag: "Request", id: 1, method: "test/late", params: {} }))
        .pipe(Effect.flatMap(Fiber.await), Effect.flatten)
      expect(dispatched.response).toEqual({ id: 1, result: {} })
      expect(yield* Deferred.isDone(before)).toBe(false)
      yield* runAfter(dispatched)
      expect(yield* Deferred.isDone(before)).toBe(true)
      yield* Deferred.succeed(go, undefined)
      const ran = yield* Deferred.await(done).pipe(Effect.timeoutOption("1 seconds"))
      expect(ran._tag).toBe("Some")
    }).pipe(Effect.scoped))

  it.live("keeps each request's hooks apart, in fibers started in the handlers' shared context or in another", () =>
    Effect.gen(function*() {
      const deferredBy = new Map<string, Deferred.Deferred<void>>()
      const handlers = yield* TaggedRpcs.toHandlers({
        "test/tagged": ({ tag }) =>
          Effect.gen(function*() {
            // Suspends first, so that both requests are in flight when each defers its work.
            yield* Effect.sleep("5 millis")
            yield* afterResponse(Deferred.succeed(deferredBy.get(tag)!, undefined))
            return {}
          })
      }).pipe(Effect.provideService(ResponseHooks, noResponse))
      const dispatcher = dispatcherOf(TaggedRpcs, handlers)
      expect(dispatcher.handlerContext).toBeDefined()
      const request = (tag: string, id: number, inHandlerContext: boolean) => {
        deferredBy.set(tag, Deferred.makeUnsafe<void>())
        const handled = dispatcher.handleRequest({ _tag: "Request", id, method: "test/tagged", params: { tag } })
        const forked = Effect.forkChild(handled)
        // The fork in the handlers' context instead of this fiber's.
        return inHandlerContext ? Effect.updateContext(forked, (_: Context.Context<never>) => dispatcher.handlerContext!) : forked
      }
      const [a, b] = [yield* request("a", 1, true), yield* request("b", 2, false)]
      const [dispatchedA, dispatchedB] = [yield* Effect.flatten(Fiber.await(a)), yield* Effect.flatten(Fiber.await(b))]
      expect([dispatchedA.response, dispatchedB.response]).toEqual([{ id: 1, result: {} }, { id: 2, result: {} }])
      yield* runAfter(dispatchedB)
      expect([yield* Deferred.isDone(deferredBy.get("a")!), yield* Deferred.isDone(deferredBy.get("b")!)]).toEqual([false, true])
      yield* runAfter(dispatchedA)
      expect(yield* Deferred.isDone(deferredBy.get("a")!)).toBe(true)
    }).pipe(Effect.scoped))

  it.live("gives each request forked in the handlers' context, as the connection forks them, hooks of its own, which its forks share", () =>
    Effect.gen(function*() {
      const gates = new Map<string, Deferred.Deferred<void>>()
      const deferred = new Map<string, Deferred.Deferred<void>>()
      const late = new Map<string, Deferred.Deferred<void>>()
      const handlers = yield* TaggedRpcs.toHandlers({
        "test/tagged": ({ tag }) =>
          Effect.gen(function*() {
            yield* Deferred.await(gates.get(tag)!)
            yield* afterResponse(Deferred.succeed(deferred.get(tag)!, undefined))
            // A fiber of this request: it shares the request's hooks, so what it defers once the response is out runs at once.
            yield* Effect.forkDetach(Effect.andThen(Deferred.await(gates.get(`${tag}-late`)!), afterResponse(Deferred.succeed(late.get(tag)!, undefined))))
            return {}
          })
      }).pipe(Effect.provideService(ResponseHooks, noResponse))
      const dispatcher = dispatcherOf(TaggedRpcs, handlers)
      // What serveConnection forks its requests with: every one in the same context.
      const fork = Effect.runForkWith(dispatcher.handlerContext!)
      const sent: Array<[string, ResponseMessage]> = []
      const start = (tag: string, id: number) => {
        for (const key of [tag, `${tag}-late`]) gates.set(key, Deferred.makeUnsafe<void>())
        deferred.set(tag, Deferred.makeUnsafe<void>())
        late.set(tag, Deferred.makeUnsafe<void>())
        return fork(dispatcher.answerRequest({ _tag: "Request", id, method: "test/tagged", params: { tag } }, (response) => {
          // Deferred work waits for the response: nothing ran when it is sent.
          expect(isDone(deferred.get(tag)!)).toBe(false)
          sent.push([tag, response])
        }))
      }
      const a = start("a", 1)
      const b = start("b", 2)
      // b answers first: only its deferred work runs.
      yield* Deferred.succeed(gates.get("b")!, undefined)
      const exitB = yield* Fiber.await(b)
      expect(exitB._tag).toBe("Success")
      expect(sent).toEqual([["b", { id: 2, result: {} }]])
      expect([isDone(deferred.get("a")!), isDone(deferred.get("b")!)]).toEqual([false, true])
      yield* Deferred.succeed(gates.get("a")!, undefined)
      yield* Fiber.await(a)
      expect(sent.map(([tag]) => tag)).toEqual(["b", "a"])
      expect(isDone(deferred.get("a")!)).toBe(true)
      for (const tag of ["a", "b"]) {
        yield* Deferred.succeed(gates.get(`${tag}-late`)!, undefined)
        const ran = yield* Deferred.await(late.get(tag)!).pipe(Effect.timeoutOption("1 seconds"))
        expect(ran._tag).toBe("Some")
      }
    }).pipe(Effect.scoped))

  it.effect("a request forked as the connection forks it reads what the connection's fiber set, and its handler's services", () =>
    Effect.gen(function*() {
      // A reference the connection's fiber set (as it would a log
      // annotation): its requests see it, as fibers forked from it would,
      // and their handlers' own services beside it.
      const Marker = Context.Reference<string>("test/responseHooks/Marker", { defaultValue: () => "initial" })
      class Handled extends Context.Service<Handled, string>()("test/responseHooks/Handled") {}
      const read: Array<[string, string]> = []
      const handlers = yield* TaggedRpcs.toHandlers(Effect.gen(function*() {
        const handled = yield* Handled
        return {
          "test/tagged": () => Effect.map(Effect.service(Marker), (marker: string) => (read.push([marker, handled]), {}))
        }
      })).pipe(Effect.provideService(ResponseHooks, noResponse), Effect.provideService(Handled, "the handler's"))
      const sent = yield* Effect.gen(function*() {
        // As serveConnection and ExecServer: the dispatcher made with the
        // connection fiber's context; its requests forked in the handlers'
        // context where they share one, else in the fiber's.
        const context = yield* Effect.context<never>()
        const dispatcher = dispatcherOf(TaggedRpcs, handlers, context)
        const fork = Effect.runForkWith(dispatcher.handlerContext ?? context)
        const sent: Array<unknown> = []
        yield* Fiber.await(fork(dispatcher.answerRequest({ _tag: "Request", id: 1, method: "test/tagged", params: { tag: "a" } }, (response) => sent.push(response))))
        return sent
      }).pipe(Effect.provideService(Marker, "the connection's"))
      expect(sent).toEqual([{ id: 1, result: {} }])
      expect(read).toEqual([["the connection's", "the handler's"]])
    }))
})
