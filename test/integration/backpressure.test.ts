/**
 * A slow client over WebSocket: the server pauses the producing process
 * for the connection that does not read, not for the others, and a
 * detached session's processes are read at a bounded pace (the server in
 * process, on src/; a stdio client's pace and the server's memory:
 * backpressureMemory.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { eventually } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const startWebSocketServer = useInProcessWebSocketServers()

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
      await healthy.request("process/start", pipeProcess("steady", ["head", "-c", String(32 * 1024 * 1024), "/dev/zero"]))
      // Were it paused with the stalled one's, it would never finish: its end is awaited, not timed.
      await healthy.waitFor((m) => m.method === "process/closed" && m.params.processId === "steady")
      const received = healthy.messages
        .filter((m) => m.method === "process/output" && m.params.processId === "steady")
        .reduce((total, m) => total + Buffer.from(m.params.chunk, "base64").length, 0)
      expect(received).toBe(32 * 1024 * 1024)
    } finally {
      await server.stop()
    }
  })
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
      // 24 MiB: 24 times the ring, 2.4 s of detached pacing.
      first.send({ id: 99, method: "process/start", params: pipeProcess("flood", ["head", "-c", String(24 * 1024 * 1024), "/dev/zero"]) })
      await new Promise((resolve) => setTimeout(resolve, 500))
      first.socket.terminate()

      const second = await RawWebSocketClient.connect(server.url)
      const resumed = await second.request("initialize", { clientName: "back", resumeSessionId: initialized.result.sessionId })
      expect(resumed.result.sessionId).toBe(initialized.result.sessionId)
      second.send({ method: "initialized", params: {} })
      let read = await second.request("process/read", { processId: "flood", afterSeq: 0, waitMs: 100 })
      // Reads return at once while there is output to read; were the process not read while
      // detached, it would still be blocked on its pipe and this would never end.
      while (!read.result.closed) {
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
      await server.stop()
    }
  })

  it("a detached session's flood nobody reads is read at most about 10 MiB/s (1 MiB, then a 100 ms pause), and streams to the connection that attaches", async () => {
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
      // Attached again, flow control paces it instead: reads get the latest output, and the flood
      // reaches this connection as it is written. (That the detached pauses end at once is
      // processTable.test.ts's: a rate compared with the detached one measures only the CPU on a
      // loaded machine, where both paths are slowed and the attached one does more per byte.)
      const read = await second.request("process/read", { processId: "flood", afterSeq: 0, maxBytes: 1024 })
      expect(read.result.closed).toBe(false)
      const before = written()
      await second.waitFor((m) => m.method === "process/output" && m.params.processId === "flood" && written() > before + 4 * 1024 * 1024, 20_000)
      await second.request("process/terminate", { processId: "flood" })
      second.socket.close()
    } finally {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
