/**
 * `process/start.networkProxy` end to end (issue 46): our server over
 * stdio, a child that sends curl through the proxy it was given to a
 * loopback HTTP server of the test's, and a client that answers the
 * server's `network/policyRequest`. The same cases run against the
 * reference (codex 0.169's `exec-server`) where it is installed, so that
 * what Codex relies on is held to what the reference does; the cases where
 * we are stricter (asks in flight together) run on ours alone. Ours runs in
 * process, on src/, the reference as a child; the test's servers run in a
 * child process of their own (our proxies refuse their own process's
 * listeners). No DNS: the proxy decides before it resolves, and the names
 * that must not resolve end in `.test`.
 */
import { type ChildProcessWithoutNullStreams, execFile, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Net from "node:net"
import * as Readline from "node:readline"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SERVERS_TO_COMPARE, useServersToCompare } from "../support/InProcessServer.js"
import { workspaceWrite } from "../support/codexSandbox.js"
import { launchOf, type NetworkProxyLaunchWire } from "../support/networkProxy.js"
import { eventually } from "../support/waiting.js"
import { pipeProcess, type WireClient, type WireNotification } from "../support/WireClient.js"

const startServer = useServersToCompare()

/**
 * The test's servers, in a child process (ours, in this one, refuses its
 * own process's listeners): an HTTP target, and an HTTPS one (a
 * self-signed certificate for localhost; curl -k) for tunnels through
 * CONNECT. It prints their ports as one JSON line.
 */
const TARGETS = [
  "const fs = require('node:fs'), http = require('node:http'), https = require('node:https')",
  "const [keyFile, certFile] = process.argv.slice(2)",
  "const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))",
  "Promise.all([",
  "  listen(http.createServer((request, response) => response.end(`hello ${request.method} ${request.url}`))),",
  "  listen(https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },",
  "    (request, response) => response.end(`secure hello ${request.method} ${request.url}`)))",
  "]).then(([target, secureTarget]) => console.log(JSON.stringify({ target, secureTarget })))"
].join("\n")

let targets: ChildProcessWithoutNullStreams | undefined
let targetPort = 0
let secureTargetPort = 0
let scratch = ""
beforeAll(async () => {
  scratch = mkdtempSync(Path.join(Os.tmpdir(), "network-proxy-"))
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost", "-keyout", Path.join(scratch, "key.pem"), "-out", Path.join(scratch, "cert.pem")
  ], { stdio: "ignore" })
  writeFileSync(Path.join(scratch, "targets.cjs"), TARGETS)
  const child = spawn(process.execPath, [Path.join(scratch, "targets.cjs"), Path.join(scratch, "key.pem"), Path.join(scratch, "cert.pem")])
  targets = child
  child.stderr.pipe(process.stderr)
  const ports = await new Promise<{ readonly target: number; readonly secureTarget: number }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the targets ended (${code}) before listening`)))
    Readline.createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line)))
  })
  targetPort = ports.target
  secureTargetPort = ports.secureTarget
})
afterAll(async () => {
  if (targets !== undefined && targets.exitCode === null) {
    const ended = new Promise((resolve) => targets!.once("exit", resolve))
    targets.kill()
    await ended
  }
  rmSync(scratch, { recursive: true, force: true })
})

/** curl through the HTTP proxy of the child's environment: status line, headers and body. */
const curlVia = (url: string, extra = "") => `curl -sS -i --max-time 25 ${extra} -x "$HTTP_PROXY" ${url}`

interface Run {
  readonly output: string
  readonly decisions: ReadonlyArray<WireNotification["params"] & Record<string, unknown>>
}

/** Starts `sh -c script` with this `networkProxy` and waits for it to close. */
const run = async (server: WireClient, processId: string, script: string, networkProxy: NetworkProxyLaunchWire, extra: Record<string, unknown> = {}): Promise<Run> => {
  const started = await server.request("process/start", {
    processId,
    argv: ["sh", "-c", script],
    cwd: "file:///tmp",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    tty: false,
    networkProxy,
    ...extra
  })
  expect(started.error).toBeUndefined()
  await server.closed(processId, 40_000)
  return {
    output: server.outputOf(processId).toString(),
    decisions: server.notifications.filter((n) => n.method === "network/policyDecision" && n.params.processId === processId)
      .map((n) => n.params as Run["decisions"][number])
  }
}

/** The JSON body of a response curl printed with `-i`. */
const bodyOf = (output: string) => JSON.parse(output.slice(output.indexOf("\r\n\r\n") + 4).trim()) as Record<string, unknown>

/** Answers the server's next `network/policyRequest` about `host` with `result` (or an `error`). */
const answerAsk = async (server: WireClient, host: string, answer: { readonly result?: unknown; readonly error?: unknown }) => {
  const asked = await server.waitFor((m) => m.method === "network/policyRequest" && m.params?.request?.host === host, 20_000)
  server.send({ id: asked.id, ...answer })
  return asked
}

describe.each(SERVERS_TO_COMPARE)("the managed network proxy ($name)", ({ command, name: serverName }) => {
  const ready = () => startServer([], { command })

  it("gives the child the proxy environment, over the client's own values", async () => {
    const server = await ready()
    const { output } = await run(server, "env", "env", launchOf({ enableSocks5: true }), { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HTTP_PROXY: "mine" } })
    const env = Object.fromEntries(output.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]))
    // Ours carry the process's credential (the reference's carry none): one random secret, in every URL.
    const userInfo = serverName === "ours" ? "exec-server:[A-Za-z0-9_-]{43}@" : ""
    expect(env.HTTP_PROXY).toMatch(new RegExp(`^http://${userInfo}127\\.0\\.0\\.1:\\d+$`))
    for (const name of ["HTTPS_PROXY", "http_proxy", "WSS_PROXY", "npm_config_proxy", "YARN_HTTPS_PROXY", "PIP_PROXY", "DOCKER_HTTP_PROXY"]) expect(env[name]).toBe(env.HTTP_PROXY)
    expect(env.ALL_PROXY).toMatch(new RegExp(`^socks5h://${userInfo}127\\.0\\.0\\.1:\\d+$`))
    expect(new URL(env.ALL_PROXY!).password).toBe(new URL(env.HTTP_PROXY!).password)
    expect(new URL(env.ALL_PROXY!).port).not.toBe(new URL(env.HTTP_PROXY!).port)
    expect(env.FTP_PROXY).toBe(env.ALL_PROXY)
    expect([env.NO_PROXY, env.no_proxy, env.NPM_CONFIG_NOPROXY]).toEqual(["", "", ""])
    expect([env.NODE_USE_ENV_PROXY, env.ELECTRON_GET_USE_PROXY, env.CODEX_NETWORK_PROXY_ACTIVE, env.CODEX_NETWORK_ALLOW_LOCAL_BINDING]).toEqual(["1", "true", "1", "0"])
  })

  it("refuses a host to review (not_allowed) when no client is asked, though a rule allows it: what Codex launches with review domains", async () => {
    const server = await ready()
    const { decisions, output } = await run(server, "review", curlVia(`http://localhost:${targetPort}/x`), launchOf({ domains: { localhost: "allow" }, reviewDomains: ["localhost"] }))
    expect(output).toMatch(/^HTTP\/1\.1 403/)
    expect(output).not.toContain("hello")
    expect(decisions.map((note) => [note.decision, note.reason, note.source, note.host])).toEqual([["deny", "not_allowed", "baseline_policy", "localhost"]])
    expect(server.messages.some((message) => message.method === "network/policyRequest")).toBe(false)
  })

  it("forwards to an allowed host and reports the decision with the reference's 12 fields", async () => {
    const server = await ready()
    const { decisions, output } = await run(server, "allowed", curlVia(`http://localhost:${targetPort}/x`), launchOf({ domains: { localhost: "allow" } }))
    expect(output).toMatch(/^HTTP\/1\.1 200/)
    expect(output).toContain("hello GET /x")
    expect(decisions).toHaveLength(1)
    const note = decisions[0]!
    expect(Object.keys(note).sort()).toEqual(
      ["client", "decision", "host", "method", "policyOverride", "port", "processId", "protocol", "reason", "scope", "source", "timestamp"]
    )
    expect(note).toMatchObject({ decision: "allow", source: "baseline_policy", reason: "allow", protocol: "http", host: "localhost", port: targetPort, method: "GET", scope: "domain", policyOverride: false })
    expect(note.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(note.client).toMatch(/^127\.0\.0\.1:\d+$/)
  })

  it("refuses a denied host and an unlisted one with 403, the header and the JSON body", async () => {
    const server = await ready()
    const denied = await run(server, "denied", curlVia("http://bad.test/"), launchOf({ domains: { "bad.test": "deny" } }))
    expect(denied.output).toMatch(/^HTTP\/1\.1 403/)
    expect(denied.output.toLowerCase()).toContain("x-proxy-error: blocked-by-denylist")
    expect(bodyOf(denied.output)).toEqual({
      status: "blocked",
      host: "bad.test",
      reason: "denied",
      decision: "deny",
      source: "baseline_policy",
      protocol: "http",
      port: 80,
      message: "Domain denied by the sandbox policy."
    })
    expect(denied.decisions).toMatchObject([{ decision: "deny", reason: "denied", source: "baseline_policy" }])

    const unlisted = await run(server, "unlisted", curlVia("http://other.test:8080/"), launchOf({ domains: { "bad.test": "deny" } }))
    expect(unlisted.output.toLowerCase()).toContain("x-proxy-error: blocked-by-allowlist")
    expect(bodyOf(unlisted.output)).toMatchObject({ reason: "not_allowed", port: 8080, message: "Domain not in allowlist." })
  })

  it("refuses a wildcard-allowed name that does not resolve, and an unlisted localhost, as local", async () => {
    const server = await ready()
    const wildcard = await run(server, "wildcard", curlVia("http://a.nowhere.test/"), launchOf({ domains: { "*.nowhere.test": "allow" } }))
    expect(bodyOf(wildcard.output)).toMatchObject({ reason: "not_allowed_local", message: "Sandbox policy blocks local/private network addresses." })
    const local = await run(server, "local", curlVia(`http://localhost:${targetPort}/`), launchOf({ domains: { "example.com": "allow" } }, { policyDecisionTimeoutMs: 5000 }))
    // Refused without asking the client.
    expect(bodyOf(local.output)).toMatchObject({ reason: "not_allowed_local" })
    expect(server.messages.some((m) => m.method === "network/policyRequest")).toBe(false)
  })

  it("asks the client about an unlisted host: deny, ask and an error answer refuse; allow goes on to the address check", async () => {
    const server = await ready()
    const launch = launchOf({}, { policyDecisionTimeoutMs: 10_000 })
    const cases = [
      { host: "deny.test", answer: { result: { decision: { type: "deny", reason: "not today" } } }, reason: "not today", header: "blocked-by-policy", decision: "deny", source: "decider" },
      { host: "ask.test", answer: { result: { decision: { type: "ask", reason: "a person must say" } } }, reason: "a person must say", header: "blocked-by-policy", decision: "ask", source: "decider" },
      { host: "error.test", answer: { error: { code: -32000, message: "no" } }, reason: "not_allowed", header: "blocked-by-allowlist", decision: "deny", source: "decider" },
      // Allowed by the client, then refused by the address check (the baseline's): the name has no address.
      { host: "allow.test", answer: { result: { decision: { type: "allow" } } }, reason: "not_allowed_local", header: "blocked-by-allowlist", decision: "deny", source: "baseline_policy" }
    ]
    for (const [index, each] of cases.entries()) {
      const running = run(server, `ask${index}`, curlVia(`http://${each.host}:81/`), launch)
      const asked = await answerAsk(server, each.host, each.answer)
      expect(asked.params).toEqual({ processId: `ask${index}`, request: { protocol: "http", host: each.host, port: 81 } })
      const { decisions, output } = await running
      expect(output.toLowerCase()).toContain(`x-proxy-error: ${each.header}`)
      expect(bodyOf(output)).toMatchObject({ reason: each.reason, source: each.source })
      expect(decisions).toMatchObject([{ decision: each.decision, reason: each.reason, source: each.source }])
    }
  })

  it("denies when the client does not answer, the timeout plus 5 s later", async () => {
    const server = await ready()
    const running = run(server, "silent", curlVia("http://silent.test/", "-w '\\nafter %{time_total}s'"), launchOf({}, { policyDecisionTimeoutMs: 1000 }))
    await server.waitFor((m) => m.method === "network/policyRequest", 20_000)
    const { output } = await running
    expect(bodyOf(output.slice(0, output.lastIndexOf("\nafter ")))).toMatchObject({ reason: "not_allowed", source: "decider" })
    const seconds = Number(/after ([\d.]+)s/.exec(output)![1])
    expect(seconds).toBeGreaterThanOrEqual(5.9)
    expect(seconds).toBeLessThan(9)
  })

  it("decides SOCKS5 connections by name too: the notes say socks5_tcp and carry no method", async () => {
    const server = await ready()
    const socks = (url: string) => `curl -s -o /dev/null -w '%{http_code} ' --max-time 20 -x "$ALL_PROXY" ${url}; echo $?`
    const { decisions, output } = await run(
      server,
      "socks",
      `${socks(`http://localhost:${targetPort}/`)}; ${socks("http://bad.test/")}`,
      launchOf({ enableSocks5: true, domains: { localhost: "allow", "bad.test": "deny" } })
    )
    const [allowed, denied] = output.trim().split("\n").filter((line) => /^\d{3} \d+$/.test(line))
    expect(allowed).toBe("200 0")
    expect(denied).toMatch(/^000 [1-9]\d*$/)
    expect(decisions).toMatchObject([
      { decision: "allow", protocol: "socks5_tcp", host: "localhost", port: targetPort, reason: "allow" },
      { decision: "deny", protocol: "socks5_tcp", host: "bad.test", port: 80, reason: "denied" }
    ])
    for (const note of decisions) expect(note).not.toHaveProperty("method")
  })

  it("refuses what limited mode does not allow: POST, and HTTPS tunnels", async () => {
    const server = await ready()
    const launch = launchOf({ mode: "limited", domains: { localhost: "allow" } })
    const post = await run(server, "post", curlVia(`http://localhost:${targetPort}/`, "-d x=1"), launch)
    expect(post.output.toLowerCase()).toContain("x-proxy-error: blocked-by-method-policy")
    expect(bodyOf(post.output)).toMatchObject({ reason: "method_not_allowed", source: "mode_guard", message: "Method not allowed in limited mode." })
    expect(post.decisions).toMatchObject([
      { decision: "allow", scope: "domain" },
      { decision: "deny", scope: "non_domain", source: "mode_guard", reason: "method_not_allowed" }
    ])
    const get = await run(server, "get", curlVia(`http://localhost:${targetPort}/`), launch)
    expect(get.output).toMatch(/^HTTP\/1\.1 200/)
  })

  it("refuses bad launch configurations with -32602 and the reference's words", async () => {
    const server = await ready()
    // Unchecked: its cases are launches the server refuses.
    const start = (processId: string, networkProxy: unknown) =>
      server.requestUnchecked("process/start", { processId, argv: ["true"], cwd: "file:///tmp", env: {}, tty: false, networkProxy })
    const disabled = await start("a", launchOf({ enabled: false }))
    expect(disabled.error).toMatchObject({ code: -32602 })
    expect(disabled.error!.message).toContain("executor-local network proxy launch requires an enabled proxy")
    const zero = await start("b", launchOf({}, { policyDecisionTimeoutMs: 0 }))
    expect(zero.error!.message).toContain("network policy decision callback timeout must be nonzero")
    const star = await start("c", launchOf({ domains: { "*": "deny" } }))
    expect(star.error).toMatchObject({ code: -32602 })
    expect(star.error!.message).toContain("network.denied_domains")
    expect((await start("d", {})).error).toMatchObject({ code: -32602 })
    expect((await start("e", { ...launchOf(), proxy: { ...launchOf().proxy, mode: "open" } })).error).toMatchObject({ code: -32602 })
    expect((await start("f", { ...launchOf(), unknownField: 1 })).error).toBeUndefined()
  })

  it("takes the proxy down with its process", async () => {
    const server = await ready()
    const { output } = await run(server, "gone", "echo $HTTP_PROXY", launchOf())
    const port = Number(new URL(output.trim()).port)
    const refused = () =>
      new Promise<boolean>((resolve) => {
        const socket = Net.connect(port, "127.0.0.1")
        socket.once("connect", () => {
          socket.destroy()
          resolve(false)
        })
        socket.once("error", () => resolve(true))
      })
    let gone = false
    const deadline = Date.now() + 5_000
    while (!gone && Date.now() < deadline) gone = await refused()
    expect(gone).toBe(true)
  })
})

describe("the managed network proxy (ours: stricter than the reference)", () => {
  it("under a sandbox: the proxies are reached inside the process's own network namespace, nothing else of the host's loopback is", async () => {
    const server = await startServer()
    const workspace = mkdtempSync(Path.join(Os.tmpdir(), "proxy-sandbox-"))
    try {
      const script = [
        `curl -s -o /dev/null -w 'http %{http_code}\\n' --max-time 20 -x "$HTTP_PROXY" http://localhost:${targetPort}/`,
        `curl -s -o /dev/null -w 'socks %{http_code}\\n' --max-time 20 -x "$ALL_PROXY" http://localhost:${targetPort}/`,
        `curl -s -o /dev/null --max-time 5 --noproxy '*' http://127.0.0.1:${targetPort}/; echo "direct $?"`,
        // The bridge's connections are checked as any: the proxy's port without the credential is refused.
        `curl -s -o /dev/null -w 'bare %{http_code}\\n' --max-time 20 -x "$(echo "$HTTP_PROXY" | sed 's|//[^@]*@|//|')" http://localhost:${targetPort}/`
      ].join("; ")
      // Network asked for, too: with a managed proxy the proxy is the only way out.
      for (const [processId, network] of [["boxed", false], ["networked", true]] as const) {
        const started = server.waitFor((m) => m.id !== undefined && m.result?.processId === processId)
        const { decisions, output } = await run(
          server,
          processId,
          script,
          launchOf({ enableSocks5: true, domains: { localhost: "allow" } }),
          { cwd: workspace, sandbox: { writableRoots: [workspace], network } }
        )
        expect((await started).result.sandboxType).toBe("linuxSeccomp")
        expect(output.trim().split("\n")).toEqual(["http 200", "socks 200", "direct 7", "bare 407"])
        expect(decisions).toMatchObject([
          { decision: "allow", protocol: "http", host: "localhost", client: "127.0.0.1:0" },
          { decision: "allow", protocol: "socks5_tcp", host: "localhost", client: "127.0.0.1:0" }
        ])
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true })
    }
  })

  it("is used with the credential the child's environment carries: curl through http_proxy, https_proxy (CONNECT) and ALL_PROXY (socks5h) as they are", async () => {
    const server = await startServer()
    // No -x, no credential of the test's: curl takes each proxy, and its user name and password, from the environment.
    const script = [
      `curl -sS --max-time 20 -w ' http %{http_code}\\n' http://localhost:${targetPort}/plain`,
      `curl -sS -k --max-time 20 -w ' https %{http_code}\\n' https://localhost:${secureTargetPort}/tunnelled`,
      `env -u http_proxy -u HTTP_PROXY curl -sS --max-time 20 -w ' socks %{http_code}\\n' http://localhost:${targetPort}/socks`
    ].join("; ")
    const { decisions, output } = await run(server, "env-curl", script, launchOf({ enableSocks5: true, domains: { localhost: "allow" } }))
    expect(output.trim().split("\n")).toEqual([
      "hello GET /plain http 200",
      "secure hello GET /tunnelled https 200",
      "hello GET /socks socks 200"
    ])
    expect(decisions.map((note) => [note.protocol, note.decision, note.port])).toEqual([
      ["http", "allow", targetPort],
      ["https_connect", "allow", secureTargetPort],
      ["socks5_tcp", "allow", targetPort]
    ])
  })

  it("refuses another local process that uses a running process's proxy ports without its credential: 407, and SOCKS5 without username/password or with a wrong one", async () => {
    const server = await startServer()
    const started = await server.request("process/start", {
      processId: "holder",
      argv: ["sh", "-c", "echo \"$HTTP_PROXY $ALL_PROXY\"; cat > /dev/null"],
      cwd: "file:///tmp",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      tty: false,
      pipeStdin: true,
      networkProxy: launchOf({ enableSocks5: true, domains: { localhost: "allow" } })
    })
    expect(started.error).toBeUndefined()
    await server.outputContains("holder", "\n")
    const [httpUrl, socksUrl] = server.outputOf("holder").toString().trim().split(" ").map((text) => new URL(text)) as [URL, URL]
    const bare = (url: URL) => `${url.protocol}//127.0.0.1:${url.port}`
    const wrong = (url: URL) => `${url.protocol}//${url.username}:not-the-secret@127.0.0.1:${url.port}`
    /** curl from this process (not the child): its status line and headers, and its exit code. */
    const curl = (...args: ReadonlyArray<string>) =>
      new Promise<{ readonly out: string; readonly code: number }>((resolve) =>
        execFile("curl", ["-sS", "-i", "--max-time", "10", ...args], (error, stdout, stderr) =>
          resolve({ out: stdout + stderr, code: error === null ? 0 : typeof error.code === "number" ? error.code : 1 })))
    const target = `http://localhost:${targetPort}/`
    for (const proxy of [bare(httpUrl), wrong(httpUrl)]) {
      const forwarded = await curl("-x", proxy, target)
      expect(forwarded.out, proxy).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required/)
      expect(forwarded.out.toLowerCase()).toContain("proxy-authenticate: basic realm=\"exec-server\"")
      expect(forwarded.out).not.toContain("hello")
      const tunnelled = await curl("-p", "-x", proxy, target)
      expect(tunnelled.out, proxy).toMatch(/407/)
      expect(tunnelled.out).not.toContain("hello")
    }
    // curl 97: the proxy's handshake failed (no acceptable method; the user name and password refused).
    for (const proxy of [bare(socksUrl), wrong(socksUrl)]) {
      const socks = await curl("-x", proxy, target)
      expect(socks.code, proxy).toBe(97)
      expect(socks.out).not.toContain("hello")
    }
    // Nothing was decided for them: no notes. With the credential, the same requests go through.
    expect(server.notifications.filter((n) => n.method === "network/policyDecision")).toEqual([])
    expect((await curl("-x", httpUrl.href, target)).out).toContain("hello GET /")
    expect((await curl("-x", socksUrl.href, target)).out).toContain("hello GET /")
    expect(server.notifications.filter((n) => n.method === "network/policyDecision").map((n) => (n.params as Record<string, unknown>).protocol)).toEqual(["http", "socks5_tcp"])
    await server.request("process/closeStdin", { processId: "holder" })
    await server.closed("holder")
  })

  it("asks about 50 hosts at once: every question is out before the first answer", async () => {
    const server = await startServer()
    const script = `for i in $(seq 1 50); do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 25 -x "$HTTP_PROXY" http://h$i.test/ & done; wait`
    const running = run(server, "fifty", script, launchOf({}, { policyDecisionTimeoutMs: 20_000 }))
    const asked = () => server.messages.filter((m) => m.method === "network/policyRequest")
    expect(await eventually(() => asked().length === 50, 20_000)).toBe(true)
    expect(new Set(asked().map((m) => m.params.request.host)).size).toBe(50)
    for (const question of asked()) server.send({ id: question.id, result: { decision: { type: "deny", reason: "no" } } })
    const { decisions, output } = await running
    expect(output.trim().split("\n")).toEqual(Array(50).fill("403"))
    expect(decisions).toHaveLength(50)
  })

  it("asks once about a host that many connections want at the same time", async () => {
    const server = await startServer()
    const script = `echo $HTTP_PROXY; for i in $(seq 1 10); do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 25 -x "$HTTP_PROXY" http://same.test/$i & done; wait`
    const running = run(server, "ten", script, launchOf({}, { policyDecisionTimeoutMs: 20_000 }))
    await server.outputContains("ten", "\n")
    const port = new URL(server.outputOf("ten").toString().split("\n")[0]!).port
    // All ten connections are at the proxy before the question is answered.
    const connected = () => execFileSync("ss", ["-Htn", "state", "established", `( dport = :${port} )`]).toString().trim().split("\n").filter(Boolean).length
    expect(await eventually(() => connected() >= 10, 20_000)).toBe(true)
    // And the proxy has read each one's request (its end has received bytes and holds none unread): a request
    // read after the answer asks again. In this process the answer reaches the proxy at once, sooner than the
    // reads of the last connections could (without this wait, 3 and then 6 of the 10 asked again in 2 runs of 3).
    const read = () => {
      const lines = execFileSync("ss", ["-Htni", "state", "established", `( sport = :${port} )`]).toString().split("\n")
      return lines.filter((line, index) => /^0\s/.test(line) && /bytes_received:[1-9]/.test(lines[index + 1] ?? "")).length
    }
    expect(await eventually(() => read() >= 10, 20_000)).toBe(true)
    // Established is the kernel's word: the question goes out once the proxy has read a request.
    const questions = () => server.messages.filter((m) => m.method === "network/policyRequest")
    expect(await eventually(() => questions().length > 0)).toBe(true)
    const asked = questions()
    expect(asked).toHaveLength(1)
    server.send({ id: asked[0].id, result: { decision: { type: "deny", reason: "no" } } })
    const { decisions, output } = await running
    expect(output.trim().split("\n").slice(1)).toEqual(Array(10).fill("403"))
    expect(server.messages.filter((m) => m.method === "network/policyRequest")).toHaveLength(1)
    expect(decisions).toHaveLength(10)
  })
})

describe.each(SERVERS_TO_COMPARE)("transparentTcp's refusals, in the reference's words ($name)", ({ command }) => {
  const startWith = async (processId: string, proxy: Record<string, unknown>, sandboxed = true) => {
    const server = await startServer([], { command })
    // A workspace per server: a server removes the sandbox's placeholders in it as its last sandbox ends.
    const workspace = mkdtempSync(Path.join(scratch, "workspace-"))
    return server.request("process/start", pipeProcess(processId, ["true"], {
      cwd: `file://${workspace}`,
      ...(sandboxed ? { sandbox: workspaceWrite(workspace) } : {}),
      networkProxy: launchOf({ enableSocks5: true, ...proxy })
    }))
  }

  it.each([
    [5, "invalid type: number, expected a boolean"],
    [1.5, "invalid type: number, expected a boolean"],
    ["yes", "invalid type: string \"yes\", expected a boolean"],
    [null, "invalid type: null, expected a boolean"],
    [[true], "invalid type: sequence, expected a boolean"],
    [{}, "invalid type: map, expected a boolean"]
  ])("refuses transparentTcp: %j", async (value, words) => {
    const response = await startWith("typed", { transparentTcp: value })
    expect(response.error?.code).toBe(-32602)
    expect(response.error?.message).toContain(words)
  })

  it("refuses true without a sandbox (before looking at SOCKS5), and with SOCKS5 off", async () => {
    for (const enableSocks5 of [true, false]) {
      const response = await startWith("bare", { transparentTcp: true, enableSocks5 }, false)
      expect(response.error).toMatchObject({ code: -32602, message: "transparent TCP requires a managed Linux sandbox" })
    }
    const noSocks = await startWith("nosocks", { transparentTcp: true, enableSocks5: false })
    expect(noSocks.error).toMatchObject({
      code: -32602,
      message: "invalid network proxy config: transparent_tcp requires an enabled managed SOCKS5 proxy"
    })
  })

  it("takes false and an absent field as no transparency", async () => {
    for (const proxy of [{ transparentTcp: false }, {}]) {
      const response = await startWith("off", proxy, false)
      expect(response.error).toBeUndefined()
    }
  })
})
