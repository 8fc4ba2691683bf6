/**
 * The built binary as a WebSocket server, where only its own process shows
 * what it does: its exit code on a bad --listen and on SIGTERM, its resident
 * memory under large frames, the end of its stdin (--exit-on-stdin-close).
 * The protocol over WebSocket is in websocket.test.ts, in process.
 */
import { describe, expect, it } from "vitest"
import { eventually, isAlive, pipeProcess, ptyProcess, runToExit } from "../support/StdioServer.js"
import { peakRssOf, rssOf } from "../support/procfs.js"
import { RawWebSocketClient, unmaskedFrames, useWebSocketServers } from "../support/WebSocketServer.js"

const start = useWebSocketServers()

describe("WebSocket listener", () => {
  it("refuses host names, other schemes and malformed URLs with exit code 2", () => {
    for (const bad of ["ws://localhost:0", "http://127.0.0.1:0", "ws://127.0.0.1", "ws://[::1:0"]) {
      const result = runToExit(["--listen", bad])
      expect(result.status, bad).toBe(2)
      expect(result.stderr, bad).toContain("--listen")
    }
  })
})

/** What 32 large frames arriving at once may add to the server's peak (the budget, the message that goes on, copies not yet collected). */
const PEAK_BOUND = 384 * 1024 * 1024

describe("processes over WebSocket", () => {
  it("gives back the memory a burst of oversized frames took: 16 frames of 32 MiB at once are answered -32600, and the server is small again", async () => {
    const server = await start()
    const pid = server.child.pid!
    // Over --max-message-bytes (16 MiB), under the hard cap (twice it): buffered whole, then answered.
    const frame = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "process/list", params: { pad: "x".repeat(32 * 1024 * 1024 - 100) } })
    const clients = await Promise.all(Array.from({ length: 16 }, () => RawWebSocketClient.connectReady(server.url)))
    // Measured with the connections open, so that only what the frames took is compared.
    const before = rssOf(pid)
    for (const client of clients) client.socket.send(frame)
    for (const client of clients) expect((await client.waitFor((m) => m.error !== undefined, 60_000)).error.code).toBe(-32600)
    // About 470 MiB more stayed resident for as long as the server was idle; now it goes back within a second or two,
    // to 30-60 MiB above where it was on an idle machine (more on a loaded one, where V8's background threads lag).
    const bound = before + 160 * 1024 * 1024
    await eventually(() => rssOf(pid) < bound, 20_000)
    expect(rssOf(pid) >> 20, `MiB resident, from ${before >> 20} MiB before the burst`).toBeLessThan(bound >> 20)
    // And the connections go on.
    expect((await clients[0]!.request("process/list", {})).result).toEqual({ processes: [] })
    for (const client of clients) client.socket.close()
  }, 120_000)

  it("bounds the memory of large messages arriving at once: 32 frames of 32 MiB peak far below their gigabyte, and a small request is answered meanwhile", async () => {
    const server = await start()
    const pid = server.child.pid!
    const frame = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "process/list", params: { pad: "x".repeat(32 * 1024 * 1024 - 100) } }))
    const clients = await Promise.all(Array.from({ length: 32 }, () => RawWebSocketClient.connectReady(server.url, {}, unmaskedFrames)))
    const small = await RawWebSocketClient.connectReady(server.url)
    const before = rssOf(pid)
    for (const client of clients) client.socket.send(frame)
    // A gigabyte read beside the rest of a loaded suite's files can take minutes: the waits are the test's own.
    const answers = clients.map((client) => client.waitFor((m) => m.error !== undefined, 280_000))
    let lastLarge = 0
    for (const answer of answers) void answer.then(() => (lastLarge = Date.now()), () => undefined)
    // Every answer awaited together, so that one's failure leaves no other unhandled.
    const allAnswered = Promise.all(answers)
    void allAnswered.catch(() => undefined)
    // Messages that stay small never wait for the large ones.
    expect((await small.request("process/list", {})).result).toEqual({ processes: [] })
    const smallAnsweredAt = Date.now()
    for (const answer of await allAnswered) expect(answer.error.code).toBe(-32600)
    expect(smallAnsweredAt).toBeLessThan(lastLarge)
    // Every frame was buffered at once before: the peak was 860-990 MiB above where it was (about 165 MiB now).
    expect(peakRssOf(pid) - before).toBeLessThan(PEAK_BOUND)
    for (const client of [...clients, small]) client.socket.close()
  }, 300_000)

  it("terminates every process of every connection on SIGTERM and exits 0", async () => {
    const server = await start()
    const a = await RawWebSocketClient.connectReady(server.url)
    const b = await RawWebSocketClient.connectReady(server.url)
    await a.request("process/start", pipeProcess("a", ["bash", "-c", "echo $$; sleep 60"]))
    await b.request("process/start", ptyProcess("b", ["bash", "-c", "echo $$; sleep 60"]))
    await a.outputContains("a", "\n")
    await b.outputContains("b", "\n")
    const pids = [Number(a.outputOf("a").trim()), Number(b.outputOf("b").trim())]
    server.child.kill("SIGTERM")
    expect(await server.exited).toBe(0)
    expect(await eventually(() => !pids.some(isAlive))).toBe(true)
  })
})

describe("--exit-on-stdin-close", () => {
  it("stops as on SIGTERM when the parent closes its stdin: exit 0, every process gone (the flag, or the variable true)", async () => {
    const ways: Array<[ReadonlyArray<string>, Record<string, string>]> = [
      [["--exit-on-stdin-close"], {}],
      [[], { CODEX_EXEC_SERVER_EXIT_ON_STDIN_CLOSE: "true" }]
    ]
    for (const [args, env] of ways) {
      const server = await start(args, { stdin: "pipe", env })
      const client = await RawWebSocketClient.connectReady(server.url)
      await client.request("process/start", pipeProcess("p", ["bash", "-c", "echo $$; sleep 60"]))
      await client.outputContains("p", "\n")
      const pid = Number(client.outputOf("p").trim())
      // What arrives on stdin is read and dropped; only its end counts.
      server.child.stdin!.write("anything\n")
      expect(server.child.exitCode).toBeNull()
      server.child.stdin!.end()
      expect(await server.exited).toBe(0)
      expect(await eventually(() => !isAlive(pid))).toBe(true)
    }
  })

  it("without it, or with the variable false, the end of stdin changes nothing; other values of the variable are refused", async () => {
    // stdin is /dev/null: at its end from the start.
    const server = await start([], { env: { CODEX_EXEC_SERVER_EXIT_ON_STDIN_CLOSE: "false" } })
    const client = await RawWebSocketClient.connectReady(server.url)
    expect((await client.request("process/list", {})).result).toEqual({ processes: [] })
    expect(server.child.exitCode).toBeNull()
    for (const value of ["1", "yes", "TRUE", ""]) {
      const refused = runToExit(["--listen", "ws://127.0.0.1:0"], { CODEX_EXEC_SERVER_EXIT_ON_STDIN_CLOSE: value })
      expect(refused.status, value).toBe(2)
      expect(refused.stderr, value).toContain("CODEX_EXEC_SERVER_EXIT_ON_STDIN_CLOSE must be true or false")
    }
    // A stdio server stops at the end of its input anyway: the flag is taken there and changes nothing.
    expect(runToExit(["--exit-on-stdin-close"]).status).toBe(0)
  })
})
