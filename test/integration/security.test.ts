/** Who may connect over WebSocket, and the limits that keep one client from knocking the server over. */
import { Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { WebSocket } from "ws"
import { afterAll, describe, expect, it } from "vitest"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import { pipeProcess, runToExit } from "../support/StdioServer.js"
import { RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const TOKEN = "correct horse battery staple"
const dir = mkdtempSync(Path.join(tmpdir(), "exec-server-sec-"))
const tokenFile = Path.join(dir, "token")
writeFileSync(tokenFile, `  ${TOKEN}\n`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const start = useWebSocketServers()

/** The HTTP status an upgrade gets (101 when the WebSocket opens). */
const upgradeStatus = (url: string, headers: Record<string, string> = {}): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
    socket.once("open", () => {
      socket.close()
      resolve(101)
    })
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    // terminate() after a refused upgrade reports an error too; the status is already known then.
    socket.on("error", (error) => {
      if (!/Unexpected server response|closed before the connection/.test(String(error.message))) reject(error)
    })
  })

/** The status of a plain HTTP GET (over a connection of its own), with the given headers; `host` replaces the URL's. */
const httpStatus = (url: string, path: string, headers: Record<string, string> = {}): Promise<number> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const request = Http.get({ hostname: hostname.replace(/^\[|\]$/g, ""), port, path, headers, agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on("error", reject)
  })

/** The port of a server's URL. */
const portOf = (url: string): number => Number(/:(\d+)$/.exec(url)![1])

/** The value of a Prometheus sample (name and labels as they start the line). */
const sample = (text: string, prefix: string): number | undefined => {
  const line = text.split("\n").find((entry) => entry.startsWith(prefix))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1))
}

describe("Host header (DNS rebinding)", () => {
  it("answers 421 to a Host it is not known by, on every endpoint and the upgrade, before the token; logs and counts it", async () => {
    const server = await start(["--ws-token-file", tokenFile, "--log-format", "json"])
    let stderr = ""
    server.child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const evil = { host: `evil.example:${portOf(server.url)}` }
    for (const path of ["/healthz", "/readyz", "/metrics", "/nope"]) {
      expect(await httpStatus(server.url, path, evil), path).toBe(421)
      expect(await httpStatus(server.url, path, { ...evil, authorization: `Bearer ${TOKEN}` }), path).toBe(421)
    }
    // Before the token is looked at: 421, not 401, with or without one.
    expect(await upgradeStatus(server.url, evil)).toBe(421)
    expect(await upgradeStatus(server.url, { ...evil, authorization: `Bearer ${TOKEN}` })).toBe(421)
    // Without any Host (HTTP/1.0) too.
    const noHost = await new Promise<string>((resolve) => {
      const socket = Net.connect(portOf(server.url), "127.0.0.1", () => socket.write("GET /healthz HTTP/1.0\r\n\r\n"))
      let answer = ""
      socket.on("data", (data) => answer += data)
      socket.on("close", () => resolve(answer))
    })
    expect(noHost).toMatch(/^HTTP\/1\.1 421 /)

    expect(await httpStatus(server.url, "/healthz")).toBe(200)
    const scrape = await fetch(`${server.url.replace("ws://", "http://")}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(scrape.status).toBe(200)
    // Upgrades are counted; plain requests only logged.
    expect(sample(await scrape.text(), 'exec_server_connections_refused_total{status="421"')).toBe(2)
    const refused = stderr.split("\n").filter((line) => line.includes("connection refused")).map((line) => JSON.parse(line))
    expect(refused.length).toBeGreaterThanOrEqual(11)
    expect(refused[0].annotations).toMatchObject({ status: 421, why: `host "evil.example:${portOf(server.url)}" not allowed` })
    expect(refused.some((line) => line.annotations.why === "no Host header")).toBe(true)
    expect(stderr).not.toContain(TOKEN)
  })

  it("answers to its listen address and localhost (any port, or none), and to --allow-host names", async () => {
    const server = await start(["--allow-host", "Exec.Example", "--allow-host", "pinned.example:8080"])
    const port = portOf(server.url)
    for (const host of [`127.0.0.1:${port}`, "127.0.0.1", "127.0.0.1:1", `localhost:${port}`, "LOCALHOST", "exec.example", `EXEC.example:${port}`, "pinned.example:8080"]) {
      expect(await httpStatus(server.url, "/healthz", { host }), host).toBe(200)
    }
    for (const host of ["pinned.example", "pinned.example:8081", `127.0.0.2:${port}`, `[::1]:${port}`, "evil.example", "exec.example.evil.example", "exec.example:x", "a@exec.example"]) {
      expect(await httpStatus(server.url, "/healthz", { host }), host).toBe(421)
    }
    expect(await upgradeStatus(server.url, { host: `exec.example:${port}` })).toBe(101)
    expect(await upgradeStatus(server.url, { host: `localhost:${port}` })).toBe(101)
    expect(await upgradeStatus(server.url, { host: `127.0.0.2:${port}` })).toBe(421)
  })

  it("answers to its IPv6 address in brackets, in any of its spellings", async () => {
    const server = await start(["--listen", "ws://[::1]:0"])
    const port = portOf(server.url)
    expect(await httpStatus(server.url, "/healthz", { host: `[::1]:${port}` })).toBe(200)
    expect(await httpStatus(server.url, "/healthz", { host: "[0:0:0:0:0:0:0:1]" })).toBe(200)
    expect(await httpStatus(server.url, "/healthz", { host: `127.0.0.1:${port}` })).toBe(421)
    expect(await upgradeStatus(server.url)).toBe(101)
  })

  it("takes any IP address as Host on a wildcard listener (an IP literal cannot be rebound), but no other name", async () => {
    const server = await start(["--listen", "ws://0.0.0.0:0", "--insecure-no-auth"])
    const url = `ws://127.0.0.1:${portOf(server.url)}`
    for (const host of ["10.1.2.3:8765", "192.168.0.7", "[fe80::1]:80", "127.0.0.1", "localhost"]) {
      expect(await httpStatus(url, "/healthz", { host }), host).toBe(200)
    }
    expect(await httpStatus(url, "/healthz", { host: "evil.example" })).toBe(421)
    expect(await upgradeStatus(url, { host: "192.168.0.7:8765" })).toBe(101)
    expect(await upgradeStatus(url, { host: "evil.example" })).toBe(421)
  })

  it("refuses malformed --allow-host values with exit code 2", () => {
    for (const bad of ["http://exec.example", "exec example", "::1", "exec.example:99999", "exec.example:"]) {
      const refused = runToExit(["--listen", "ws://127.0.0.1:0", "--allow-host", bad])
      expect(refused.status, bad).toBe(2)
      expect(refused.stderr, bad).toContain("--allow-host: expected NAME or NAME:PORT")
    }
  })
})

describe("WebSocket authentication", () => {
  it("refuses upgrades without the bearer token from --ws-token-file with 401, before any JSON-RPC", async () => {
    const server = await start(["--ws-token-file", tokenFile])
    expect(await upgradeStatus(server.url)).toBe(401)
    expect(await upgradeStatus(server.url, { authorization: "Bearer wrong" })).toBe(401)
    expect(await upgradeStatus(server.url, { authorization: `Basic ${TOKEN}` })).toBe(401)
    expect(await upgradeStatus(server.url, { authorization: `Bearer ${TOKEN}` })).toBe(101)
    const client = await RawWebSocketClient.connect(server.url, { authorization: `Bearer ${TOKEN}` })
    expect((await client.handshake()).result.protocolVersion).toBe("exec-server.v0")
  })

  it("accepts --ws-token-sha256, and the client library sends its token", async () => {
    const digest = createHash("sha256").update(TOKEN).digest("hex")
    const server = await start(["--ws-token-sha256", digest])
    expect(await upgradeStatus(server.url)).toBe(401)
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        return yield* client.exec(["echo", "authenticated"], { env: { PATH: "/usr/bin:/bin" }, cwd: "/tmp" })
      }).pipe(Effect.provide(ExecServerClient.layerWebSocket({ url: server.url, token: TOKEN })))
    )
    expect(Buffer.from(result.stdout).toString()).toBe("authenticated\n")
    const refused = await Effect.runPromise(
      Layer.build(ExecServerClient.layerWebSocket({ url: server.url, token: "nope" })).pipe(Effect.flip, Effect.scoped)
    )
    expect(refused._tag).toBe("Unauthorized")
    expect(refused.message).toContain("401")
  })

  it("refuses a non-loopback address without a token unless --insecure-no-auth", async () => {
    const refused = runToExit(["--listen", "ws://0.0.0.0:0"])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain("--ws-token-file")
    const insecure = await start(["--listen", "ws://0.0.0.0:0", "--insecure-no-auth"])
    const port = Number(/:(\d+)$/.exec(insecure.url)![1])
    expect(await upgradeStatus(`ws://127.0.0.1:${port}`)).toBe(101)
    const withToken = await start(["--listen", "ws://0.0.0.0:0", "--ws-token-file", tokenFile])
    expect(withToken.url).toMatch(/^ws:\/\/0\.0\.0\.0:\d+$/)
  })

  it("refuses bad token settings with exit code 2", () => {
    expect(runToExit(["--listen", "ws://127.0.0.1:0", "--ws-token-sha256", "abc"]).status).toBe(2)
    const empty = Path.join(dir, "empty")
    writeFileSync(empty, " \n")
    expect(runToExit(["--listen", "ws://127.0.0.1:0", "--ws-token-file", empty]).status).toBe(2)
  })

  it("refuses upgrades carrying an Origin unless it is allowed (cross-site WebSocket hijacking)", async () => {
    const server = await start(["--allow-origin", "https://ide.example"])
    expect(await upgradeStatus(server.url, { origin: "https://evil.example" })).toBe(403)
    expect(await upgradeStatus(server.url, { origin: "https://ide.example" })).toBe(101)
    expect(await upgradeStatus(server.url)).toBe(101)
  })
})

describe("limits", () => {
  it("refuses connections beyond --max-connections with 503 and accepts again when one closes", async () => {
    const server = await start(["--max-connections", "2"])
    const a = await RawWebSocketClient.connectReady(server.url)
    await RawWebSocketClient.connectReady(server.url) // the second of the two allowed
    expect(await upgradeStatus(server.url)).toBe(503)
    const closed = new Promise((resolve) => a.socket.once("close", resolve))
    a.socket.close()
    await closed
    let status = 0
    for (let attempt = 0; attempt < 50 && status !== 101; attempt++) {
      status = await upgradeStatus(server.url)
      if (status !== 101) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(status).toBe(101)
  })

  it("refuses processes beyond --max-processes per session with -32600; other sessions are not counted", async () => {
    const server = await start(["--max-processes", "2"])
    const a = await RawWebSocketClient.connectReady(server.url)
    const b = await RawWebSocketClient.connectReady(server.url)
    for (const id of ["one", "two"]) {
      expect((await a.request("process/start", pipeProcess(id, ["sleep", "30"]))).result).toEqual({ processId: id, sandboxType: "none" })
    }
    const third = await a.request("process/start", pipeProcess("three", ["sleep", "30"]))
    expect(third.error.code).toBe(-32600)
    expect(third.error.message).toContain("--max-processes")
    expect((await b.request("process/start", pipeProcess("one", ["sleep", "30"]))).result).toEqual({ processId: "one", sandboxType: "none" })
    // A finished process frees its place.
    await a.request("process/terminate", { processId: "one", mode: "force" })
    await a.waitFor((m) => m.method === "process/closed" && m.params.processId === "one")
    expect((await a.request("process/start", pipeProcess("three", ["true"]))).result).toEqual({ processId: "three", sandboxType: "none" })
  })

  it("refuses file handles beyond --max-file-handles per session with -32600, and a closed one frees its place", async () => {
    const server = await start(["--max-file-handles", "2"])
    const client = await RawWebSocketClient.connectReady(server.url)
    const open = (handleId: string) => client.request("fs/open", { handleId, path: "/etc/hostname" })
    expect((await open("a")).result).toEqual({ handleId: "a" })
    expect((await open("b")).result).toEqual({ handleId: "b" })
    const third = await open("c")
    expect(third.error.code).toBe(-32600)
    expect(third.error.message).toContain("close one first")
    expect((await client.request("fs/close", { handleId: "a" })).result).toEqual({})
    expect((await open("c")).result).toEqual({ handleId: "c" })
  })

  it("answers cheap requests while a long-poll is pending on the same connection", async () => {
    const server = await start([])
    const client = await RawWebSocketClient.connectReady(server.url)
    await client.request("process/start", pipeProcess("quiet", ["sleep", "30"]))
    const pending = client.request("process/read", { processId: "quiet", waitMs: 20_000 })
    const startedAt = Date.now()
    for (let i = 0; i < 50; i++) expect((await client.request("process/list", {})).result.processes).toHaveLength(1)
    expect(Date.now() - startedAt).toBeLessThan(10_000)
    await client.request("process/terminate", { processId: "quiet", mode: "force" })
    expect((await pending).result.exited).toBe(true)
  })

  it("closes a connection that trickles its upgrade request past --upgrade-timeout-ms", async () => {
    const server = await start(["--upgrade-timeout-ms", "1000"])
    const socket = halfOpen(server.url)
    const started = Date.now()
    // A header every 200 ms: the request would never end.
    const trickle = setInterval(() => socket.write(`X-Trickle-${Date.now()}: 1\r\n`), 200)
    await new Promise((resolve) => socket.once("close", resolve))
    clearInterval(trickle)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it("counts connections still in their upgrade against --max-connections until they time out", async () => {
    const server = await start(["--max-connections", "3", "--upgrade-timeout-ms", "1500"])
    const stalled = [halfOpen(server.url), halfOpen(server.url)]
    await Promise.all(stalled.map((socket) => new Promise((resolve) => socket.once("connect", resolve))))
    // Two places are held by half-open connections: one upgrade gets in, the next gets 503.
    const valid = await RawWebSocketClient.connectReady(server.url)
    expect(await upgradeStatus(server.url)).toBe(503)
    // A third half-open connection fills the limit: a fourth is closed as it arrives.
    stalled.push(halfOpen(server.url))
    await new Promise((resolve) => stalled[2]!.once("connect", resolve))
    const refused = halfOpen(server.url)
    await new Promise((resolve) => refused.once("close", resolve))
    // Once they time out, clients get in again; the valid client was never disturbed.
    await Promise.all(stalled.map((socket) => new Promise((resolve) => socket.once("close", resolve))))
    expect(await upgradeStatus(server.url)).toBe(101)
    expect((await valid.request("process/list", {})).result).toEqual({ processes: [] })
  })

  it("leaves a completed upgrade alone past the upgrade timeout", async () => {
    const server = await start(["--upgrade-timeout-ms", "300"])
    const client = await RawWebSocketClient.connectReady(server.url)
    await new Promise((resolve) => setTimeout(resolve, 800))
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    expect((await client.request("process/list", {})).result).toEqual({ processes: [] })
  })

  it("refuses an upgrade timeout below 1 ms with exit code 2", () => {
    const refused = runToExit(["--listen", "ws://127.0.0.1:0", "--upgrade-timeout-ms", "0"])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain("upgrade-timeout-ms")
  })

  it("refuses negative and meaningless numeric flags at start, naming the flag", () => {
    for (const [flag, value] of [["--grace-ms", "-5"], ["--max-processes", "0"], ["--max-connections", "0"], ["--retention-ms", "-1"]]) {
      const refused = runToExit([flag!, value!])
      expect(refused.status, flag).toBe(2)
      expect(refused.stderr).toContain(flag!.slice(2))
    }
    for (const args of [["--grace-ms", "soon"], ["--listen", "stdio://", "--max-processes=1.5"]]) {
      const notANumber = runToExit(args)
      expect(notANumber.status).toBe(2)
      const [flag, value] = args.at(-1)!.includes("=") ? args.at(-1)!.split("=") : args
      expect(notANumber.stderr).toContain(`${flag}: '${value}' is not a whole number`)
    }
  })
})

/** A TCP connection that sends the start of an upgrade request and no more. */
const halfOpen = (url: string): Net.Socket => {
  const { hostname, port } = new URL(url)
  const socket = Net.connect(Number(port), hostname, () => {
    socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\n`)
  })
  socket.on("error", () => {})
  return socket
}
