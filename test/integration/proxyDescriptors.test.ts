/**
 * Issue 82's third finding, replayed as it was found: under an open-file
 * limit of 1,024, one client starts 4 processes with a managed proxy, each
 * holding 256 idle connections to its own HTTP proxy port (nothing sent).
 * The 5th and 6th processes' proxies failed to listen (EMFILE), and another
 * client could not even connect. Connections to the proxies now share a
 * budget (an eighth of the open-file limit: proxyBudget.ts), past which they
 * are closed as they come, and one that sends no request for 10 s is closed:
 * the other processes' proxies listen, another client is answered, and the
 * holders' connections all end.
 */
import * as Fs from "node:fs"
import { describe, expect, it } from "vitest"
import { launchOf } from "../support/networkProxy.js"
import { eventually, pipeProcess } from "../support/StdioServer.js"
import { RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const startWebSocketServer = useWebSocketServers()

/**
 * Connections the kernel holds for a listener on `port` that the server has
 * not accepted yet (a LISTEN row's rx_queue in /proc/net/tcp).
 */
const unaccepted = (port: number): number => {
  const hex = port.toString(16).toUpperCase().padStart(4, "0")
  return Fs.readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1]?.endsWith(`:${hex}`) && fields[3] === "0A")
    .reduce((sum, fields) => sum + parseInt(fields[4]!.split(":")[1]!, 16), 0)
}

const closedOf = (client: RawWebSocketClient, processId: string, timeoutMs: number) =>
  client.waitFor((m) => m.method === "process/closed" && m.params.processId === processId, timeoutMs)

/** Opens 256 connections to its HTTP proxy and sends nothing; says how many opened and how many closed, and ends once all have closed. */
const HOLDER = [
  "const net = require('node:net')",
  "const proxy = new URL(process.env.HTTP_PROXY)",
  "console.log(`port=${proxy.port}`)",
  "let opened = 0, closed = 0",
  "const say = () => console.log(`opened=${opened} closed=${closed}`)",
  "for (let i = 0; i < 256; i++) {",
  "  const socket = net.connect(Number(proxy.port), proxy.hostname)",
  "  socket.on('connect', () => { opened++; if (opened + closed >= 256) say() })",
  "  socket.on('error', () => {})",
  "  socket.on('close', () => { closed++; say(); if (closed === 256) process.exit(0) })",
  "}"
].join("\n")

describe("a process's idle connections to its own proxy, under an open-file limit of 1,024", () => {
  it("4 processes × 256 idle connections: the 5th and 6th proxies listen, another client is answered, the idle connections end", async () => {
    const server = await startWebSocketServer([], { openFileLimit: 1024 })
    const attacker = await RawWebSocketClient.connectReady(server.url)
    const holders = ["h1", "h2", "h3", "h4"]
    for (const id of holders) {
      const started = await attacker.request("process/start", pipeProcess(id, [process.execPath, "-e", HOLDER], { networkProxy: launchOf({}) }))
      expect(started.error, id).toBeUndefined()
    }
    // Every holder has all 256 of its connections settled (opened, or already closed by the server).
    await Promise.all(holders.map((id) => attacker.outputContains(id, "opened=", 60_000)))
    // The server has taken every connection it will: none waits in its listeners' queues, or it is out of descriptors.
    const ports = holders.map((id) => Number(/port=(\d+)/.exec(attacker.outputOf(id))![1]))
    const descriptors = () => Fs.readdirSync(`/proc/${server.child.pid}/fd`).length
    expect(await eventually(() => descriptors() >= 1000 || ports.every((port) => unaccepted(port) === 0), 60_000, 50)).toBe(true)
    // The 5th and 6th processes' proxies listen, and their processes run.
    for (const id of ["p5", "p6"]) {
      const started = await attacker.request("process/start", pipeProcess(id, ["sh", "-c", 'echo "proxy ${HTTP_PROXY##*:}"'], { networkProxy: launchOf({}) }))
      expect(started.error, id).toBeUndefined()
      await closedOf(attacker, id, 60_000)
      expect(attacker.outputOf(id)).toMatch(/^proxy \d+\n$/)
    }
    // Another client connects and is answered.
    const other = await RawWebSocketClient.connectReady(server.url)
    const started = await other.request("process/start", pipeProcess("hello", ["echo", "hello"]))
    expect(started.error).toBeUndefined()
    await closedOf(other, "hello", 60_000)
    expect(other.outputOf("hello")).toBe("hello\n")
    // No idle connection stays: each holder sees all 256 closed, and ends.
    await Promise.all(holders.map((id) => closedOf(attacker, id, 120_000)))
    for (const id of holders) expect(attacker.outputOf(id)).toContain("closed=256")
    other.socket.close()
    attacker.socket.close()
  }, 240_000)
})
