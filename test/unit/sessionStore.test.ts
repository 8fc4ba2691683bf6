/**
 * The session store's claims on shared state: a detached session is taken
 * over by exactly one connection, however their requests interleave.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Context, Effect, Layer, Result } from "effect"
import { ClientRequestFailed } from "../../src/jsonrpc/clientMessages.js"
import { makeFlowMeter } from "../../src/jsonrpc/FlowControl.js"
import type { ServerServices } from "../../src/server/ExecServer.js"
import * as SandboxedFs from "../../src/fs/SandboxedFs.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import { type SessionPeer, SessionStore } from "../../src/server/SessionStore.js"
import * as SessionStoreModule from "../../src/server/SessionStore.js"
import * as OutputBuffers from "../../src/process/OutputBuffers.js"
import * as ProcessReaper from "../../src/process/ProcessReaper.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"

const peer = (connectionId: number): SessionPeer & { readonly subscribers: () => number } => {
  const flow = makeFlowMeter({ highWaterMark: 1024, lowWaterMark: 256 })
  let subscribers = 0
  return {
    connectionId,
    sink: () => {},
    notify: () => {},
    request: () => Effect.fail(new ClientRequestFailed({ reason: "noClient" })),
    log: () => {},
    flow: {
      paused: flow.paused,
      subscribe: (listener) => {
        subscribers++
        const unsubscribe = flow.subscribe(listener)
        return () => {
          subscribers--
          unsubscribe()
        }
      }
    },
    subscribers: () => subscribers
  }
}

describe("session store", () => {
  it.effect("two connections resuming one detached session in the same turn: exactly one takes it", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make({})
      const store = yield* Layer.build(SessionStoreModule.layer.pipe(
        Layer.provide(Layer.mergeAll(ServerConfig.layer(), OutputBuffers.layerMemory, Sandbox.layerUnavailable, ProcessReaper.layerNone, spawner.layer))
      )).pipe(Effect.map(Context.get(SessionStore)))
      const first = yield* store.create(peer(1), { detachTtlMs: 60_000 })
      // The first connection goes away: the session is detached, with an expiry timer.
      yield* first.release
      const a = peer(2)
      const b = peer(3)
      const attempts = yield* Effect.all([
        Effect.result(store.resume(a, { sessionId: first.session.sessionId, detachTtlMs: undefined })),
        Effect.result(store.resume(b, { sessionId: first.session.sessionId, detachTtlMs: undefined }))
      ], { concurrency: "unbounded" })
      expect(attempts.filter(Result.isSuccess).length).toBe(1)
      expect(attempts.filter(Result.isFailure).map((attempt) => Result.isFailure(attempt) && attempt.failure.message))
        .toEqual([`session ${first.session.sessionId} is already attached to another connection`])
      // Only the winner listens to its connection's flow control.
      expect(a.subscribers() + b.subscribers()).toBe(1)
    }))
})

describe("the server's services", () => {
  it("are all required, and resolved once: the store's methods ask for none of the services its processes run on", () => {
    // Before, the reaper and the sandboxed file operations were looked up (missing, silently off), and every
    // method that starts processes carried the spawners, the output buffers and the sandbox in its R.
    type Store = SessionStore["Service"]
    expectTypeOf<Effect.Services<ReturnType<Store["create"]>>>().toEqualTypeOf<never>()
    expectTypeOf<ProcessReaper.ProcessReaper>().toMatchTypeOf<ServerServices>()
    expectTypeOf<SandboxedFs.SandboxedFs>().toMatchTypeOf<ServerServices>()
    expectTypeOf<Layer.Services<typeof SessionStoreModule.layer>>().toEqualTypeOf<ServerConfig.ServerConfig | SessionStoreModule.ProcessServices>()
  })
})
