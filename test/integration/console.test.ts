/**
 * The web console's server side, from Node: login links, the cookie, who may
 * open `/console/ws`, what its connections may ask, and the acknowledgement
 * window that paces their output, on servers in the test's process (the
 * page is the run's build of src/console/page: test/support/sourcesBuild.ts).
 * The command line's side (console-url, the flags' refusals, a key
 * directory that stops the start) is consoleProcess.test.ts's, on the
 * binary; test/browser/console.test.ts drives the page itself in Chromium.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import type * as Net from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import * as Jose from "jose"
import { statSync } from "node:fs"
import { defaultKeyDirectory, defaultKeyFile } from "../../src/console/consoleKey.js"
import { workspaceWrite } from "../support/codexSandbox.js"
import { consoleClient, consoleUpgradeHeaders, keyHeader, keyProtocols, linkSecret, login, operatorKey, originOf } from "../support/consoleLogin.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { eventually } from "../support/waiting.js"
import { httpRequest, RawWebSocketClient, upgradeStatus } from "../support/WebSocketClient.js"

const start = useInProcessWebSocketServers()
const dir = mkdtempSync(Path.join(tmpdir(), "exec-server-console-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const decoded = (chunks: ReadonlyArray<{ chunk: string }>): string =>
  Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.chunk, "base64"))).toString()

describe("web console: login", () => {
  it("trades a link once for an HttpOnly, SameSite=Strict cookie valid on /console only, named by port, and a key", async () => {
    const server = await start(["--console"])
    const secret = await linkSecret(server.url)
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const first = await login(server.url, secret)
    expect(first.status).toBe(200)
    expect(first.key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const setCookie = first.headers["set-cookie"]![0]!
    expect(setCookie).toMatch(new RegExp(`^exec_server_console_${new URL(server.url).port}=[A-Za-z0-9_-]{43};`))
    expect(setCookie).toContain("HttpOnly")
    expect(setCookie).toContain("SameSite=Strict")
    expect(setCookie).toContain("Path=/console")
    expect((await login(server.url, secret)).status).toBe(403)
    expect((await login(server.url, "not-a-link")).status).toBe(403)
    expect((await httpRequest(server.url, "/console/session", { headers: { cookie: first.cookie!, ...keyHeader(first.key) } })).status).toBe(204)
    expect((await httpRequest(server.url, "/console/session")).status).toBe(401)
    // The cookie alone, which a browser sends to every port of this host, is not a session; nor the key alone.
    expect((await httpRequest(server.url, "/console/session", { headers: { cookie: first.cookie! } })).status).toBe(401)
    expect((await httpRequest(server.url, "/console/session", { headers: keyHeader(first.key) })).status).toBe(401)
    // Logins are in the server's log, by peer; neither the link nor the cookie is.
    expect(await eventually(() => /message="console login" peer=127\.0\.0\.1:\d+/.test(server.stderr()))).toBe(true)
    expect(await eventually(() => /message="console login refused"/.test(server.stderr()))).toBe(true)
    expect(server.stderr()).not.toContain(secret)
    expect(server.stderr()).not.toContain(first.cookie!.split("=")[1]!)
    expect(server.stderr()).not.toContain(first.key!)
  })

  it("refuses a login posted from another origin, without one, or to another Host", async () => {
    const server = await start(["--console"])
    const secret = await linkSecret(server.url)
    const post = (headers: Record<string, string>) =>
      httpRequest(server.url, "/console/login", { method: "POST", headers, body: secret })
    expect((await post({ origin: "http://evil.example" })).status).toBe(403)
    expect((await post({})).status).toBe(403)
    expect((await post({ origin: "http://evil.example", host: "evil.example" })).status).toBe(421)
    // None of them used the link up.
    expect((await login(server.url, secret)).status).toBe(200)
  })

  it("refuses a login body over 1 KiB, and marks the cookie Secure when the page came over https", async () => {
    const server = await start(["--console"])
    const origin = originOf(server.url)
    const big = await httpRequest(server.url, "/console/login", { method: "POST", headers: { origin }, body: "x".repeat(64 * 1024) })
    expect(big.status).toBe(413)
    // A TLS proxy in front: the page's origin is https, the Host the same.
    const secret = await linkSecret(server.url)
    const behindTls = await httpRequest(server.url, "/console/login", {
      method: "POST",
      headers: { origin: origin.replace(/^http:/, "https:") },
      body: secret
    })
    expect(behindTls.status).toBe(200)
    expect(behindTls.headers["set-cookie"]![0]).toContain("Secure")
    expect((await login(server.url, await linkSecret(server.url))).headers["set-cookie"]![0]).not.toContain("Secure")
  })

  it("opens /console/ws only with a live cookie and its key, the console's Origin and an allowed Host", async () => {
    const server = await start(["--console"])
    const { cookie, key } = await login(server.url, await linkSecret(server.url))
    const consoleWs = `${server.url}/console/ws`
    const origin = originOf(server.url)
    const offered = keyProtocols(key)
    expect(await upgradeStatus(consoleWs, { origin, ...offered })).toBe(401)
    const forged = `exec_server_console_${new URL(server.url).port}=forged`
    expect(await upgradeStatus(consoleWs, { origin, cookie: forged, ...offered })).toBe(401)
    // The cookie with the Origin but without the key: what another web server on this host could replay.
    expect(await upgradeStatus(consoleWs, { origin, cookie: cookie! })).toBe(401)
    expect(await upgradeStatus(consoleWs, { origin, cookie: cookie!, ...keyProtocols("forged") })).toBe(401)
    expect(await upgradeStatus(consoleWs, { origin: "http://evil.example", cookie: cookie!, ...offered })).toBe(403)
    expect(await upgradeStatus(consoleWs, { cookie: cookie!, ...offered })).toBe(403)
    expect(await upgradeStatus(consoleWs, { origin: "http://rebound.example", host: "rebound.example", cookie: cookie!, ...offered })).toBe(421)
    expect(await upgradeStatus(consoleWs, { origin, cookie: cookie!, ...offered })).toBe(101)
    expect(await eventually(() => /message="connection opened" transport=websocket peer=\S+ surface=console/.test(server.stderr()))).toBe(true)
    const logged = /connection refused" why="console: origin http:\/\/evil\.example is not the console's".* status=403/
    expect(await eventually(() => logged.test(server.stderr()))).toBe(true)
  })

  it("never lets the cookie open the JSON-RPC endpoint, which keeps its bearer token", async () => {
    const tokenFile = Path.join(dir, "token")
    writeFileSync(tokenFile, "console-test-token\n")
    const server = await start(["--console", "--ws-token-file", tokenFile])
    const bearer = { authorization: "Bearer console-test-token" }
    const { cookie, key } = await login(server.url, await linkSecret(server.url, bearer))
    const origin = originOf(server.url)
    expect(await upgradeStatus(server.url, { cookie: cookie!, ...keyProtocols(key) })).toBe(401)
    expect(await upgradeStatus(server.url, { cookie: cookie!, origin, ...keyProtocols(key) })).toBe(403)
    expect(await upgradeStatus(`${server.url}/anything`, { cookie: cookie!, ...keyProtocols(key) })).toBe(401)
    // The console's own path takes the cookie and key instead of the token.
    expect(await upgradeStatus(`${server.url}/console/ws`, { cookie: cookie!, origin, ...keyProtocols(key) })).toBe(101)
    // A link is only for those who hold the token.
    expect(await upgradeStatus(server.url)).toBe(401)
  })

  it("logs out, and a restart revokes every cookie", async () => {
    const first = await start(["--console"])
    const { cookie, key } = await login(first.url, await linkSecret(first.url))
    const origin = originOf(first.url)
    expect((await httpRequest(first.url, "/console/session", { headers: { cookie: cookie!, ...keyHeader(key) } })).status).toBe(204)
    const out = await httpRequest(first.url, "/console/logout", { method: "POST", headers: { origin, cookie: cookie!, ...keyHeader(key) } })
    expect(out.status).toBe(204)
    expect(out.headers["set-cookie"]![0]).toMatch(/Max-Age=0/)
    expect((await httpRequest(first.url, "/console/session", { headers: { cookie: cookie!, ...keyHeader(key) } })).status).toBe(401)
    expect(await upgradeStatus(`${first.url}/console/ws`, { origin, cookie: cookie!, ...keyProtocols(key) })).toBe(401)

    const again = await login(first.url, await linkSecret(first.url))
    await first.stop()
    const restarted = await start(["--console", "--listen", first.url])
    expect(restarted.url).toBe(first.url)
    expect((await httpRequest(first.url, "/console/session", { headers: { cookie: again.cookie!, ...keyHeader(again.key) } })).status).toBe(401)
    expect(await upgradeStatus(`${first.url}/console/ws`, { origin, cookie: again.cookie!, ...keyProtocols(again.key) })).toBe(401)
  })
})

describe("web console: pages", () => {
  it("serves its page with strict security headers and hashed, immutable assets", async () => {
    const server = await start(["--console"])
    const page = await httpRequest(server.url, "/console/")
    expect(page.status).toBe(200)
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8")
    const csp = String(page.headers["content-security-policy"])
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(page.headers["referrer-policy"]).toBe("no-referrer")
    expect(page.headers["x-content-type-options"]).toBe("nosniff")
    expect(page.headers["x-frame-options"]).toBe("DENY")
    expect(page.headers["cache-control"]).toBe("no-cache")
    expect(page.body).not.toMatch(/<script>|<script\s+(?![^>]*src=)/)
    const script = /src="assets\/(console-[A-Z0-9]+\.js)"/.exec(page.body)?.[1]
    const style = /href="assets\/(console-[A-Z0-9]+\.css)"/.exec(page.body)?.[1]
    expect(script).toBeDefined()
    expect(style).toBeDefined()
    const asset = await httpRequest(server.url, `/console/assets/${script}`, { headers: { "accept-encoding": "gzip" } })
    expect(asset.status).toBe(200)
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable")
    expect(asset.headers["content-encoding"]).toBe("gzip")
    expect(asset.headers["content-type"]).toBe("text/javascript; charset=utf-8")
    expect((await httpRequest(server.url, `/console/assets/${style}`)).headers["content-type"]).toBe("text/css; charset=utf-8")
    expect((await httpRequest(server.url, "/console")).status).toBe(308)
    expect((await httpRequest(server.url, "/console/assets/nothing.js")).status).toBe(404)
    expect((await httpRequest(server.url, "/console/", { headers: { host: "evil.example" } })).status).toBe(421)
  })

  it("adds nothing to a server started without --console", async () => {
    const server = await start([])
    expect((await httpRequest(server.url, "/console/")).status).toBe(426)
    // It does not know the console's methods.
    const client = await RawWebSocketClient.connectReady(server.url)
    expect((await client.request("console/createLink", {})).error.code).toBe(-32601)
    client.socket.close()
    // /console/ws is the plain endpoint there, without the console's methods.
    const plain = await RawWebSocketClient.connectReady(`${server.url}/console/ws`)
    expect((await plain.request("console/sessions", {})).error.code).toBe(-32601)
    plain.socket.close()
  })

})

describe("web console: its connections", () => {
  it("keeps console/* from plain connections, and console/createLink but with the operator's key", async () => {
    const server = await start(["--console"])
    const plain = await RawWebSocketClient.connectReady(server.url)
    for (const method of ["console/sessions", "console/processes", "console/read", "console/signal", "console/terminate"]) {
      expect((await plain.request(method, {})).error.code).toBe(-32601)
    }
    expect((await plain.request("console/createLink", {})).error.code).toBe(-32600)
    expect((await plain.request("console/createLink", { consoleKey: "a-guess" })).error.code).toBe(-32600)
    expect((await plain.request("console/createLink", { consoleKey: operatorKey(server.url) })).result.path).toMatch(/^\/console\/#/)
  })

  it("lists every session and reads, signals and terminates another session's process", async () => {
    const server = await start(["--console"])
    const owner = await RawWebSocketClient.connectReady(server.url)
    await owner.request("process/start", { processId: "p1", argv: ["sh", "-c", "echo hello; exec sleep 30"], env: {}, tty: false })
    await owner.outputContains("p1", "hello")
    const watcher = await consoleClient(server.url)

    const { result: listing } = await watcher.request("console/sessions", {})
    const ownerSession = listing.sessions.find((session: any) => session.clientName === "ws-test")
    expect(ownerSession).toMatchObject({ attached: true, transport: "websocket", processes: 1, console: false, detachExpiresAtMs: null })
    expect(ownerSession.peer).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(listing.sessions.find((session: any) => session.sessionId === listing.sessionId)).toMatchObject({ console: true })

    const { result: { processes } } = await watcher.request("console/processes", { sessionId: ownerSession.sessionId })
    expect(processes).toEqual([expect.objectContaining({
      sessionId: ownerSession.sessionId,
      processId: "p1",
      argv: ["sh", "-c", "echo hello; exec sleep 30"],
      tty: false,
      running: true,
      exitCode: null,
      signal: null,
      sandboxType: "none",
      retainedBytes: 6,
      size: null
    })])
    // Without a session: every session's processes at once (the console's own has one too).
    await watcher.request("process/start", { processId: "own", argv: ["sleep", "30"], env: {}, tty: false })
    const every = (await watcher.request("console/processes", {})).result.processes
    expect(every.map((process: any) => `${process.sessionId}/${process.processId}`).sort())
      .toEqual([`${ownerSession.sessionId}/p1`, `${listing.sessionId}/own`].sort())
    expect(every.find((process: any) => process.processId === "p1")).toEqual(processes[0])
    const read = await watcher.request("console/read", { sessionId: ownerSession.sessionId, processId: "p1" })
    expect(decoded(read.result.chunks)).toBe("hello\n")
    expect(read.result.sizes).toEqual([])

    // A read-only look takes nothing from the owner: it still got its output once.
    expect(owner.outputOf("p1")).toBe("hello\n")
    expect((await watcher.request("console/signal", { sessionId: ownerSession.sessionId, processId: "p1", signal: "SIGTERM" })).result)
      .toEqual({ delivered: true })
    const exited = await owner.waitFor((m) => m.method === "process/exited" && m.params.processId === "p1")
    expect(exited.params.signal).toBe("SIGTERM")
    const after = await watcher.request("console/processes", { sessionId: ownerSession.sessionId })
    expect(after.result.processes[0]).toMatchObject({ running: false, signal: "SIGTERM" })

    expect((await watcher.request("console/read", { sessionId: "no-such-session", processId: "p1" })).error.code).toBe(-32600)
  })

  it("shows a detached session with its expiry, and a console may take it over", async () => {
    const server = await start(["--console"])
    const owner = await RawWebSocketClient.connect(server.url)
    const init = await owner.request("initialize", { clientName: "leaver", detachTtlMs: 60_000 })
    owner.send({ method: "initialized", params: {} })
    await owner.request("process/start", { processId: "cat", argv: ["cat"], env: {}, tty: true })
    owner.socket.close()
    const watcher = await consoleClient(server.url)
    let leaver: any
    while (leaver?.attached !== false) {
      leaver = (await watcher.request("console/sessions", {})).result.sessions.find((session: any) => session.clientName === "leaver")
    }
    expect(leaver.sessionId).toBe(init.result.sessionId)
    expect(leaver.detachExpiresAtMs).toBeGreaterThan(Date.now() + 50_000)
    expect(leaver.detachExpiresAtMs).toBeLessThanOrEqual(Date.now() + 60_000)

    const session = await login(server.url, await linkSecret(server.url))
    const attacher = await RawWebSocketClient.connect(`${server.url}/console/ws`, consoleUpgradeHeaders(server.url, session))
    const resumed = await attacher.request("initialize", { clientName: "web-console", resumeSessionId: leaver.sessionId })
    expect(resumed.result.sessionId).toBe(leaver.sessionId)
    attacher.send({ method: "initialized", params: {} })
    await attacher.request("process/write", { processId: "cat", chunk: Buffer.from("typed\n").toString("base64") })
    await attacher.outputContains("cat", "typed")
  })

  it("gives the terminal sizes a PTY's output was written at", async () => {
    const server = await start(["--console"])
    const owner = await RawWebSocketClient.connectReady(server.url)
    await owner.request("process/start", { processId: "t", argv: ["cat"], env: {}, tty: true, size: { rows: 24, cols: 80 } })
    const write = (text: string) => owner.request("process/write", { processId: "t", chunk: Buffer.from(text).toString("base64") })
    await write("one\n")
    await owner.outputContains("t", "one\r\n")
    await owner.request("process/resize", { processId: "t", rows: 30, cols: 100 })
    await write("two\n")
    await owner.outputContains("t", "two\r\n")
    const watcher = await consoleClient(server.url)
    const sessionId = (await watcher.request("console/sessions", {})).result.sessions.find((s: any) => s.clientName === "ws-test").sessionId
    const all = (await watcher.request("console/read", { sessionId, processId: "t" })).result
    const twoSeq = all.chunks.find((chunk: any) => Buffer.from(chunk.chunk, "base64").toString().includes("two")).seq
    expect(all.sizes[0]).toEqual({ fromSeq: 1, rows: 24, cols: 80 })
    expect(all.sizes.at(-1)).toMatchObject({ rows: 30, cols: 100 })
    expect(all.sizes.at(-1).fromSeq).toBeLessThanOrEqual(twoSeq)
    // From the second line on, only the size it was written at.
    const later = (await watcher.request("console/read", { sessionId, processId: "t", afterSeq: twoSeq - 1 })).result
    expect(later.sizes).toEqual([all.sizes.at(-1)])
    const { processes } = (await watcher.request("console/processes", { sessionId })).result
    expect(processes[0].size).toEqual({ rows: 30, cols: 100 })
  })

  it("gives the memory and CPU time of a process in a cgroup of its own: now while it runs, the peak and total once exited; none for another", async () => {
    const server = await start(["--console"])
    const owner = await RawWebSocketClient.connectReady(server.url)
    const limited = { resources: { memoryBytes: 128 << 20 } }
    await owner.request("process/start", { processId: "held", argv: ["sh", "-c", "echo up; read line"], env: {}, tty: false, pipeStdin: true, ...limited })
    await owner.request("process/start", { processId: "plain", argv: ["sleep", "30"], env: {}, tty: false })
    await owner.outputContains("held", "up")
    const watcher = await consoleClient(server.url)
    const sessionId = (await watcher.request("console/sessions", {})).result.sessions.find((s: any) => s.clientName === "ws-test").sessionId
    const byId = async () =>
      new Map<string, any>((await watcher.request("console/processes", { sessionId })).result.processes.map((p: any) => [p.processId, p]))
    const running = await byId()
    expect(running.get("held").memoryBytes).toBeGreaterThan(0)
    expect(running.get("held").cpuTimeMs).toBeGreaterThanOrEqual(0)
    expect(running.get("held")).not.toHaveProperty("peakMemoryBytes")
    expect(running.get("plain")).not.toHaveProperty("memoryBytes")
    expect(running.get("plain")).not.toHaveProperty("cpuTimeMs")

    await owner.request("process/write", { processId: "held", chunk: Buffer.from("go\n").toString("base64") })
    const exited = await owner.waitFor((m) => m.method === "process/exited" && m.params.processId === "held")
    const ended = (await byId()).get("held")
    // Its process/exited's figures, as they were read at its exit.
    expect(ended).toMatchObject({ running: false, peakMemoryBytes: exited.params.peakMemoryBytes, cpuTimeMs: exited.params.cpuTimeMs })
    expect(ended.peakMemoryBytes).toBeGreaterThan(0)
    expect(ended).not.toHaveProperty("memoryBytes")
  })

  it("counts a console's connections in the server's budgets: --max-http-requests 1 held by a client refuses the console's request (-32001), and the other way round", async () => {
    // An upstream that answers headers and never ends its body: each streamed request holds its place until its deadline.
    const upstream = Http.createServer((_request, response) => {
      response.writeHead(200)
      response.write("x")
    })
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve))
    const url = `http://127.0.0.1:${(upstream.address() as Net.AddressInfo).port}/stall`
    try {
      const server = await start(["--console", "--max-http-requests", "1"])
      const client = await RawWebSocketClient.connectReady(server.url)
      const page = await consoleClient(server.url)
      const hold = (who: RawWebSocketClient, requestId: string) =>
        who.request("http/request", { method: "GET", url, requestId, streamResponse: true, timeoutMs: 1_500 })
      const ended = (who: RawWebSocketClient, requestId: string) =>
        who.waitFor((m) => m.method === "http/request/bodyDelta" && m.params.requestId === requestId && m.params.done === true, 10_000)
      expect((await hold(client, "a")).result.status).toBe(200)
      expect((await hold(page, "b")).error).toMatchObject({ code: -32001, data: { limit: "httpRequests" } })
      await ended(client, "a")
      expect((await hold(page, "c")).result.status).toBe(200)
      expect((await hold(client, "d")).error).toMatchObject({ code: -32001, data: { limit: "httpRequests" } })
      await ended(page, "c")
    } finally {
      upstream.closeAllConnections()
      upstream.close()
    }
  })

  it("paces a console's own processes by its acknowledgements", async () => {
    const server = await start(["--console"])
    const page = await consoleClient(server.url)
    const total = 4 * 1024 * 1024
    const closed = page.waitFor((m) => m.method === "process/closed" && m.params.processId === "z", 60_000)
    await page.request("process/start", { processId: "z", argv: ["head", "-c", String(total), "/dev/zero"], env: {}, tty: false })
    const received = () =>
      page.messages.filter((m) => m.method === "process/output").reduce((sum, m) => sum + Buffer.from(m.params.chunk, "base64").length, 0)
    /** Until a message after the first `seen` arrives. */
    const more = (seen: number) => page.waitFor(() => page.messages.length > seen, 5_000)
    // Nothing acknowledged: output stops at the window (512 KiB) and a chunk or two more.
    while (received() < 512 * 1024) await more(page.messages.length)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const stalled = received()
    expect(stalled).toBeLessThan(1024 * 1024)
    expect(page.messages.some((m) => m.method === "process/closed")).toBe(false)
    // Acknowledging what came lets the rest through, all of it.
    let acknowledged = 0
    while (!page.messages.some((m) => m.method === "process/closed")) {
      const now = received()
      if (now > acknowledged) {
        page.send({ method: "console/ack", params: { bytes: now - acknowledged } })
        acknowledged = now
      }
      await more(page.messages.length)
    }
    await closed
    expect(received()).toBe(total)
  })
})

describe("web console: who may mint a link (issue 67, item 7)", () => {
  it("refuses console/createLink to a client of the same token; the operator's key still mints one", async () => {
    const tokenFile = Path.join(dir, "shared-token")
    writeFileSync(tokenFile, "every-client-holds-this\n")
    const server = await start(["--console", "--ws-token-file", tokenFile])
    const bearer = { authorization: "Bearer every-client-holds-this" }
    // Client A starts a process.
    const a = await RawWebSocketClient.connectReady(server.url, bearer)
    await a.request("process/start", { processId: "a1", argv: ["sh", "-c", "echo a-private-output; exec sleep 30"], env: {}, tty: false })
    await a.outputContains("a1", "a-private-output")
    // Client B, with the same token, asks for a console link: refused, with the reason.
    const b = await RawWebSocketClient.connectReady(server.url, bearer)
    const refused = await b.request("console/createLink", {})
    expect(refused.error.code).toBe(-32600)
    expect(refused.error.message).toContain("console/createLink is the operator's")
    expect(refused.error.message).toContain("exec_server_console")
    expect(refused.result).toBeUndefined()
    // B is still served.
    expect((await b.request("process/list", {})).error).toBeUndefined()
    // The operator's way: the key the server wrote where only its user can read it, as console-url reads it
    // (consoleProcess.test.ts runs console-url itself).
    const keyFile = defaultKeyFile(process.env, Number(new URL(server.url).port))
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(statSync(defaultKeyDirectory(process.env)).mode & 0o077).toBe(0)
    expect((await login(server.url, await linkSecret(server.url, bearer))).status).toBe(200)
    // The key is the server's secret: fs/* refuses it to the clients, and no sandboxed process reads it.
    expect((await b.request("fs/readFile", { path: keyFile })).error.message).toContain("holds a secret of this server's")
    await b.request("process/start", {
      processId: "b1",
      argv: ["sh", "-c", `cat ${keyFile}; echo done`],
      cwd: dir,
      env: {},
      tty: false,
      sandbox: workspaceWrite(dir)
    })
    await b.outputContains("b1", "done")
    expect(b.outputOf("b1")).not.toContain(operatorKey(server.url))
    a.socket.close()
    b.socket.close()
  })

  it("mints a link for a signed token carrying exec_server_console: true, and for no other", async () => {
    const secretFile = Path.join(dir, "jwt-secret")
    const secret = "a-shared-secret-of-at-least-32-bytes!!"
    writeFileSync(secretFile, secret)
    const server = await start(["--console", "--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", secretFile])
    const token = (claims: Record<string, unknown>) =>
      new Jose.SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setExpirationTime("5m").sign(new TextEncoder().encode(secret))
    const ask = async (claims: Record<string, unknown>) => {
      const client = await RawWebSocketClient.connectReady(server.url, { authorization: `Bearer ${await token(claims)}` })
      const answer = await client.request("console/createLink", {})
      client.socket.close()
      return answer
    }
    expect((await ask({ sub: "client" })).error.code).toBe(-32600)
    expect((await ask({ exec_server_console: "true" })).error.code).toBe(-32600)
    expect((await ask({ exec_server_console: true })).result.path).toMatch(/^\/console\/#/)
  })

})
