/**
 * A slow client: the server pauses the producing process instead of
 * buffering, loses nothing, and keeps its memory bounded.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { commOf, descendantsOf, peakRssOf, rssOf, schedulingOf } from "../support/procfs.js"
import { eventually, keepStderr, pipeProcess, ptyProcess, serverArgs } from "../support/StdioServer.js"
import { RawWebSocketClient, startWebSocketServer } from "../support/WebSocketServer.js"

/** The server's `seq` child, if it still runs. */
const seqUnder = (serverPid: number): number | undefined =>
  descendantsOf(serverPid).find((pid) => commOf(pid) === "seq" && schedulingOf(pid)?.state !== "Z")

/**
 * A server on stdio and a bare line client whose reading a test paces by
 * pausing and resuming `server.stdout`. `run` hands every message to
 * `onMessage` and resolves once it returns true.
 */
const startRawServer = () => {
  const server = spawn(process.execPath, serverArgs(), { stdio: ["pipe", "pipe", "pipe"] })
  keepStderr("the server", server.stderr)
  const send = (message: unknown) => server.stdin.write(JSON.stringify(message) + "\n")
  const run = (onMessage: (message: any) => boolean | void, afterRead: () => void = () => {}) =>
    new Promise<void>((resolve, reject) => {
      let buffer = ""
      server.on("exit", (code) => reject(new Error(`server exited ${code}`)))
      server.stdout.setEncoding("utf8")
      server.stdout.on("data", (text: string) => {
        buffer += text
        let newline: number
        while ((newline = buffer.indexOf("\n")) !== -1) {
          const message = JSON.parse(buffer.slice(0, newline))
          buffer = buffer.slice(newline + 1)
          try {
            if (onMessage(message) === true) resolve()
          } catch (error) {
            reject(error)
          }
        }
        afterRead()
      })
      send({ id: 1, method: "initialize", params: { clientName: "raw" } })
    })
  return { server, pid: server.pid!, send, run }
}

/** Follows the output of `seq 1 N`, chunk by chunk: the count must go on without a gap, in seq order. */
class CountFollower {
  counted = 0
  payloadBytes = 0
  outOfOrder = 0
  private lastSeq = 0
  private carry = ""

  constructor(private readonly lineEnd: string) {}

  push(params: { readonly seq: number; readonly chunk: string }): void {
    if (params.seq !== this.lastSeq + 1) this.outOfOrder++
    this.lastSeq = params.seq
    const chunk = Buffer.from(params.chunk, "base64").toString("latin1")
    this.payloadBytes += chunk.length
    const lines = (this.carry + chunk).split(this.lineEnd)
    this.carry = lines.pop()!
    for (const line of lines) {
      if (Number(line) !== this.counted + 1) throw new Error(`expected ${this.counted + 1}, got ${JSON.stringify(line.slice(0, 40))}`)
      this.counted++
    }
  }
}

const isEvent = (message: any, method: string, processId: string) =>
  message.method === method && message.params.processId === processId

/**
 * A raw server that, after the handshake, runs a 16 MiB warm-up (it sizes
 * V8's young generation and compiles the hot path once: the memory bounds
 * are on what grows after), then takes the server's RSS as the baseline and
 * starts process "flood" as request 3. Each message must go through `step`.
 */
const startFlood = (
  processOf: (processId: string, argv: ReadonlyArray<string>) => unknown,
  floodArgv: ReadonlyArray<string>
) => {
  const raw = startRawServer()
  let baseline = 0
  return {
    ...raw,
    baseline: () => baseline,
    step: (message: any) => {
      if (message.id === 1) {
        raw.send({ method: "initialized", params: {} })
        raw.send({ id: 2, method: "process/start", params: processOf("warm-up", ["head", "-c", "16777216", "/dev/zero"]) })
      }
      if (isEvent(message, "process/closed", "warm-up")) {
        baseline = rssOf(raw.pid)
        raw.send({ id: 3, method: "process/start", params: processOf("flood", floodArgv) })
      }
    }
  }
}

describe("backpressure", () => {
  it("delivers 256 MiB in order to a client reading at ~20 MB/s with bounded server memory", async () => {
    const lines = 31_100_000
    const { baseline, pid, run, server, step } = startFlood(pipeProcess, ["seq", "1", String(lines)])
    const flood = new CountFollower("\n")
    const bytesPerSecond = 20 * 1024 * 1024
    const startedAt = Date.now()
    let seqAtHalf: number | undefined
    await run((message) => {
      step(message)
      if (isEvent(message, "process/output", "flood")) {
        flood.push(message.params)
        if (seqAtHalf === undefined && flood.counted >= lines / 2) seqAtHalf = seqUnder(pid) ?? 0
      }
      return isEvent(message, "process/closed", "flood")
    }, () => {
      // Read no faster than the target rate.
      const ahead = flood.payloadBytes / bytesPerSecond * 1000 - (Date.now() - startedAt)
      if (ahead > 5) {
        server.stdout.pause()
        setTimeout(() => server.stdout.resume(), ahead)
      }
    })
    const peak = peakRssOf(pid)
    server.kill()
    expect(flood.outOfOrder).toBe(0)
    expect(flood.counted).toBe(lines)
    expect(flood.payloadBytes).toBeGreaterThanOrEqual(256 * 1024 * 1024)
    // `seq` writes the whole 256 MiB in about a second: a server that read ahead
    // of this client would have reaped it long before the client's half-way mark.
    // Held to the outbound watermark (8 MiB) and two pipes, it still waits there.
    expect(seqAtHalf, "seq still running when the client has read half").toBeGreaterThan(0)
    // The peak also holds V8's uncollected garbage of ~340 MiB of JSON passing
    // through (each notification waits in the outbound queue long enough to be
    // promoted, so the peak follows when V8 next collects the old generation):
    // 51-80 MiB measured alone, 96.3 once amid a whole suite on 2 cores. A
    // server that buffered the stream would hold the 340 MiB itself.
    expect(peak - baseline()).toBeLessThan(128 * 1024 * 1024)
  }, 120_000)
})

describe("backpressure on a terminal", () => {
  it("stops reading a PTY while the client does not read, then delivers every line in order", async () => {
    const lines = 10_000_000
    const { baseline, pid, run, server, step } = startFlood(ptyProcess, ["seq", "1", String(lines)])
    // A terminal ends lines with CR LF.
    const flood = new CountFollower("\r\n")
    let stalledPeak = 0
    // Whether `seq` sat blocked on the full terminal (no CPU for 500 ms) while the client did not read.
    let blocked = false
    await run((message) => {
      step(message)
      if (message.id === 3) {
        // A client that stops reading: the server must stop reading the terminal, so
        // `seq` blocks. It reads again once seq has been seen blocked (a busy machine
        // takes longer to get there), or after 20 s, when the test fails.
        server.stdout.pause()
        const stalledAt = Date.now()
        let lastTicks: number | undefined
        let unchangedSince = Date.now()
        const watch = setInterval(() => {
          stalledPeak = Math.max(stalledPeak, rssOf(pid))
          const seq = seqUnder(pid)
          const ticks = seq === undefined ? undefined : schedulingOf(seq)?.cpuTicks
          if (ticks === undefined || ticks !== lastTicks) {
            lastTicks = ticks
            unchangedSince = Date.now()
          } else if (Date.now() - unchangedSince >= 500) {
            blocked = true
          }
          if (blocked || Date.now() - stalledAt > 20_000) {
            clearInterval(watch)
            server.stdout.resume()
          }
        }, 50)
      }
      if (isEvent(message, "process/output", "flood")) flood.push(message.params)
      return isEvent(message, "process/closed", "flood")
    })
    server.kill()
    expect(flood.outOfOrder).toBe(0)
    expect(flood.counted).toBe(lines)
    expect(blocked, "seq blocked on the full terminal while the client did not read").toBe(true)
    // Flow control holds it near the outbound high watermark (8 MiB; 15-18 MiB of
    // growth measured); unpaused, the server read on and grew by ~75 MiB.
    expect(stalledPeak - baseline()).toBeLessThan(32 * 1024 * 1024)
  }, 60_000)
})

describe("backpressure per connection", () => {
  it("one stalled connection does not slow another connection's processes", async () => {
    const server = await startWebSocketServer()
    try {
      const stalled = await RawWebSocketClient.connectReady(server.url)
      const healthy = await RawWebSocketClient.connectReady(server.url)
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
      // Reads return at once while there is output to read: bounded by time, not by their count.
      const deadline = Date.now() + 20_000
      while (!read.result.closed && Date.now() < deadline) {
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

  it("a detached session's flood nobody reads is read at most about 10 MiB/s (1 MiB, then a 100 ms pause), and at full speed again once attached", async () => {
    const server = await startWebSocketServer()
    const dir = mkdtempSync(Path.join(tmpdir(), "detached-flood-"))
    try {
      const counter = Path.join(dir, "written")
      // Writes 64 KiB blocks as fast as they are taken, and says how many bytes went out so far
      // (replacing the count whole: a reader never sees it half written).
      const writer = [
        "python3", "-c",
        `import os\nb = bytes(65536)\nn = 0\nwhile True:\n  os.write(1, b); n += 1\n  if n % 16 == 0:\n    open(${JSON.stringify(counter + ".new")}, "w").write(str(n * 65536)); os.replace(${JSON.stringify(counter + ".new")}, ${JSON.stringify(counter)})`
      ]
      const written = () => {
        try {
          return Number(readFileSync(counter, "utf8")) || 0
        } catch {
          return 0
        }
      }
      const rate = async () => {
        const before = written()
        const startedAt = Date.now()
        await new Promise((resolve) => setTimeout(resolve, 2000))
        return (written() - before) / ((Date.now() - startedAt) / 1000) / (1024 * 1024)
      }
      const first = await RawWebSocketClient.connect(server.url)
      const initialized = await first.request("initialize", { clientName: "flood", detachTtlMs: 60_000 })
      first.send({ method: "initialized", params: {} })
      await first.request("process/start", pipeProcess("flood", writer))
      first.socket.terminate()
      // The server saw the drop, and the writer has started (a loaded machine may take seconds to start an interpreter).
      expect(await eventually(() => server.stderr().includes("session detached"), 15_000)).toBe(true)
      expect(await eventually(() => written() > 0, 15_000)).toBe(true)
      // Before, the server read a detached flood as fast as it came: hundreds of MiB/s, half a core.
      const detachedRate = await rate()
      expect(detachedRate, `MiB/s detached; the server said:\n${server.stderr().slice(-3000)}`).toBeGreaterThan(1)
      expect(detachedRate).toBeLessThan(30)

      const second = await RawWebSocketClient.connect(server.url)
      await second.request("initialize", { clientName: "back", resumeSessionId: initialized.result.sessionId })
      second.send({ method: "initialized", params: {} })
      // Attached again, flow control paces it instead: reads get the latest output, and it runs faster than it could detached.
      const read = await second.request("process/read", { processId: "flood", afterSeq: 0, maxBytes: 1024 })
      expect(read.result.closed).toBe(false)
      const attachedRate = await rate()
      expect(attachedRate).toBeGreaterThan(detachedRate)
      await second.request("process/terminate", { processId: "flood" })
      second.socket.close()
    } finally {
      server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
