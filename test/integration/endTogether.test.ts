/**
 * Every path that ends sessions ends all their processes at once: many
 * children that ignore SIGTERM, pipes and PTYs, over several sessions, are
 * all gone after one grace period, within a grace period of each other,
 * never one grace period after another (the server
 * in process, on src/; the signals that end the binary's process:
 * endTogetherSignals.test.ts).
 */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { describe, expect, it } from "vitest"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import { type InProcessServer, useInProcessServers, useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { COUNT, detachedClient, expectTogether, GRACE_MS, params, startOnWebSocket } from "../support/endTogether.js"
import { deathTimes, pidsIn, STUBBORN_WITH_CHILD } from "../support/stubbornChildren.js"
import { isAlive } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

const startServer = useInProcessServers()
const startWebSocketServer = useInProcessWebSocketServers()

/** Starts `count` stubborn processes over a stdio server and returns every pid they and their children have. */
const startOnStdio = async (server: InProcessServer, count: number): Promise<Array<number>> => {
  await Promise.all(Array.from({ length: count }, (_, index) => server.request("process/start", params(index))))
  const pids: Array<number> = []
  for (let index = 0; index < count; index++) {
    await server.outputContains(`p${index}`, "\n")
    pids.push(...pidsIn(server.outputOf(`p${index}`).toString()))
  }
  return pids
}


describe(`${COUNT} children that ignore SIGTERM, over several sessions, end together`, () => {
  it("when stdin closes", async () => {
    const server = await startServer(["--grace-ms", String(GRACE_MS)])
    const pids = await startOnStdio(server, COUNT)
    const start = Date.now()
    const deaths = deathTimes(pids, start)
    const exit = await server.close()
    expect(exit.code).toBe(0)
    expect(Date.now() - start).toBeGreaterThanOrEqual(GRACE_MS - 50)
    expectTogether(await deaths, GRACE_MS)
  })

  it("when WebSocket connections close and drop at once (their sessions not kept: --dropped-session-ttl-ms 0)", async () => {
    const server = await startWebSocketServer(["--grace-ms", String(GRACE_MS), "--dropped-session-ttl-ms", "0"])
    const clients = await Promise.all([0, 1].map(() => RawWebSocketClient.connectReady(server.url)))
    const pids = (await Promise.all(clients.map((client) => startOnWebSocket(client, COUNT / 2)))).flat()
    const start = Date.now()
    clients[0]!.socket.close()
    clients[1]!.socket.terminate()
    expectTogether(await deathTimes(pids, start), GRACE_MS)
  })

  it("when detached sessions' TTLs pass", async () => {
    const server = await startWebSocketServer(["--grace-ms", String(GRACE_MS)])
    const ttlMs = 300
    const clients = await Promise.all([0, 1].map(() => detachedClient(server.url, ttlMs)))
    const pids = (await Promise.all(clients.map((client) => startOnWebSocket(client, COUNT / 2)))).flat()
    const start = Date.now()
    for (const client of clients) client.socket.terminate()
    expectTogether(await deathTimes(pids, start), ttlMs + GRACE_MS)
  })

  it("when an embedding application closes the server's scope", async () => {
    const server = InProcessClient.layer().pipe(
      Layer.provide(ExecServer.layerNodeServices),
      Layer.provide(ServerConfig.layer({ graceMs: GRACE_MS }))
    )
    const { deaths, elapsed, pids } = await Effect.runPromise(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(server, scope)
      const client = Context.get(context, ExecServerClient.ExecServerClient)
      const pids: Array<number> = []
      for (let index = 0; index < COUNT; index++) {
        // Detached: the server, not the client, is what ends them here.
        const handle = yield* Effect.scoped(client.start({
          argv: ["sh", "-c", STUBBORN_WITH_CHILD],
          env: { PATH: "/usr/bin:/bin" },
          cwd: "/tmp",
          tty: index % 2 === 1,
          detached: true
        }))
        // Everything retained so far, until the pids are in it.
        let text = ""
        while (!/pid:\d+:\d+/.test(text)) {
          const output = yield* handle.read({ waitMs: 200 })
          text = output.chunks.map((chunk) => Buffer.from(chunk.chunk).toString()).join("")
        }
        pids.push(...pidsIn(text))
      }
      const start = Date.now()
      const deaths = deathTimes(pids, start)
      yield* Scope.close(scope, Exit.void)
      return { elapsed: Date.now() - start, deaths, pids }
    }))
    expect(elapsed).toBeGreaterThanOrEqual(GRACE_MS - 50)
    // Closing the scope waited for every process.
    expect(pids.filter(isAlive)).toEqual([])
    expectTogether(await deaths, GRACE_MS)
  })
})
