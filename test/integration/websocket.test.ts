/**
 * A WebSocket server (the server in process, on src/), with real sockets and
 * processes. What only the binary's own process shows (exit codes, SIGTERM,
 * its resident memory, its stdin) is in websocketProcess.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { isAlive } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess, ptyProcess } from "../support/WireClient.js"

const base64 = (text: string) => Buffer.from(text).toString("base64")

const start = useInProcessWebSocketServers()

describe("WebSocket listener", () => {
  it("announces its real port in one stderr line when asked for port 0", async () => {
    const server = await start()
    // Its first line (as the binary's banner is), not only the text the harness found.
    expect(server.stderr().split("\n")[0]).toMatch(/listening on ws:\/\/127\.0\.0\.1:\d+$/)
    expect(server.url).not.toMatch(/:0$/)
  })

  it("listens on IPv6 loopback", async () => {
    const server = await start(["--listen", "ws://[::1]:0"])
    expect(server.url).toMatch(/^ws:\/\/\[::1\]:\d+$/)
    const client = await RawWebSocketClient.connect(server.url)
    expect((await client.handshake()).result.protocolVersion).toBe("exec-server.v0")
  })
})

describe("processes over WebSocket", () => {
  it("runs the PTY echo session", async () => {
    const server = await start()
    const client = await RawWebSocketClient.connectReady(server.url)
    const script = "printf 'ready\\n'; while IFS= read -r line; do printf 'echo:%s\\n' \"$line\"; done"
    expect((await client.request("process/start", ptyProcess("proc-1", ["bash", "-c", script]))).result)
      .toEqual({ processId: "proc-1", sandboxType: "none" })
    await client.outputContains("proc-1", "ready")
    await client.request("process/write", { processId: "proc-1", chunk: base64("hello\n") })
    await client.outputContains("proc-1", "echo:hello")
  })

  it("accepts binary frames holding UTF-8 JSON and answers bad JSON without closing", async () => {
    const server = await start()
    const client = await RawWebSocketClient.connect(server.url)
    client.socket.send(Buffer.from(JSON.stringify({ id: "bin", method: "initialize", params: { clientName: "b" } })))
    expect((await client.waitFor((m) => m.id === "bin")).result.protocolVersion).toBe("exec-server.v0")
    client.send("{oops")
    expect((await client.waitFor((m) => m.error?.code === -32700)).id).toBeNull()
    client.send({ method: "initialized", params: {} })
    expect((await client.request("process/list", {})).result).toEqual({ processes: [] })
  })

  it("refuses a frame over the size limit with -32600 and keeps the connection", async () => {
    const server = await start(["--max-message-bytes", "1024"])
    const client = await RawWebSocketClient.connectReady(server.url)
    client.send({ id: 9, method: "process/list", params: { pad: "x".repeat(2000) } })
    expect((await client.waitFor((m) => m.error?.code === -32600)).error.message).toContain("1024")
    expect((await client.request("process/list", {})).result).toEqual({ processes: [] })
  })

  it("isolates two clients; an abrupt disconnect kills only the disconnected client's processes (sessions not kept: --dropped-session-ttl-ms 0)", async () => {
    const server = await start(["--dropped-session-ttl-ms", "0"])
    const dir = mkdtempSync(Path.join(tmpdir(), "exec-server-ws-"))
    try {
      const doomed = await RawWebSocketClient.connectReady(server.url)
      const survivor = await RawWebSocketClient.connectReady(server.url)
      const marker = Path.join(dir, "marker")
      await doomed.request("process/start", pipeProcess("same-id", ["bash", "-c", `sleep 2; touch ${marker}`]))
      await survivor.request("process/start", pipeProcess("same-id", ["bash", "-c", "echo $$; sleep 30"]))
      await survivor.outputContains("same-id", "\n")
      const survivorPid = Number(survivor.outputOf("same-id").trim())
      expect((await doomed.request("process/list", {})).result.processes).toHaveLength(1)

      doomed.socket.terminate()
      await new Promise((resolve) => setTimeout(resolve, 3000))
      expect(existsSync(marker)).toBe(false)
      expect(isAlive(survivorPid)).toBe(true)
      const list = await survivor.request("process/list", {})
      expect(list.result.processes.map((p: { running: boolean }) => p.running)).toEqual([true])
      // The server keeps accepting.
      const late = await RawWebSocketClient.connect(server.url)
      expect((await late.handshake()).result.protocolVersion).toBe("exec-server.v0")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("keeps a peer that answers no ping while its bytes arrive: a pong behind a large frame comes only after it", async () => {
    const server = await start(["--ping-interval-ms", "500"])
    const client = await RawWebSocketClient.connectReady(server.url)
    ;(client.socket as unknown as { pong: () => void }).pong = () => {}
    client.socket.removeAllListeners("ping")
    let closed = false
    client.socket.once("close", () => (closed = true))
    // One text frame (masked with zeros: the payload as it is) whose 60,000 bytes take six ping
    // intervals to arrive, 1,000 every 50 ms, and never a pong.
    const payload = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "process/list", params: { pad: "x".repeat(59_940) } }))
    const header = Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff, 0, 0, 0, 0])
    const raw = (client.socket as unknown as { _socket: { write: (bytes: Buffer) => void } })._socket
    raw.write(header)
    for (let offset = 0; offset < payload.length && !closed; offset += 1000) {
      raw.write(payload.subarray(offset, offset + 1000))
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(closed).toBe(false)
    expect((await client.waitFor((m) => m.id === 7)).result).toEqual({ processes: [] })
  })

  it("disconnects a peer that stops answering pings", async () => {
    const server = await start(["--ping-interval-ms", "100"])
    const client = await RawWebSocketClient.connectReady(server.url)
    // A peer whose pongs never arrive: stop ws from answering pings automatically.
    ;(client.socket as unknown as { pong: () => void }).pong = () => {}
    client.socket.removeAllListeners("ping")
    const closed = new Promise<number>((resolve) => client.socket.once("close", (code) => resolve(code)))
    const code = await closed
    expect(code).toBe(1006)
  })
})
