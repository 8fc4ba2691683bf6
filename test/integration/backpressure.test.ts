/**
 * A slow client: the server pauses the producing process instead of
 * buffering, loses nothing, and keeps its memory bounded.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { pipeProcess, serverArgs } from "../support/StdioServer.js"
import { RawWebSocketClient, startWebSocketServer } from "../support/WebSocketServer.js"

const status = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024

describe("backpressure", () => {
  it("delivers 256 MiB in order to a client reading at ~20 MB/s with bounded server memory", async () => {
    const lines = 31_100_000
    const server = spawn(process.execPath, serverArgs(), { stdio: ["pipe", "pipe", "inherit"] })
    const pid = server.pid!
    const send = (message: unknown) => server.stdin.write(JSON.stringify(message) + "\n")
    let buffer = ""
    let expected = 1
    let carry = ""
    let payloadBytes = 0
    let lastSeq = 0
    let outOfOrder = 0
    let baseline = 0
    const bytesPerSecond = 20 * 1024 * 1024
    const startedAt = Date.now()
    const done = new Promise<void>((resolve, reject) => {
      server.on("exit", (code) => reject(new Error(`server exited ${code}`)))
      server.stdout.setEncoding("utf8")
      server.stdout.on("data", (text: string) => {
        buffer += text
        let newline: number
        while ((newline = buffer.indexOf("\n")) !== -1) {
          const message = JSON.parse(buffer.slice(0, newline))
          buffer = buffer.slice(newline + 1)
          if (message.id === 1) {
            send({ method: "initialized", params: {} })
            // Warm up first: the first burst of output sizes V8's young generation
            // and compiles the hot path once; the bound is on what grows after.
            send({
              id: 3,
              method: "process/start",
              params: { processId: "warm-up", argv: ["head", "-c", "16777216", "/dev/zero"], cwd: "/tmp", env: {}, tty: false }
            })
          }
          if (message.method === "process/closed" && message.params.processId === "warm-up") {
            baseline = status(pid, "VmRSS")
            send({
              id: 2,
              method: "process/start",
              params: { processId: "flood", argv: ["seq", "1", String(lines)], cwd: "/tmp", env: { PATH: "/usr/bin:/bin" }, tty: false }
            })
          }
          if (message.method === "process/output" && message.params.processId === "flood") {
            if (message.params.seq !== lastSeq + 1) outOfOrder++
            lastSeq = message.params.seq
            const chunk = Buffer.from(message.params.chunk, "base64").toString("latin1")
            payloadBytes += chunk.length
            const parts = (carry + chunk).split("\n")
            carry = parts.pop()!
            for (const part of parts) {
              if (Number(part) !== expected) {
                reject(new Error(`expected ${expected}, got ${part}`))
                return
              }
              expected++
            }
          }
          if (message.method === "process/closed" && message.params.processId === "flood") resolve()
        }
        // Read no faster than the target rate.
        const ahead = payloadBytes / bytesPerSecond * 1000 - (Date.now() - startedAt)
        if (ahead > 5) {
          server.stdout.pause()
          setTimeout(() => server.stdout.resume(), ahead)
        }
      })
    })
    send({ id: 1, method: "initialize", params: { clientName: "slow" } })
    await done
    const peak = status(pid, "VmHWM")
    server.kill()
    expect(outOfOrder).toBe(0)
    expect(expected - 1).toBe(lines)
    expect(payloadBytes).toBeGreaterThanOrEqual(256 * 1024 * 1024)
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024)
  }, 120_000)
})

describe("backpressure per connection", () => {
  it("one stalled connection does not slow another connection's processes", async () => {
    const server = await startWebSocketServer()
    try {
      const stalled = await RawWebSocketClient.connect(server.url)
      const healthy = await RawWebSocketClient.connect(server.url)
      await stalled.handshake()
      await healthy.handshake()
      await stalled.request("process/start", pipeProcess("flood", ["bash", "-c", "exec cat /dev/zero"]))
      // Stop reading the socket: the server's queue to this client fills up and its process is paused.
      ;(stalled.socket as unknown as { _socket: { pause: () => void } })._socket.pause()
      await new Promise((resolve) => setTimeout(resolve, 500))
      const startedAt = Date.now()
      await healthy.request("process/start", pipeProcess("steady", ["head", "-c", String(32 * 1024 * 1024), "/dev/zero"]))
      await healthy.waitFor((m) => m.method === "process/closed" && m.params.processId === "steady", 20_000)
      expect(Date.now() - startedAt).toBeLessThan(15_000)
      const received = healthy.messages
        .filter((m) => m.method === "process/output" && m.params.processId === "steady")
        .reduce((total, m) => total + Buffer.from(m.params.chunk, "base64").length, 0)
      expect(received).toBe(32 * 1024 * 1024)
    } finally {
      server.stop()
    }
  }, 60_000)
})

describe("backpressure and detached sessions", () => {
  it("a detached session keeps reading into the retained ring, so its children finish; reads report the gap", async () => {
    const server = await startWebSocketServer(["--retained-output-bytes", String(1024 * 1024)])
    try {
      const first = await RawWebSocketClient.connect(server.url)
      const initialized = await first.request("initialize", { clientName: "detach", detachTtlMs: 30_000 })
      first.send({ method: "initialized", params: {} })
      // Stall the client so the session is paused, then drop it while paused.
      ;(first.socket as unknown as { _socket: { pause: () => void } })._socket.pause()
      // Its answer cannot be read any more; the process is started all the same.
      first.send({ id: 99, method: "process/start", params: pipeProcess("flood", ["head", "-c", String(64 * 1024 * 1024), "/dev/zero"]) })
      await new Promise((resolve) => setTimeout(resolve, 500))
      first.socket.terminate()

      const second = await RawWebSocketClient.connect(server.url)
      const resumed = await second.request("initialize", { clientName: "back", resumeSessionId: initialized.result.sessionId })
      expect(resumed.result.sessionId).toBe(initialized.result.sessionId)
      second.send({ method: "initialized", params: {} })
      let read = await second.request("process/read", { processId: "flood", afterSeq: 0, waitMs: 100 })
      for (let i = 0; i < 200 && !read.result.closed; i++) {
        read = await second.request("process/read", { processId: "flood", afterSeq: read.result.nextSeq - 1, waitMs: 1000 })
      }
      expect(read.result).toMatchObject({ exited: true, exitCode: 0, closed: true })
      const fromStart = await second.request("process/read", { processId: "flood", afterSeq: 0 })
      expect(fromStart.result.truncated).toBe(true)
      const retained = fromStart.result.chunks.reduce(
        (total: number, chunk: { chunk: string }) => total + Buffer.from(chunk.chunk, "base64").length,
        0
      )
      expect(retained).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024)
    } finally {
      server.stop()
    }
  }, 60_000)
})
