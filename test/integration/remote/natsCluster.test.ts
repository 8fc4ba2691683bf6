/**
 * Smoke test of the real 3-node nats-server cluster the remote transport is
 * tested on: a request nobody serves fails fast, messages published through
 * one node reach a subscriber on another, and a node can be stopped,
 * killed and restarted by pid.
 */
import { describe, expect, it } from "vitest"
import { connect, errors } from "@nats-io/transport-node"

type RequestError = InstanceType<typeof errors.RequestError>
import { natsClusterForTests, pollUntil } from "../../support/natsCluster.js"

/** A client pinned to one node: no failover, no reconnect, so a test knows which node carries it. */
const pinned = (url: string) => connect({ servers: url, reconnect: false, name: "smoke" })

describe("a 3-node nats-server cluster on loopback", () => {
  const shared = natsClusterForTests(3)

  it("fails a request nobody serves at once with no responders", async () => {
    const nc = await pinned(shared.cluster.nodes[0]!.url)
    shared.track(nc)
    const error = await nc.request("exec.nobody.home", "hi", { timeout: 10_000 }).then(() => undefined, (e: unknown) => e)
    // "Offline" is known, not waited for: a request that waited out its timeout fails with a timeout instead.
    expect(error).toBeInstanceOf(errors.RequestError)
    expect((error as RequestError).isNoResponders()).toBe(true)
  })

  it("carries messages published through node 1 to a subscriber on node 3, in order", async () => {
    const n1 = await pinned(shared.cluster.nodes[0]!.url)
    const n3 = await pinned(shared.cluster.nodes[2]!.url)
    shared.track(n1, n3)
    // Interest crosses the route asynchronously: wait until node 1 sees a responder on node 3.
    n3.subscribe("smoke.ping", { callback: (_e, msg) => { msg.respond("pong") } })
    await n3.flush()
    await pollUntil("node 1 to see the subscription on node 3", async () => {
      const reply = await n1.request("smoke.ping", "", { timeout: 1000 })
      return reply.string() === "pong"
    }, 10_000)

    const received: Array<number> = []
    let resolveAll: () => void = () => undefined
    const all = new Promise<void>((resolve) => { resolveAll = resolve })
    n3.subscribe("smoke.data", {
      callback: (_e, msg) => {
        received.push(Number(msg.string()))
        if (received.length === 1000) resolveAll()
      }
    })
    await n3.flush()
    await pollUntil("the data subscription to reach node 1", async () => {
      const sub = await fetch(`http://127.0.0.1:${shared.cluster.nodes[0]!.httpPort}/subsz?subs=1&test=smoke.data`)
      const body = (await sub.json()) as { num_matches?: number }
      return (body.num_matches ?? 0) > 0
    }, 10_000)
    for (let i = 0; i < 1000; i++) n1.publish("smoke.data", String(i))
    await n1.flush()
    await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${received.length} of 1000 arrived`)), 10_000))])
    expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => i))
  })

  it("stops, continues, kills and restarts a node by pid", async () => {
    const node = shared.cluster.nodes[1]!
    const pid = node.process?.pid
    expect(pid).toBeTypeOf("number")
    await shared.cluster.signal(1, "SIGSTOP")
    // A stopped node answers nothing on its monitor.
    await expect(fetch(`http://127.0.0.1:${node.httpPort}/varz`, { signal: AbortSignal.timeout(300) })).rejects.toThrow()
    await shared.cluster.signal(1, "SIGCONT")
    await shared.cluster.waitFormed()
    await shared.cluster.signal(1, "SIGKILL")
    expect(node.process).toBeUndefined()
    expect(() => process.kill(pid!, 0)).toThrow()
    await shared.cluster.restart(1)
    expect(node.process?.pid).not.toBe(pid)
    const routez = (await (await fetch(`http://127.0.0.1:${node.httpPort}/routez`)).json()) as { num_routes: number }
    expect(routez.num_routes).toBe(2)
  })
})
