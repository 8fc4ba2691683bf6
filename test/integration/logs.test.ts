/**
 * Structured logs: the events an operator needs, as JSON lines on stderr
 * with `--log-format json`, and never a byte of process output or a token
 * (the server in process, on src/: its stderr kept in memory).
 */
import { writeFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { type InProcessWebSocketServer, useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { useTempDirs } from "../support/tempDirs.js"
import { eventually } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const start = useInProcessWebSocketServers()
const TOKEN = "log-test-token-d41d8cd98f00"
const tempDir = useTempDirs("logs-")

/** What the server wrote on stderr after its banner (every line of it a log line). */
const afterBanner = (server: InProcessWebSocketServer) => {
  const stderr = server.stderr()
  return stderr.slice(stderr.indexOf(server.banner) + server.banner.length)
}

describe("structured logs", () => {
  it("--log-format json: connections, refusals, sessions, processes and escalations, without output or tokens", async () => {
    const dir = tempDir()
    writeFileSync(Path.join(dir, "token"), TOKEN)
    const server = await start(["--log-format", "json", "--ws-token-file", Path.join(dir, "token"), "--grace-ms", "200", "--dropped-session-ttl-ms", "0"])
    const lines = () => afterBanner(server).split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as { message: string; logLevel: string; annotations: Record<string, unknown> })
    const logged = (message: string) => lines().find((line) => line.message === message)

    // A refused upgrade.
    await new Promise<void>((resolve) => {
      const socket = new WebSocket(server.url, { headers: { authorization: "Bearer wrong" } })
      socket.on("error", () => resolve())
      socket.on("unexpected-response", () => resolve())
    })
    expect(await eventually(() => logged("connection refused") !== undefined)).toBe(true)
    expect(logged("connection refused")!.annotations).toMatchObject({ status: 401, why: "no or wrong bearer token" })

    const client = await RawWebSocketClient.connectReady(server.url, { authorization: `Bearer ${TOKEN}` })
    await client.request("process/start", pipeProcess("stubborn", ["sh", "-c", "echo SECRET-OUTPUT; trap '' TERM; sleep 30"]))
    await client.outputContains("stubborn", "SECRET-OUTPUT")
    await client.request("process/terminate", { processId: "stubborn" })
    await client.waitFor((message) => message.method === "process/closed")
    client.socket.close()
    expect(await eventually(() => logged("session closed") !== undefined && logged("connection closed") !== undefined)).toBe(true)

    expect(logged("connection opened")!.annotations).toMatchObject({ transport: "websocket" })
    expect(String(logged("connection opened")!.annotations.peer)).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(logged("session created")!.annotations.sessionId).toEqual(expect.any(String))
    // One line per process at info, when it is over; its start is a debug line.
    expect(logged("process started")).toBeUndefined()
    expect(logged("terminate escalated to SIGKILL")!.annotations).toMatchObject({ processId: "stubborn", graceMs: 200 })
    expect(logged("process closed")!.annotations).toMatchObject({
      processId: "stubborn",
      argv0: "sh",
      pid: expect.any(Number),
      tty: false,
      sandboxed: false,
      exitCode: 137,
      signal: "SIGKILL",
      durationMs: expect.any(Number)
    })
    expect(server.stderr()).not.toContain("SECRET-OUTPUT")
    expect(server.stderr()).not.toContain(TOKEN)
  })

  it("--log-level debug adds a line when a process starts, with what it runs", async () => {
    const server = await start(["--log-format", "json", "--log-level", "debug"])
    const logged = (message: string) =>
      afterBanner(server).split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as { message: string; logLevel: string; annotations: Record<string, unknown> })
        .find((line) => line.message === message)
    const client = await RawWebSocketClient.connectReady(server.url)
    await client.request("process/start", pipeProcess("short", ["true"]))
    await client.waitFor((message) => message.method === "process/closed")
    expect(await eventually(() => logged("process closed") !== undefined)).toBe(true)
    expect(logged("process started")).toMatchObject({
      logLevel: "DEBUG",
      annotations: { processId: "short", argv0: "true", pid: expect.any(Number), tty: false, sandboxed: false }
    })
    client.socket.close()
  })
})
