/**
 * A remote stream over a real 3-node NATS cluster: 20 MiB from a client
 * connected to node 1 to an executor connected to node 3, while node 1 is
 * SIGKILLed mid-stream (nats.js drops what it publishes while reconnecting);
 * everything arrives once, in order, within the window.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createHash, randomFillSync } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import * as NatsLink from "../../../src/remote/NatsLink.js"
import * as RS from "../../../src/remote/ReliableStream.js"
import { type NatsCluster, pollUntil, startNatsCluster } from "../../support/natsCluster.js"

const MESSAGE = 64 * 1024
const COUNT = 320 // 20 MiB
const WINDOW = 1024 * 1024

/** A client that tries the nodes in the given order and reconnects at once, for ever. */
const dial = (urls: ReadonlyArray<string>) =>
  connect({ servers: [...urls], noRandomize: true, reconnectTimeWait: 100, reconnectJitter: 0, maxReconnectAttempts: -1, pingInterval: 2000 })

describe("NatsLink over a 3-node cluster", () => {
  let cluster: NatsCluster
  const connections: Array<NatsConnection> = []
  beforeAll(async () => {
    cluster = await startNatsCluster(3)
  })
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined)
    await cluster?.stop()
  })

  it("streams 20 MiB intact while the publisher's node is SIGKILLed", async () => {
    const [n1, n2, n3] = cluster.urls as [string, string, string]
    const client = await dial([n1, n2, n3])
    const executor = await dial([n3, n2, n1])
    connections.push(client, executor)
    expect(client.info?.server_name).toBe("n1")
    expect(executor.info?.server_name).toBe("n3")
    const options: RS.StreamOptions = { ...RS.defaultOptions("stream-1"), window: WINDOW, retransmitAfter: 500 }

    const sent = createHash("sha256")
    const result = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const executorEnd = yield* NatsLink.open({ connection: executor, env: "env-1", side: "executor", options })
      const clientEnd = yield* NatsLink.open({ connection: client, env: "env-1", side: "client", options })

      const reader = yield* Effect.fork(Effect.gen(function*() {
        const hash = createHash("sha256")
        const indices: Array<number> = []
        let bytes = 0
        for (;;) {
          const next = yield* executorEnd.receive
          if (Option.isNone(next)) break
          hash.update(next.value)
          bytes += next.value.length
          indices.push(new DataView(next.value.buffer, next.value.byteOffset).getUint32(0))
        }
        return { digest: hash.digest("hex"), indices, bytes }
      }))

      let killed = false
      for (let i = 0; i < COUNT; i++) {
        const message = randomFillSync(new Uint8Array(MESSAGE))
        new DataView(message.buffer).setUint32(0, i)
        sent.update(message)
        yield* clientEnd.send(message)
        if (i === COUNT / 4) {
          // Mid-stream, with a full window in flight: the client's node dies.
          yield* Effect.promise(() => cluster.signal(0, "SIGKILL"))
          killed = true
        }
      }
      yield* clientEnd.close
      const received = yield* Fiber.join(reader)
      return { killed, received, client: clientEnd.snapshot(), executor: executorEnd.snapshot() }
    })))

    expect(result.killed).toBe(true)
    expect(client.info?.server_name).not.toBe("n1")
    expect(result.received.bytes).toBe(MESSAGE * COUNT)
    expect(result.received.digest).toBe(sent.digest("hex"))
    expect(result.received.indices).toEqual(Array.from({ length: COUNT }, (_, i) => i))
    // Every seq the client gave a frame was received, with none missing below.
    expect(result.executor.receivedThrough).toBe(result.client.lastSentSeq)
    expect(result.client.stats.maxInFlightBytes).toBeLessThanOrEqual(WINDOW)
    expect(result.executor.stats.maxHeldBytes).toBeLessThanOrEqual(WINDOW)
    // What was in flight when the node died went again after the reconnect.
    expect(result.client.stats.retransmissions).toBeGreaterThan(0)
  })

  it("closes a link on a quiet connection at once, and its subscription is gone from the cluster", async () => {
    const [, n2] = cluster.urls as [string, string, string]
    // No ping for a minute: nothing but the link's own finalizer can end its wait for a status.
    const nc = await connect({ servers: n2, pingInterval: 60_000 })
    connections.push(nc)
    const options = RS.defaultOptions("quiet-1")
    // The connection's subscriptions to the link's subject, as node 2 sees them.
    const matches = async () => {
      const response = await fetch(`http://127.0.0.1:${cluster.nodes[1]!.httpPort}/connz?subs=1&cid=${nc.info!.client_id}`)
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
