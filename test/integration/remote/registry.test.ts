/**
 * The environment registry on real nats-server clusters: claim, refusal of
 * a second live executor, release on a clean stop, takeover after a
 * SIGKILL-like death (its connection closed, nothing deleted), sessions kept
 * current by heartbeats, and on a 3-node cluster with replicas 3 a
 * registration that survives SIGKILL of a node.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import * as Registry from "../../../src/remote/Registry.js"
import { type NatsCluster, pollUntil, startNatsCluster } from "../../support/natsCluster.js"
import { takeOverEntry } from "../../support/registryTakeover.js"

/** Reconnects at once and for ever; a stalled node is given up within ~1 s (as in natsLink.test.ts). */
const dial = (urls: ReadonlyArray<string>) =>
  connect({
    servers: [...urls], noRandomize: true, reconnectTimeWait: 100, reconnectJitter: 0, maxReconnectAttempts: -1,
    pingInterval: 500, maxPingOut: 2, timeout: 1000
  })

/** A scope the test closes itself, so that a registration can outlive one call. */
const openScope = () => Effect.runPromise(Scope.make())
const inScope = <A, E>(scope: Scope.Closeable, effect: Effect.Effect<A, E, Scope.Scope>) =>
  Effect.runPromise(Scope.provide(effect, scope))
const closeScope = (scope: Scope.Closeable) => Effect.runPromise(Scope.close(scope, Exit.void))

let bucketCount = 0
/** Each test its own bucket: nothing leaks between them. */
const freshBucket = () => `reg_test_${process.pid}_${++bucketCount}`

const listOf = (nc: NatsConnection, bucket: string) => Effect.runPromise(Registry.list(nc, { bucket }))

describe("registry on a 1-node cluster", () => {
  let cluster: NatsCluster
  let nc: NatsConnection
  beforeAll(async () => {
    cluster = await startNatsCluster(1)
    nc = await dial(cluster.urls)
  })
  afterAll(async () => {
    await nc?.close()
    await cluster?.stop()
  })

  it("register shows the executor in list with its fields; closing its scope deletes the key", async () => {
    const bucket = freshBucket()
    const scope = await openScope()
    const registration = await inScope(scope, Registry.register(nc, {
      bucket, environmentId: "env-a", name: "builder", serverVersion: "9.9.9", host: "box1", heartbeatMs: 2000, sessions: () => 2
    }))
    const listed = await listOf(nc, bucket)
    expect(listed.map((e) => e.record)).toEqual([{
      id: "env-a", name: "builder", serverVersion: "9.9.9", protocolVersion: "exec-server.v0", host: "box1", sessions: 2,
      startedAt: expect.any(String), heartbeatAt: expect.any(String), heartbeatMs: 2000, owner: registration.owner
    }])
    // Fresh: younger than the staleness of three heartbeats (Registry.STALE_HEARTBEATS).
    expect(listed[0]!.ageMs).toBeLessThan(3 * 2000)

    await closeScope(scope)
    const kv = await new Kvm(nc).open(bucket)
    const entry = await kv.get("env-a")
    expect(entry === null || entry.operation !== "PUT").toBe(true)
    expect(await listOf(nc, bucket)).toEqual([])
  })

  it("a second register of a live id fails with EnvironmentInUse (after about one heartbeat)", async () => {
    const bucket = freshBucket()
    const scope = await openScope()
    try {
      await inScope(scope, Registry.register(nc, { bucket, environmentId: "env-b", serverVersion: "1", heartbeatMs: 200, sessions: () => 0 }))
      const started = performance.now()
      const second = await Effect.runPromise(Effect.scoped(
        Registry.register(nc, { bucket, environmentId: "env-b", serverVersion: "1", heartbeatMs: 200, sessions: () => 0 })
      ).pipe(Effect.flip))
      const elapsed = performance.now() - started
      expect(second._tag).toBe("RemoteEnvironmentInUse")
      expect(second.message).toContain("env-b")
      // Refused once the holder's next heartbeat is seen: well before it could be judged stale.
      expect(elapsed).toBeLessThan(3 * 200)
      console.log(`EnvironmentInUse after ${elapsed.toFixed(0)} ms (heartbeat 200 ms)`)
      // The refused attempt wrote nothing: the first still holds the key.
      expect((await listOf(nc, bucket)).length).toBe(1)
    } finally {
      await closeScope(scope)
    }
  })

  it("after a SIGKILL-like death (connection gone, nothing deleted) a new register takes the id within 3 heartbeats", async () => {
    const bucket = freshBucket()
    const heartbeatMs = 300
    const doomed = await dial(cluster.urls)
    const scope = await openScope()
    const first = await inScope(scope, Registry.register(doomed, { bucket, environmentId: "env-c", serverVersion: "1", heartbeatMs, sessions: () => 0 }))
    // Let it heartbeat once, so that death comes at an arbitrary point of a period.
    await pollUntil("a heartbeat", async () => (await Effect.runPromise(first.current)).revision > 1, 5000, 20)
    await doomed.close()
    const died = performance.now()
    const second = await openScope()
    try {
      const registration = await inScope(second, Registry.register(nc, { bucket, environmentId: "env-c", serverVersion: "1", heartbeatMs, sessions: () => 0 }))
      const took = performance.now() - died
      console.log(`takeover ${took.toFixed(0)} ms after the death (heartbeat ${heartbeatMs} ms)`)
      // Stale 3 periods after its last write, then seen within a quarter period; the rest is slack for a loaded 2-core machine.
      expect(took).toBeLessThan(3 * heartbeatMs + 400)
      const listed = await listOf(nc, bucket)
      expect(listed.map((e) => e.record.owner)).toEqual([registration.owner])
    } finally {
      await closeScope(scope)
      await closeScope(second)
    }
  })

  it("an executor whose key was overwritten by another loses it: lost fails with EnvironmentTakenOver", async () => {
    const bucket = freshBucket()
    const scope = await openScope()
    try {
      const registration = await inScope(scope, Registry.register(nc, { bucket, environmentId: "env-d", serverVersion: "1", heartbeatMs: 150, sessions: () => 0 }))
      await takeOverEntry(await new Kvm(nc).open(bucket), "env-d")
      const lost = await Effect.runPromise(registration.lost.pipe(Effect.flip, Effect.timeout(3000)))
      expect(lost._tag).toBe("RemoteEnvironmentTakenOver")
    } finally {
      await closeScope(scope)
    }
    // Its scope closing did not delete what is no longer its own.
    const entry = await (await new Kvm(nc).open(bucket)).get("env-d")
    expect(entry?.operation).toBe("PUT")
  })

  it("heartbeats keep sessions current", async () => {
    const bucket = freshBucket()
    let sessions = 0
    const scope = await openScope()
    try {
      await inScope(scope, Registry.register(nc, { bucket, environmentId: "env-e", serverVersion: "1", heartbeatMs: 150, sessions: () => sessions }))
      expect((await listOf(nc, bucket))[0]!.record.sessions).toBe(0)
      sessions = 7
      await pollUntil("sessions 7 in the registry", async () => (await listOf(nc, bucket))[0]?.record.sessions === 7, 3000)
      sessions = 2
      await pollUntil("sessions 2 in the registry", async () => (await listOf(nc, bucket))[0]?.record.sessions === 2, 3000)
    } finally {
      await closeScope(scope)
    }
  })

  it("list leaves out a stale entry", async () => {
    const bucket = freshBucket()
    const doomed = await dial(cluster.urls)
    const scope = await openScope()
    await inScope(scope, Registry.register(doomed, { bucket, environmentId: "env-f", serverVersion: "1", heartbeatMs: 100, sessions: () => 0 }))
    await doomed.close()
    await closeScope(scope)
    // The key is still there (nothing could delete it), but it ages out of the list.
    await pollUntil("the dead entry to leave the list", async () => (await listOf(nc, bucket)).length === 0, 3000)
    const entry = await (await new Kvm(nc).open(bucket)).get("env-f")
    expect(entry?.operation).toBe("PUT")
  })

  it("rejects an id that is not a subject token", async () => {
    const error = await Effect.runPromise(Effect.scoped(
      Registry.register(nc, { bucket: freshBucket(), environmentId: "a.b", serverVersion: "1", sessions: () => 0 })
    ).pipe(Effect.flip))
    expect(error._tag).toBe("RemoteRegistryError")
  })
})

describe("registry on a 3-node cluster", () => {
  let cluster: NatsCluster
  beforeAll(async () => {
    cluster = await startNatsCluster(3)
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it("with replicas 3, SIGKILL of the node that leads the bucket and serves the executor does not lose the registration: heartbeats continue", async () => {
    const bucket = freshBucket()
    const heartbeatMs = 300
    // The bucket first, to learn which node leads its stream: the executor is connected to that node, the one killed.
    const reader = await dial(cluster.urls)
    await Effect.runPromise(Registry.openBucket(reader, { bucket, replicas: 3 }))
    const info = await (await jetstreamManager(reader)).streams.info(`KV_${bucket}`)
    const leader = cluster.nodes.findIndex((n) => n.name === info.cluster?.leader)
    expect(leader).toBeGreaterThanOrEqual(0)
    const executor = await dial([cluster.urls[leader]!, ...cluster.urls.filter((_, i) => i !== leader)])
    // The reader on a node that survives, so that what is measured is the executor's recovery.
    const survivor = await dial(cluster.urls.filter((_, i) => i !== leader))
    const scope = await openScope()
    try {
      const registration = await inScope(scope, Registry.register(executor, {
        bucket, replicas: 3, environmentId: "env-r3", serverVersion: "1", heartbeatMs, sessions: () => 1
      }))
      const lost = Effect.runFork(registration.lost)
      await pollUntil("the registration listed", async () => (await listOf(reader, bucket)).length === 1, 5000)
      const before = (await Effect.runPromise(registration.current)).revision
      const killed = performance.now()
      await cluster.signal(leader, "SIGKILL")
      await pollUntil("three heartbeats after the kill", async () =>
        (await Effect.runPromise(registration.current)).revision >= before + 3, 40_000, 50)
      console.log(`3 heartbeats written ${(performance.now() - killed).toFixed(0)} ms after SIGKILL of the bucket leader, the executor's node`)
      // A KV read waits for JetStream's election of a new leader: 5–9 s here, more with the whole suite
      // running, and past 25 s with two busy loops beside it too (each listing "took over 5000 ms").
      await pollUntil("the registration listed from another node", async () => {
        const listed = await listOf(survivor, bucket)
        return listed.length === 1 && listed[0]!.record.owner === registration.owner
      }, 60_000)
      expect(lost.pollUnsafe()).toBeUndefined()
    } finally {
      await closeScope(scope)
      await executor.close()
      await reader.close()
      await survivor.close()
    }
  }, 120_000)
})
