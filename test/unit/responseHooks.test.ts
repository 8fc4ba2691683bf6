/**
 * `afterResponse`: effects a handler defers until its response is on its
 * way. One deferred from a fiber the handler forked, after the response
 * went out, runs at once instead of being lost.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Rpc from "@effect/rpc/Rpc"
import * as RpcGroup from "@effect/rpc/RpcGroup"
import { type Context, Deferred, Effect, Exit, FiberId, FiberRef, FiberRefs, Layer, Runtime, Schema } from "effect"
import { afterResponse, ClientRequestFailed, noResponse, ResponseHooks, withRequestHooksPerFiber } from "../../src/jsonrpc/Connection.js"
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
  handlers: Context.Context<Rpc.ToHandler<Rpcs>>
) =>
  makeDispatcher<Rpcs, never>({
    requests,
    notifications: NoNotifications,
    handlers,
    connection: {
      id: 1,
      send: () => {},
      allocate: Buffer.allocUnsafe,
      flow: makeFlowMeter({ highWaterMark: 1024, lowWaterMark: 256 }),
      request: () => Effect.fail(new ClientRequestFailed({ reason: "noClient" }))
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
      const handlers = yield* Layer.build(LateRpcs.toLayer({
        "test/late": () =>
          Effect.gen(function*() {
            yield* afterResponse(Deferred.succeed(before, undefined))
            // A fiber of the request that defers work later, once the response is out.
            yield* Effect.forkDaemon(Effect.zipRight(Deferred.await(go), afterResponse(Deferred.succeed(done, undefined))))
            return {}
          })
      }).pipe(Layer.provide(Layer.succeed(ResponseHooks, noResponse))))
      const dispatcher = dispatcherOf(LateRpcs, handlers)
      const dispatched = yield* Effect.fork(dispatcher.handleRequest({ _tag: "Request", id: 1, method: "test/late", params: {} }))
        .pipe(Effect.flatMap((fiber) => fiber.await), Effect.flatten)
      expect(dispatched.response).toEqual({ id: 1, result: {} })
      expect(yield* Deferred.isDone(before)).toBe(false)
      yield* runAfter(dispatched)
      expect(yield* Deferred.isDone(before)).toBe(true)
      yield* Deferred.succeed(go, undefined)
      const ran = yield* Deferred.await(done).pipe(Effect.timeout("1 seconds"), Effect.option)
      expect(ran._tag).toBe("Some")
    }).pipe(Effect.scoped))

  it.live("keeps each request's hooks apart, in fibers started in the handlers' shared context or in another", () =>
    Effect.gen(function*() {
      const deferredBy = new Map<string, Deferred.Deferred<void>>()
      const handlers = yield* Layer.build(TaggedRpcs.toLayer({
        "test/tagged": ({ tag }) =>
          Effect.gen(function*() {
            // Suspends first, so that both requests are in flight when each defers its work.
            yield* Effect.sleep("5 millis")
            yield* afterResponse(Deferred.succeed(deferredBy.get(tag)!, undefined))
            return {}
          })
      }).pipe(Layer.provide(Layer.succeed(ResponseHooks, noResponse))))
      const dispatcher = dispatcherOf(TaggedRpcs, handlers)
      expect(dispatcher.handlerContext).toBeDefined()
      const request = (tag: string, id: number, inHandlerContext: boolean) => {
        deferredBy.set(tag, Deferred.unsafeMake<void>(FiberId.none))
        const handled = dispatcher.handleRequest({ _tag: "Request", id, method: "test/tagged", params: { tag } })
        const forked = Effect.fork(handled)
        return inHandlerContext ? Effect.locally(forked, FiberRef.currentContext, dispatcher.handlerContext!) : forked
      }
      const [a, b] = [yield* request("a", 1, true), yield* request("b", 2, false)]
      const [dispatchedA, dispatchedB] = [yield* Effect.flatten(a.await), yield* Effect.flatten(b.await)]
      expect([dispatchedA.response, dispatchedB.response]).toEqual([{ id: 1, result: {} }, { id: 2, result: {} }])
      yield* runAfter(dispatchedB)
      expect([yield* Deferred.isDone(deferredBy.get("a")!), yield* Deferred.isDone(deferredBy.get("b")!)]).toEqual([false, true])
      yield* runAfter(dispatchedA)
      expect(yield* Deferred.isDone(deferredBy.get("a")!)).toBe(true)
    }).pipe(Effect.scoped))

  it.live("gives each fiber forked from the connection's request runtime hooks of its own, which its forks share", () =>
    Effect.gen(function*() {
      const gates = new Map<string, Deferred.Deferred<void>>()
      const deferred = new Map<string, Deferred.Deferred<void>>()
      const late = new Map<string, Deferred.Deferred<void>>()
      const handlers = yield* Layer.build(TaggedRpcs.toLayer({
        "test/tagged": ({ tag }) =>
          Effect.gen(function*() {
            yield* Deferred.await(gates.get(tag)!)
            yield* afterResponse(Deferred.succeed(deferred.get(tag)!, undefined))
            // A fiber of this request: it shares the request's hooks, so what it defers once the response is out runs at once.
            yield* Effect.forkDaemon(Effect.zipRight(Deferred.await(gates.get(`${tag}-late`)!), afterResponse(Deferred.succeed(late.get(tag)!, undefined))))
            return {}
          })
      }).pipe(Layer.provide(Layer.succeed(ResponseHooks, noResponse))))
      const dispatcher = dispatcherOf(TaggedRpcs, handlers)
      // What serveConnection forks its requests from.
      const runtime = yield* Effect.runtime<never>()
      const connectionFiber = yield* Effect.fiberIdWith(Effect.succeed)
      const fork = Runtime.runFork(Runtime.make({
        context: dispatcher.handlerContext!,
        runtimeFlags: runtime.runtimeFlags,
        fiberRefs: withRequestHooksPerFiber(runtime.fiberRefs, connectionFiber)
      }))
      const sent: Array<[string, ResponseMessage]> = []
      const start = (tag: string, id: number) => {
        for (const key of [tag, `${tag}-late`]) gates.set(key, Deferred.unsafeMake<void>(FiberId.none))
        deferred.set(tag, Deferred.unsafeMake<void>(FiberId.none))
        late.set(tag, Deferred.unsafeMake<void>(FiberId.none))
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
      const exitB = yield* b.await
      expect(exitB._tag).toBe("Success")
      expect(sent).toEqual([["b", { id: 2, result: {} }]])
      expect([isDone(deferred.get("a")!), isDone(deferred.get("b")!)]).toEqual([false, true])
      yield* Deferred.succeed(gates.get("a")!, undefined)
      yield* a.await
      expect(sent.map(([tag]) => tag)).toEqual(["b", "a"])
      expect(isDone(deferred.get("a")!)).toBe(true)
      for (const tag of ["a", "b"]) {
        yield* Deferred.succeed(gates.get(`${tag}-late`)!, undefined)
        const ran = yield* Deferred.await(late.get(tag)!).pipe(Effect.timeout("1 seconds"), Effect.option)
        expect(ran._tag).toBe("Some")
      }
    }).pipe(Effect.scoped))

  it.effect("the refs requests are forked from read as the connection's, without the ones at their initial value or the context", () =>
    Effect.gen(function*() {
      const changed = FiberRef.unsafeMake("initial")
      const unchanged = FiberRef.unsafeMake("initial")
      yield* FiberRef.set(changed, "set")
      yield* FiberRef.set(unchanged, "initial")
      const runtime = yield* Effect.runtime<never>()
      const connectionFiber = yield* Effect.fiberIdWith(Effect.succeed)
      const refs = withRequestHooksPerFiber(runtime.fiberRefs, connectionFiber)
      expect(runtime.fiberRefs.locals.has(unchanged)).toBe(true)
      expect(refs.locals.has(unchanged)).toBe(false)
      const fork = Runtime.runFork(Runtime.make({ context: runtime.context, runtimeFlags: runtime.runtimeFlags, fiberRefs: refs }))
      const read = yield* fork(Effect.all([FiberRef.get(changed), FiberRef.get(unchanged), FiberRef.get(FiberRef.currentContext)])).await
      expect(read).toEqual(Exit.succeed(["set", "initial", runtime.context]))
      // Every ref the connection set to something else is still there, but
      // the context, which each fork takes from its runtime (checked above).
      for (const [fiberRef, stack] of runtime.fiberRefs.locals) {
        if (fiberRef === FiberRef.currentContext) continue
        if (fiberRef !== unchanged && stack[0][1] !== FiberRefs.getOrDefault(FiberRefs.empty(), fiberRef)) {
          expect(FiberRefs.getOrDefault(refs, fiberRef)).toBe(stack[0][1])
        }
      }
    }))
})
