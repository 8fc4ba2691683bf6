/**
 * A process's HTTP proxy (issue 46) with curl through it, to a loopback HTTP
 * server: the refusals' status, header and JSON body as the reference gives
 * them (docs/PROTOCOL.md, "The managed network proxy"), the client asked
 * about unlisted hosts, CONNECT tunnels, and limited mode. No DNS: names
 * resolve through the resolver the proxy is given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { Effect, Exit, Scope } from "effect"
import * as HttpProxy from "../../src/network/HttpProxy.js"
import { makePolicy, type PolicyOptions } from "../../src/network/hostPolicy.js"
import { makeCredential } from "../../src/network/proxyCredential.js"
import { ANSWER_NOTES, ANSWERED_NAMES, CLIENT_ANSWERS, unixSocketPair } from "../support/networkProxy.js"

let target: Http.Server
let targetPort = 0
let scratch = ""

beforeAll(async () => {
  target = Http.createServer((request, response) => {
    let body = ""
    request.on("data", (chunk) => (body += chunk))
    request.on("end", () => response.end(`hello ${request.method} ${request.url} ${body}`))
  })
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve))
  targetPort = (target.address() as Net.AddressInfo).port
  scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "http-proxy-"))
})
afterAll(async () => {
  await new Promise<void>((resolve) => target.close(() => resolve()))
  Fs.rmSync(scratch, { recursive: true, force: true })
})

/** curl's output (`-i`: status line and headers, then the body) and its exit code. */
const curl = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly out: string; readonly code: number }>((resolve) =>
    execFile("curl", ["-sS", "-i", "--max-time", "10", ...args], (error, stdout, stderr) =>
      resolve({ out: stdout + stderr, code: error === null ? 0 : typeof error.code === "number" ? error.code : 1 })))

/** A proxy with these rules, the decisions it reported and the questions it asked; closed with `close`. */
const proxyWith = async (
  rules: Partial<PolicyOptions> & { readonly mode?: "full" | "limited" },
  answer: (host: string) => HttpProxy.ClientAnswer = () => ({ type: "error" }),
  names: Record<string, ReadonlyArray<string>> = {},
  extra: Partial<HttpProxy.HttpProxyOptions> = {}
) => {
  const notes: Array<HttpProxy.DecisionNote> = []
  const asked: Array<string> = []
  const policy: PolicyOptions = { domains: {}, reviewDomains: [], allowLocalBinding: false, askClient: false, ...rules }
  const scope = Effect.runSync(Scope.make())
  const proxy = await Effect.runPromise(Scope.provide(HttpProxy.make({
    decide: makePolicy(policy),
    allowLocalBinding: policy.allowLocalBinding,
    mode: rules.mode ?? "full",
    ask: ({ host }) => Effect.sync(() => {
      asked.push(host)
      return answer(host)
    }),
    resolve: (host) =>
      host === "die.test" ? Effect.die(new Error("the resolver broke")) : names[host] !== undefined ? Effect.succeed(names[host]) : HttpProxy.systemResolve(host),
    report: (note) => notes.push(note),
    // The targets listen in this process, which the default check refuses (see "never connects to a listener of its own process").
    isServerListener: () => false,
    ...extra
  }), scope))
  return {
    url: `http://127.0.0.1:${proxy.port}`,
    serve: proxy.serve,
    notes,
    asked,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** Both ends of a Unix socket connection: what the sandbox bridge would hand over, and the child's end (with all it receives once closed). */
const unixPair = async (name: string) => {
  const { child, handed } = await unixSocketPair(Path.join(scratch, name))
  let received = ""
  child.on("data", (chunk: Buffer) => (received += chunk.toString()))
  child.on("error", () => {})
  const closed = new Promise<string>((resolve) => child.once("close", () => resolve(received)))
  /** Resolves once what came back contains `text`. */
  const seen = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => received.includes(text) && resolve()
      check()
      child.on("data", check)
    })
  return { handed, child, closed, seen }
}

const bodyOf = (out: string) => JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>

describe("the HTTP proxy", () => {
  it("forwards to an exactly allowed localhost and reports the allow", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    const { out } = await curl(["-x", proxy.url, "-d", "x=1", `http://localhost:${targetPort}/path?q=1`])
    expect(out).toMatch(/^HTTP\/1\.1 200/)
    expect(out).toContain("hello POST /path?q=1 x=1")
    expect(proxy.notes).toMatchObject([{ decision: "allow", source: "baseline_policy", reason: "allow", protocol: "http", host: "localhost", port: targetPort, method: "POST", scope: "domain", policyOverride: false }])
    expect(proxy.notes[0]!.client).toMatch(/^127\.0\.0\.1:\d+$/)
    await proxy.close()
  })

  it("refuses a denied host and an unlisted one with the reference's 403: header, JSON body, note", async () => {
    const proxy = await proxyWith({ domains: { "bad.test": "deny" } })
    const denied = await curl(["-x", proxy.url, `http://bad.test:${targetPort}/`])
    expect(denied.out).toMatch(/^HTTP\/1\.1 403/)
    expect(denied.out).toMatch(/x-proxy-error: blocked-by-denylist/i)
    expect(denied.out).toMatch(/content-type: application\/json/i)
    expect(bodyOf(denied.out)).toEqual({
      status: "blocked", host: "bad.test", reason: "denied", decision: "deny", source: "baseline_policy", protocol: "http", port: targetPort,
      message: "Domain denied by the sandbox policy."
    })
    const unlisted = await curl(["-x", proxy.url, `http://example.org:${targetPort}/`])
    expect(unlisted.out).toMatch(/x-proxy-error: blocked-by-allowlist/i)
    expect(bodyOf(unlisted.out)).toMatchObject({ reason: "not_allowed", message: "Domain not in allowlist." })
    expect(proxy.notes.map((note) => [note.decision, note.reason])).toEqual([["deny", "denied"], ["deny", "not_allowed"]])
    await proxy.close()
  })

  it("refuses an allowed name that resolves to a loopback address, and one that does not resolve", async () => {
    const proxy = await proxyWith({ domains: { "**.app.test": "allow" } }, undefined, { "app.test": ["127.0.0.1"], "gone.app.test": [] })
    const local = await curl(["-x", proxy.url, `http://app.test:${targetPort}/`])
    expect(bodyOf(local.out)).toMatchObject({ reason: "not_allowed_local", message: "Sandbox policy blocks local/private network addresses." })
    const gone = await curl(["-x", proxy.url, `http://gone.app.test:${targetPort}/`])
    expect(bodyOf(gone.out)).toMatchObject({ reason: "not_allowed_local" })
    await proxy.close()
  })

  it("asks the client about an unlisted host and does as it answers: allow, deny with its reason, ask, error", async () => {
    const proxy = await proxyWith({ askClient: true, allowLocalBinding: true }, (host) => CLIENT_ANSWERS[host as keyof typeof CLIENT_ANSWERS], ANSWERED_NAMES)
    expect((await curl(["-x", proxy.url, `http://yes.test:${targetPort}/`])).out).toContain("hello GET /")
    const no = await curl(["-x", proxy.url, `http://no.test:${targetPort}/`])
    expect(no.out).toMatch(/x-proxy-error: blocked-by-policy/i)
    expect(bodyOf(no.out)).toMatchObject({ reason: "not today", source: "decider", message: "Request blocked by network policy." })
    expect(bodyOf((await curl(["-x", proxy.url, `http://maybe.test:${targetPort}/`])).out)).toMatchObject({ reason: "a person decides" })
    const broken = await curl(["-x", proxy.url, `http://broken.test:${targetPort}/`])
    expect(broken.out).toMatch(/x-proxy-error: blocked-by-allowlist/i)
    expect(bodyOf(broken.out)).toMatchObject({ reason: "not_allowed", source: "decider" })
    expect(proxy.asked).toEqual(["yes.test", "no.test", "maybe.test", "broken.test"])
    expect(proxy.notes.map((note) => [note.host, note.decision, note.source, note.reason, note.policyOverride])).toEqual(ANSWER_NOTES)
    await proxy.close()
  })

  it("opens a CONNECT tunnel to an allowed host, and refuses one to an unlisted host with the 403 before any byte goes through", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    const tunnelled = await curl(["-p", "-x", proxy.url, `http://localhost:${targetPort}/through`])
    expect(tunnelled.out).toContain("hello GET /through")
    expect(proxy.notes).toMatchObject([{ protocol: "https_connect", method: "CONNECT", decision: "allow", host: "localhost" }])
    const refused = await curl(["-p", "-x", proxy.url, `http://example.org:${targetPort}/`])
    expect(refused.out).toMatch(/403/)
    expect(refused.out).not.toContain("hello")
    await proxy.close()
  })

  it("in limited mode lets GET through, refuses POST by method and CONNECT as needing MITM, as the reference", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" }, mode: "limited" })
    expect((await curl(["-x", proxy.url, `http://localhost:${targetPort}/`])).out).toContain("hello GET /")
    const post = await curl(["-x", proxy.url, "-d", "x", `http://localhost:${targetPort}/`])
    expect(post.out).toMatch(/x-proxy-error: blocked-by-method-policy/i)
    expect(bodyOf(post.out)).toMatchObject({ reason: "method_not_allowed", source: "mode_guard", message: "Method not allowed in limited mode." })
    const tunnel = await curl(["-p", "-x", proxy.url, `http://localhost:${targetPort}/`])
    expect(tunnel.out).toMatch(/x-proxy-error: blocked-by-mitm-required/i)
    expect(proxy.notes.map((note) => [note.method, note.scope, note.decision, note.source, note.reason])).toEqual([
      ["GET", "domain", "allow", "baseline_policy", "allow"],
      ["POST", "domain", "allow", "baseline_policy", "allow"],
      ["POST", "non_domain", "deny", "mode_guard", "method_not_allowed"],
      ["CONNECT", "domain", "allow", "baseline_policy", "allow"],
      ["CONNECT", "non_domain", "deny", "mode_guard", "mitm_required"]
    ])
    await proxy.close()
  })

  it("connects to the addresses it resolved, in turn, and to no other: a name's ::1 refused, its 127.0.0.1 answers", async () => {
    const proxy = await proxyWith(
      { domains: { "both.test": "allow", "nowhere.test": "allow" }, allowLocalBinding: true },
      undefined,
      { "both.test": ["::1", "127.0.0.1"], "nowhere.test": ["::1"] }
    )
    expect((await curl(["-x", proxy.url, `http://both.test:${targetPort}/both`])).out).toContain("hello GET /both")
    expect((await curl(["-p", "-x", proxy.url, `http://both.test:${targetPort}/tunnel`])).out).toContain("hello GET /tunnel")
    // Only ::1, where nothing listens: the target on 127.0.0.1 is never tried.
    expect((await curl(["-x", proxy.url, `http://nowhere.test:${targetPort}/`])).out).toMatch(/^HTTP\/1\.1 502/)
    await proxy.close()
  })

  it("drops the one request whose evaluation dies, and goes on serving the others", async () => {
    const proxy = await proxyWith({ domains: { "die.test": "allow", localhost: "allow" } })
    const died = await curl(["-x", proxy.url, `http://die.test:${targetPort}/`])
    expect(died.code).toBe(52)
    expect((await curl(["-p", "-x", proxy.url, `http://die.test:${targetPort}/`])).out).not.toContain("hello")
    expect((await curl(["-x", proxy.url, `http://localhost:${targetPort}/after`])).out).toContain("hello GET /after")
    await proxy.close()
  })

  it("serves a connection handed over with serve (a Unix socket's) as a TCP one: forwards, tunnels, refuses, and its notes carry the client it was given", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    const forwarded = await unixPair("forward.sock")
    proxy.serve(forwarded.handed, "unix:sandbox")
    forwarded.child.write(`GET http://localhost:${targetPort}/unix HTTP/1.1\r\nHost: localhost:${targetPort}\r\nConnection: close\r\n\r\n`)
    const answer = await forwarded.closed
    expect(answer).toMatch(/^HTTP\/1\.1 200/)
    expect(answer).toContain("hello GET /unix")
    const tunnelled = await unixPair("tunnel.sock")
    proxy.serve(tunnelled.handed, "unix:sandbox")
    tunnelled.child.write(`CONNECT localhost:${targetPort} HTTP/1.1\r\nHost: localhost:${targetPort}\r\n\r\n`)
    await tunnelled.seen("200 Connection Established\r\n\r\n")
    tunnelled.child.write("GET /through HTTP/1.0\r\n\r\n")
    expect(await tunnelled.closed).toContain("hello GET /through")
    const refused = await unixPair("refused.sock")
    proxy.serve(refused.handed, "unix:other")
    refused.child.write(`GET http://example.org:${targetPort}/ HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n`)
    expect(bodyOf(await refused.closed)).toMatchObject({ reason: "not_allowed", host: "example.org" })
    expect(proxy.notes.map((note) => [note.client, note.protocol, note.host, note.decision])).toEqual([
      ["unix:sandbox", "http", "localhost", "allow"],
      ["unix:sandbox", "https_connect", "localhost", "allow"],
      ["unix:other", "http", "example.org", "deny"]
    ])
    await proxy.close()
  })

  it("closes every connection when its scope closes, by TCP or handed over, tunnels included, and one handed over after", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    const handed = await unixPair("idle.sock")
    proxy.serve(handed.handed, "unix:sandbox")
    // A kept-alive connection that was served once, and a tunnel left open.
    handed.child.write(`GET http://localhost:${targetPort}/kept HTTP/1.1\r\nHost: localhost:${targetPort}\r\n\r\n`)
    await handed.seen("hello GET /kept")
    const tunnel = await unixPair("open-tunnel.sock")
    proxy.serve(tunnel.handed, "unix:sandbox")
    tunnel.child.write(`CONNECT localhost:${targetPort} HTTP/1.1\r\nHost: localhost:${targetPort}\r\n\r\n`)
    await tunnel.seen("200 Connection Established")
    const tcp = Net.connect(Number(new URL(proxy.url).port), "127.0.0.1")
    tcp.on("error", () => {})
    await new Promise((resolve) => tcp.once("connect", resolve))
    const tcpClosed = new Promise((resolve) => tcp.once("close", resolve))
    await proxy.close()
    await Promise.all([handed.closed, tunnel.closed, tcpClosed])
    const late = await unixPair("late.sock")
    proxy.serve(late.handed, "unix:late")
    expect(await late.closed).toBe("")
  })

  it("never connects to a listener of its own process, whatever the rules allow: 403 blocked-by-server-listener and a deny note, forwarded or tunnelled", async () => {
    // The default check: the target listens in this process, as the server's own listeners listen in the server's.
    const proxy = await proxyWith({ domains: { localhost: "allow", "127.0.0.1": "allow" }, allowLocalBinding: true }, undefined, {}, { isServerListener: undefined })
    const forwarded = await curl(["-x", proxy.url, `http://127.0.0.1:${targetPort}/`])
    expect(forwarded.out).toMatch(/^HTTP\/1\.1 403/)
    expect(forwarded.out).toMatch(/x-proxy-error: blocked-by-server-listener/i)
    expect(bodyOf(forwarded.out)).toEqual({
      status: "blocked", host: "127.0.0.1", reason: "server_listener", decision: "deny", source: "baseline_policy", protocol: "http", port: targetPort,
      message: "The exec-server's own listeners are not reachable through its proxies."
    })
    const tunnelled = await curl(["-p", "-x", proxy.url, `http://localhost:${targetPort}/`])
    expect(tunnelled.out).toMatch(/403/)
    expect(tunnelled.out).not.toContain("hello")
    // The proxy's own port too.
    const itself = await curl(["-p", "-x", proxy.url, `http://127.0.0.1:${new URL(proxy.url).port}/`])
    expect(itself.out).toMatch(/403/)
    expect(proxy.notes.map((note) => [note.protocol, note.host, note.decision, note.reason])).toEqual([
      ["http", "127.0.0.1", "deny", "server_listener"],
      ["https_connect", "localhost", "deny", "server_listener"],
      ["https_connect", "127.0.0.1", "deny", "server_listener"]
    ])
    await proxy.close()
  })

  it("with a credential, serves only a client that presents it (Proxy-Authorization: Basic): 407 with Proxy-Authenticate otherwise, by TCP and handed over, nothing decided", async () => {
    const credential = makeCredential()
    const proxy = await proxyWith({ domains: { localhost: "allow" } }, undefined, {}, { credential })
    const port = new URL(proxy.url).port
    const target = `http://localhost:${targetPort}/in`
    for (const url of [`http://127.0.0.1:${port}`, `http://${credential.username}:wrong@127.0.0.1:${port}`, `http://someone:${credential.password}@127.0.0.1:${port}`]) {
      const forwarded = await curl(["-x", url, target])
      expect(forwarded.out, url).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required/)
      expect(forwarded.out).toMatch(/proxy-authenticate: Basic realm="exec-server"/i)
      expect((await curl(["-p", "-x", url, target])).out, url).toMatch(/407/)
    }
    // Handed over by the sandbox's bridge: the same check.
    const handed = await unixPair("unauthenticated.sock")
    proxy.serve(handed.handed, "unix:sandbox")
    handed.child.write(`CONNECT localhost:${targetPort} HTTP/1.1\r\nHost: localhost:${targetPort}\r\n\r\n`)
    expect(await handed.closed).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required\r\n/)
    expect(proxy.notes).toEqual([])
    const good = `http://${credential.username}:${credential.password}@127.0.0.1:${port}`
    expect((await curl(["-x", good, target])).out).toContain("hello GET /in")
    expect((await curl(["-p", "-x", good, target])).out).toContain("hello GET /in")
    const authorized = await unixPair("authenticated.sock")
    proxy.serve(authorized.handed, "unix:sandbox")
    const basic = Buffer.from(`${credential.username}:${credential.password}`).toString("base64")
    authorized.child.write(`GET ${target} HTTP/1.1\r\nHost: localhost:${targetPort}\r\nProxy-Authorization: Basic ${basic}\r\nConnection: close\r\n\r\n`)
    expect(await authorized.closed).toContain("hello GET /in")
    expect(proxy.notes.map((note) => [note.client.startsWith("unix") ? "unix" : "tcp", note.protocol, note.decision])).toEqual([
      ["tcp", "http", "allow"],
      ["tcp", "https_connect", "allow"],
      ["unix", "http", "allow"]
    ])
    await proxy.close()
  })

  it("stops listening when its scope closes", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    await proxy.close()
    const after = await curl(["-x", proxy.url, `http://localhost:${targetPort}/`])
    expect(after.code).toBe(7)
  })
})
