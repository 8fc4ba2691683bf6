/**
 * The signals that end the server's process end every session's processes
 * at once: children that ignore SIGTERM, pipes and PTYs, in detached
 * sessions, all die within one grace period of each other, none before the
 * grace period, after SIGTERM or SIGINT (how late is not bounded: a loaded
 * machine delays them all alike), and the server exits 0. Signals reach only the
 * binary's own process (endTogether.test.ts has the other ends, in process).
 */
import { describe, expect, it } from "vitest"
import { COUNT, detachedClient, expectTogether, GRACE_MS, startOnWebSocket } from "../support/endTogether.js"
import { deathTimes } from "../support/stubbornChildren.js"
import { useWebSocketServers } from "../support/WebSocketServer.js"

const startWebSocketServer = useWebSocketServers()

describe(`${COUNT} children that ignore SIGTERM, over several sessions, end together`, () => {
  it.each(["SIGTERM", "SIGINT"] as const)("when the server gets %s, with detached sessions", async (signal) => {
    const server = await startWebSocketServer(["--grace-ms", String(GRACE_MS)])
    const pids: Array<number> = []
    for (let session = 0; session < 4; session++) {
      const client = await detachedClient(server.url, 300_000)
      pids.push(...await startOnWebSocket(client, COUNT / 4))
      // Dropped: the session lives on, detached.
      client.socket.terminate()
    }
    const start = Date.now()
    const deaths = deathTimes(pids, start)
    server.child.kill(signal)
    expect(await server.exited).toBe(0)
    expectTogether(await deaths, GRACE_MS)
  })
})
