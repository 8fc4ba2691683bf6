/**
 * A WebSocket server under a siege of connections that never authenticate:
 * hundreds that sit idle or trickle their upgrade request cannot keep a
 * legitimate client out, and cost the server a bounded number of
 * descriptors. The count is of the server's own process: in the test's,
 * the 500 sockets of the siege would be counted with it (siege.test.ts has
 * the upgrade timeout, on a server in process).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { pipeProcess } from "../support/StdioServer.js"
import { RawWebSocketClient, type RunningWebSocketServer, useWebSocketServers } from "../support/WebSocketServer.js"

const start = useWebSocketServers()
const dir = mkdtempSync(Path.join(Os.tmpdir(), "siege-"))
const TOKEN = "siege-token"
const tokenFile = Path.join(dir, "token")
writeFileSync(tokenFile, TOKEN)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let sockets: Array<Net.Socket> = []
const timers: Array<NodeJS.Timeout> = []
afterEach(() => {
  for (const timer of timers) clearInterval(timer)
  for (const socket of sockets) socket.destroy()
  sockets = []
})

const SIEGE = 500

type Siege = "idle" | "trickle"

/** Opens a TCP connection to the server and resolves once connected (or closed, if the server closed it first). */
const besiege = (url: string, how: Siege): Promise<Net.Socket> => {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = Net.connect(Number(port), hostname, () => {
      if (how === "trickle") {
        socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`)
        // A header every 200 ms: the request never ends.
        timers.push(setInterval(() => socket.writable && socket.write(`X-Trickle-${Date.now()}: 1\r\n`), 200))
      }
      resolve(socket)
    })
    socket.on("error", () => {})
    socket.on("close", () => resolve(socket))
    sockets.push(socket)
  })
}

/** Connects, initializes, runs `echo` and reads its output; how long it all took. */
const roundTrip = async (server: RunningWebSocketServer, headers: Record<string, string> = {}): Promise<number> => {
  const started = Date.now()
  const client = await RawWebSocketClient.connectReady(server.url, headers)
  await client.request("process/start", pipeProcess("e", ["echo", "through"]))
  await client.outputContains("e", "through")
  const elapsed = Date.now() - started
  client.socket.close()
  return elapsed
}

const descriptorsOf = (pid: number) => readdirSync(`/proc/${pid}/fd`).length

describe(`${SIEGE} connections that never authenticate`, () => {
  it.each([
    ["sit idle, with a token configured", "idle", ["--ws-token-file", tokenFile]],
    ["trickle their upgrade request", "trickle", []]
  ] as const)("%s: a client still gets in and runs a process long before the siege's upgrade timeout; descriptors stay bounded", async (_, how, flags) => {
    const server = await start([...flags, "--upgrade-timeout-ms", "30000"])
    const headers = flags.length > 0 ? { authorization: `Bearer ${TOKEN}` } : {}
    await roundTrip(server, headers)
    const before = descriptorsOf(server.child.pid!)
    for (let i = 0; i < SIEGE; i++) await besiege(server.url, how)
    const elapsed = await roundTrip(server, headers)
    // Not a speed: a client that waited for a place would wait out the besiegers' 30 s upgrade timeout.
    expect(elapsed).toBeLessThan(15_000)
    // Bounded by the cap of pending upgrades (128 by default), not by the siege.
    expect(descriptorsOf(server.child.pid!) - before).toBeLessThanOrEqual(128 + 8)
  })
})
