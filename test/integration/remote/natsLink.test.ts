/**
 * Remote streams over a real 3-node NATS cluster: 20 MiB between a client
 * and an executor connected to different nodes while the node of one of
 * them is SIGKILLed or SIGSTOPped mid-stream (nats.js drops what it
 * publishes while reconnecting; a stopped node delivers stale frames when
 * it continues); everything arrives once, in order, within the window.
 */
import { describe, expect, it } from "vitest"
import { createHash, randomFillSync } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { connect } from "@nats-io/transport-node"
import * as NatsLink from "../../../src/remote/NatsLink.js"
import type { ChannelSnapshot, ReliableChannel } from "../../../src/remote/ReliableChannel.js"
import * as RS from "../../../src/remote/ReliableStream.js"
import { natsClusterForTests, pollUntil } from "../../support/natsCluster.js"

const MESSAGE = 64 * 1024
const COUNT = 320 // 20 MiB
const WINDOW = 1024 * 1024

/**
 * A client that tries the nodes in the given order and reconnects at once,
 * for ever; a stalled node is given up after two unanswered pings (~1 s),
 * and a connection attempt after 1 s (the default, 20 s, is how long a
 * reconnect waits on a stopped node, which still accepts TCP connections).
 */
const dial = (urls: ReadonlyArray<string>) =>
  connect({
    servers: [...urls], noRandomize: true, reconnectTimeWait: 100, reconnectJitter: 0, maxReconnectAttempts: -1,
    pingInterval: 500, maxPingOut: 2, timeout: 1000
  })

interface Streamed {
  readonly digestSent: string
  readonly digestReceived: string
  readonly bytes: number
  readonly indices: ReadonlyArray<number>
  readonly sender: ChannelSnapshot
  readonly receiver: ChannelSnapshot
}

/**
 * Streams COUNT messages of MESSAGE random bytes (each numbered in its first
 * 4 bytes) from `from` to `to` and closes; `during(i)` runs after message i.
 */
const streamThrough = (
  open: Effect.Effect<{ readonly from: ReliableChannel; readonly to: ReliableChannel }, NatsLink.NatsLinkError, import("effect/Scope").Scope>,
  during: (i: number) => Effect.Effect<void>
): Promise<Streamed> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { from, to } = yield* open
    const reader = yield* Effect.forkChild(Effect.gen(function*() {
      const hash = createHash("sha256")
      const indices: Array<number> = []
      let bytes = 0
      for (;;) {
        const next = yield* to.receive
        if (Option.isNone(next)) break
        hash.update(next.value)
        bytes += next.value.length
        indices.push(new DataView(next.value.buffer, next.value.byteOffset).getUint32(0))
      }
      return { digest: hash.digest("hex"), indices, bytes }
    }))
    const sent = createHash("sha256")
    for (let i = 0; i < COUNT; i++) {
      const message = randomFillSync(new Uint8Array(MESSAGE))
      new DataView(message.buffer).setUint32(0, i)
      sent.update(message)
      yield* from.send(message)
      yield* during(i)
    }
    yield* from.close
    const received = yield* Fiber.join(reader)
    return {
      digestSent: sent.digest("hex"),
      digestReceived: received.digest,
      bytes: received.bytes,
      indices: received.indices,
      sender: from.snapshot(),
      receiver: to.snapshot()
    }
  })))

const expectIntact = (result: Streamed) => {
  expect(result.bytes).toBe(MESSAGE * COUNT)
  expect(result.digestReceived).toBe(result.digestSent)
  expect(result.indices).toEqual(Array.from({ length: COUNT }, (_, i) => i))
  // Every seq the sender gave a frame was received, with none missing below.
  expect(result.receiver.receivedThrough).toBe(result.sender.lastSentSeq)
  expect(result.sender.stats.maxInFlightBytes).toBeLessThanOrEqual(WINDOW)
  expect(result.receiver.stats.maxHeldBytes).toBeLessThanOrEqual(WINDOW)
}

const optionsOf = (streamId: string): RS.StreamOptions => ({ ...RS.defaultOptions(streamId), window: WINDOW, retransmitAfter: 500 })

describe("NatsLink over a 3-node cluster", () => {
  const shared = natsClusterForTests(3)

  it("streams 20 MiB intact from a client whose node is SIGKILLed mid-stream", async () => {
    const [n1, n2, n3] = shared.cluster.urls as [string, string, string]
    const client = await dial([n1, n2, n3])
    const executor = await dial([n3, n2, n1])
    shared.track(client, executor)
    expect(client.info?.server_name).toBe("n1")
    expect(executor.info?.server_name).toBe("n3")
    const options = optionsOf("kill-client-node")
    const result = await streamThrough(
      Effect.gen(function*() {
        const to = yield* NatsLink.open({ connection: executor, env: "env-1", side: "executor", options })
        const from = yield* NatsLink.open({ connection: client, env: "env-1", side: "client", options })
        return { from, to }
      }),
      // Mid-stream, with a full window in flight: the client's node dies.
      (i) => i === COUNT / 4 ? Effect.promise(() => shared.cluster.signal(0, "SIGKILL")) : Effect.void
    )
    expect(client.info?.server_name).not.toBe("n1")
    expectIntact(result)
    // What was in flight when the node died went again after the reconnect.
    expect(result.sender.stats.retransmissions).toBeGreaterThan(0)
  })

  it("streams 20 MiB intact from an executor whose node is SIGKILLed mid-stream", async () => {
    // Node 1 is gone (the test before); node 3 carries the executor, node 2 the client.
    const [n1, n2, n3] = shared.cluster.urls as [string, string, string]
    const client = await dial([n2, n1])
    const executor = await dial([n3, n2, n1])
    shared.track(client, executor)
    expect(executor.info?.server_name).toBe("n3")
    const options = optionsOf("kill-executor-node")
    const result = await streamThrough(
      Effect.gen(function*() {
        const to = yield* NatsLink.open({ connection: client, env: "env-1", side: "client", options })
        const from = yield* NatsLink.open({ connection: executor, env: "env-1", side: "executor", options })
        return { from, to }
      }),
      (i) => i === COUNT / 4 ? Effect.promise(() => shared.cluster.signal(2, "SIGKILL")) : Effect.void
    )
    expect(executor.info?.server_name).toBe("n2")
    expectIntact(result)
    expect(result.sender.stats.retransmissions).toBeGreaterThan(0)
  })

  it("closes a link on a quiet connection at once, and its subscription is gone from the cluster", async () => {
    // Only node 2 is left.
    const [, n2] = shared.cluster.urls as [string, string, string]
    // No ping for a minute: nothing but the link's own finalizer can end its wait for a status.
    const nc = await connect({ servers: n2, pingInterval: 60_000 })
    shared.track(nc)
    const options = RS.defaultOptions("quiet-1")
    // The connection's subscriptions to the link's subject, as node 2 sees them.
    const matches = async () => {
      const response = await fetch(`http://127.0.0.1:${shared.cluster.nodes[1]!.httpPort}/connz?subs=1&cid=${nc.info!.client_id}`)
      const body = (await response.json()) as { connections?: Array<{ subscriptions_list?: Array<string> }> }
      const subjects = body.connections?.[0]?.subscriptions_list ?? []
      return subjects.filter((subject) => subject === NatsLink.subjectTo("env-1", "quiet-1", "executor")).length
    }
    let closing = 0
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      yield* NatsLink.open({ connection: nc, env: "env-1", side: "executor", options })
      expect(yield* Effect.promise(matches)).toBe(1)
      closing = performance.now()
    })))
    expect(performance.now() - closing).toBeLessThan(5_000)
    await pollUntil("the subscription to be gone", async () => (await matches()) === 0, 5_000)
  })
})

describe("NatsLink over a fresh 3-node cluster: a client that does not read, a stalled node", () => {
  const shared = natsClusterForTests(3)

  it("a client that does not read blocks the executor's sends at the window, and nothing piles up in between", async () => {
    const [n1, n2, n3] = shared.cluster.urls as [string, string, string]
    const client = await dial([n2, n1, n3])
    const executor = await dial([n3, n2, n1])
    shared.track(client, executor)
    const options = optionsOf("slow-client")
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const clientEnd = yield* NatsLink.open({ connection: client, env: "env-1", side: "client", options })
      const executorEnd = yield* NatsLink.open({ connection: executor, env: "env-1", side: "executor", options })
      let sent = 0
      const writer = yield* Effect.forkChild(Effect.gen(function*() {
        for (let i = 0; i < COUNT; i++) {
          yield* executorEnd.send(new Uint8Array(MESSAGE).fill(i % 256))
          sent++
        }
        yield* executorEnd.close
      }))
      // The client reads nothing: the window fills, and the executor's sends stop.
      yield* Effect.promise(() => pollUntil("a full window at the client", async () => clientEnd.snapshot().stats.maxHeldBytes >= WINDOW - MESSAGE, 10_000))
      const sentWhenBlocked = sent
      // Acks and window probes go on while blocked; the writer does not move.
      yield* Effect.promise(() => pollUntil("a probe for credit", async () => executorEnd.snapshot().stats.framesSent > sentWhenBlocked * 2 + 1, 10_000))
      const sentAfterProbe = sent
      let received = 0
      for (;;) {
        const next = yield* clientEnd.receive
        if (Option.isNone(next)) break
        received += next.value.length
      }
      yield* Fiber.join(writer)
      return { sentWhenBlocked, sentAfterProbe, received, executor: executorEnd.snapshot() }
    })))
    // A window (16 messages) went out, and one more send waits for credit.
    expect(outcome.sentWhenBlocked).toBeLessThanOrEqual(WINDOW / MESSAGE)
    expect(outcome.sentAfterProbe).toBe(outcome.sentWhenBlocked)
    expect(outcome.executor.stats.maxInFlightBytes).toBeLessThanOrEqual(WINDOW)
    expect(outcome.received).toBe(MESSAGE * COUNT)
  })

  it("streams 20 MiB intact while the client's node is SIGSTOPped, then continued with stale frames", async () => {
    const [n1, n2, n3] = shared.cluster.urls as [string, string, string]
    const client = await dial([n1, n2, n3])
    const executor = await dial([n3, n2, n1])
    shared.track(client, executor)
    const options = optionsOf("stop-client-node")
    const result = await streamThrough(
      Effect.gen(function*() {
        const to = yield* NatsLink.open({ connection: executor, env: "env-1", side: "executor", options })
        const from = yield* NatsLink.open({ connection: client, env: "env-1", side: "client", options })
        return { from, to }
      }),
      // The client's sends block on credit until its pings fail and it moves to node 2; then node 1 comes back.
      (i) => i === COUNT / 4
        ? Effect.promise(() => shared.cluster.signal(0, "SIGSTOP"))
        : i === (3 * COUNT) / 4
        ? Effect.promise(() => shared.cluster.signal(0, "SIGCONT"))
        : Effect.void
    )
    expect(client.info?.server_name).not.toBe("n1")
    expectIntact(result)
  })

  it("streams on one executor connection share one status watcher, and all carry 20 MiB intact when its node dies", async () => {
    const [n1, n2, n3] = shared.cluster.urls as [string, string, string]
    const client = await dial([n2, n1, n3])
    const executor = await dial([n3, n1, n2])
    shared.track(client, executor)
    let watchers = 0
    const status = executor.status.bind(executor)
    executor.status = () => {
      watchers++
      return status()
    }
    const scope = await Effect.runPromise(Scope.make())
    try {
      const reconnects = await Effect.runPromise(NatsLink.watchReconnects(executor).pipe(Scope.provide(scope)))
      let reconnected = 0
      await Effect.runPromise(reconnects.onReconnect(() => reconnected++).pipe(Scope.provide(scope)))
      const results = await Promise.all([0, 1, 2].map((n) =>
        streamThrough(
          Effect.gen(function*() {
            const options = optionsOf(`shared-${n}`)
            const to = yield* NatsLink.open({ connection: client, env: "env-2", side: "client", options })
            const from = yield* NatsLink.open({ connection: executor, env: "env-2", side: "executor", options, reconnects })
            return { from, to }
          }),
          (i) => n === 0 && i === COUNT / 4 ? Effect.promise(() => shared.cluster.signal(2, "SIGKILL")) : Effect.void
        )
      ))
      expect(watchers).toBe(1)
      expect(reconnected).toBe(1)
      expect(executor.info?.server_name).not.toBe("n3")
      for (const result of results) expectIntact(result)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })
})
