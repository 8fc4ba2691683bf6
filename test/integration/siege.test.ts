/**
 * A WebSocket server under a siege of connections that never upgrade: they
 * hold no place past the upgrade timeout (the server in process, on src/;
 * a legitimate client and the server's descriptors under a siege of 500:
 * siegeDescriptors.test.ts).
 */
import * as Net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"

const start = useInProcessWebSocketServers()

let sockets: Array<Net.Socket> = []
afterEach(() => {
  for (const socket of sockets) socket.destroy()
  sockets = []
})

/** Opens a TCP connection to the server that sends nothing, and resolves once connected (or closed, if the server closed it first). */
const besiege = (url: string): Promise<Net.Socket> => {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = Net.connect(Number(port), hostname, () => resolve(socket))
    socket.on("error", () => {})
    socket.on("close", () => resolve(socket))
    sockets.push(socket)
  })
}

describe("connections that never upgrade", () => {
  it("holds no place past --upgrade-timeout-ms", async () => {
    const server = await start(["--upgrade-timeout-ms", "500"])
    const idle = await Promise.all(Array.from({ length: 50 }, () => besiege(server.url)))
    const started = Date.now()
    await Promise.all(idle.map((socket) => new Promise((resolve) => socket.closed ? resolve(undefined) : socket.once("close", resolve))))
    // Closed by the upgrade timeout (500 ms), long before Node's own (its headers timeout, 60 s):
    // a bound far from both, since a loaded machine closes them late.
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
