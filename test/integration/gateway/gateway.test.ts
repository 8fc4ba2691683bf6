/**
 * `exec-server gateway` (the built binary) in front of executors (the built
 * binary with `--connect`) on a real 1-node NATS cluster: a client that
 * speaks only WebSocket reaches an environment at ws://HOST:PORT/env/ID as
 * it would reach a local server.
 */
import { describe, expect, it } from "vitest"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { Effect, Exit, Scope, Stream } from "effect"
import * as ClientTransport from "../../../src/client/ClientTransport.js"
import * as ExecServerClient from "../../../src/client/ExecServerClient.js"
import { workspaceWrite } from "../../support/codexSandbox.js"
import { eventually, isAlive, pipeProcess, serverArgs, useStdioServers } from "../../support/StdioServer.js"
import { natsClusterForTests, pollUntil } from "../../support/natsCluster.js"
import { boundUrlOnStdout, RawWebSocketClient } from "../../support/WebSocketServer.js"

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const nats = natsClusterForTests(1)
const { children } = nats

type Started = ChildProcess & { readonly stderrText: () => string; readonly exited: Promise<void> }

/** Starts the binary; resolves once every line of `until` is on its stderr. */
const startBinary = (args: ReadonlyArray<string>, until: ReadonlyArray<RegExp>): Promise<Started> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, serverArgs(...args), { stdio: ["ignore", "ignore", "pipe"] })
    children.push(child)
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    let stderr = ""
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      if (until.every((pattern) => pattern.test(stderr))) resolve(Object.assign(child, { stderrText: () => stderr, exited }))
    })
    child.once("exit", (code) => reject(new Error(`${args[0]} exited (${code}): ${stderr}`)))
  })

/** An executor of `environmentId`, also listening on a WebSocket of its own when `direct`. */
const startExecutor = (environmentId: string, options: { readonly direct?: boolean } = {}) =>
  startBinary(
    ["--connect", nats.cluster.urls[0]!, "--environment-id", environmentId, ...(options.direct === true ? ["--listen", "ws://127.0.0.1:0"] : [])],
    [/exec-server serving nats:\/\//, ...(options.direct === true ? [/listening on ws:\/\//] : [])]
  )

/** A gateway; its URL is read from its banner. */
const startGateway = async (...args: ReadonlyArray<string>) => {
  const listen = args.includes("--listen") ? [] : ["--listen", "ws://127.0.0.1:0"]
  const child = await startBinary(["gateway", ...listen, "--connect", nats.cluster.urls[0]!, ...args], [/gateway listening on ws:\/\/\S+/])
  const url = /gateway listening on (ws:\/\/\S+)/.exec(child.stderrText())![1]!
  return Object.assign(child, { url, http: url.replace(/^ws:/, "http:") })
}

const stop = async (child: Started) => {
  child.kill("SIGTERM")
  await child.exited
}

/** What the server answers an upgrade of `url`: the status and body of a refusal, or 101. */
const upgradeAnswer = (url: string, headers: Record<string, string> = {}) =>
  new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
    const request = Http.get(url.replace(/^ws:/, "http:"), {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        ...headers
      }
    })
    request.once("upgrade", (response, socket) => {
      socket.destroy()
      resolve({ status: response.statusCode ?? 0, body: "" })
    })
    request.once("response", (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (text: string) => (body += text))
      response.once("end", () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.once("error", reject)
  })

const get = async (url: string, token?: string) => {
  const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
  return { status: response.status, body: await response.text() }
}

/** Runs the command-line client; resolves with its exit code and output. */
const cli = (...args: ReadonlyArray<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, serverArgs(...args), (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }))
  })

/** A client of the package over WebSocket. */
const client = (url: string, options: ExecServerClient.ClientOptions = {}) =>
  ExecServerClient.make(ClientTransport.webSocket({ url }), options)

/** The code and reason the gateway closes a raw client's WebSocket with. */
const closeOf = (raw: RawWebSocketClient) =>
  new Promise<{ readonly code: number; readonly reason: string }>((resolve) =>
    raw.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })))

/** The value of a Prometheus sample of `name` having every one of `labels`, or undefined. */
const metricOf = (body: string, name: string, labels: ReadonlyArray<string>): number | undefined => {
  for (const line of body.split("\n")) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line)
    if (match?.[1] === name && labels.every((label) => match[2]!.split(",").includes(label))) return Number(match[3])
  }
  return undefined
}

/** A message with the fields that differ between two sessions (ids, versions of the host) left out. */
const comparable = (message: unknown): unknown =>
  JSON.parse(JSON.stringify(message), (key, value: unknown) =>
    key === "sessionId" || key === "environmentInfo" || key === "serverInfo" || key === "detachTtlMs" ? "<varies>" : value)

const startStdioServer = useStdioServers()

describe("exec-server gateway", () => {
  it("refuses a sandboxed process on its host (403) where an unsandboxed one reaches the environment: a sandbox with network must not reach executors through it", async () => {
    const gateway = await startGateway()
    const executor = await startExecutor("gw-sandboxed")
    const workspace = mkdtempSync(Path.join(tmpdir(), "gw-sandboxed-"))
    const { hostname, port } = new URL(gateway.url)
    // A WebSocket upgrade by hand (Node 20 has no WebSocket client): prints the status line.
    const upgrade = [
      "node",
      "-e",
      `const s = require("net").connect(${port}, ${JSON.stringify(hostname)}, () => s.write(` +
        `"GET /env/gw-sandboxed HTTP/1.1\\r\\nHost: ${hostname}:${port}\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n" + ` +
        `"Sec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n"));` +
        `s.once("data", (d) => { console.log("status:" + d.toString().split("\\r\\n")[0]); s.destroy() })`
    ]
    const server = await startStdioServer()
    await server.request("process/start", pipeProcess("boxed", upgrade, { cwd: workspace, sandbox: workspaceWrite(workspace, "enabled") }))
    await server.closed("boxed")
    expect(server.outputOf("boxed").toString()).toContain("status:HTTP/1.1 403 Forbidden")
    // Logged after the answer is written: it may come a moment after the client read it.
    const refusalLogged = /the peer is a sandboxed process \(pid \d+: a seccomp filter, no_new_privs, another PID namespace\)/
    expect(await eventually(() => refusalLogged.test(gateway.stderrText()))).toBe(true)
    await server.request("process/start", pipeProcess("plain", upgrade, { cwd: workspace }))
    await server.closed("plain")
    expect(server.outputOf("plain").toString()).toContain("status:HTTP/1.1 101 Switching Protocols")
    await stop(executor)
    await stop(gateway)
  })

  it("refuses an unknown environment and an unknown path with 404 and a reason, before any upgrade", async () => {
    const gateway = await startGateway()
    const unknown = await upgradeAnswer(`${gateway.url}/env/no-such-env`)
    expect(unknown.status).toBe(404)
    expect(unknown.body).toBe("no executor serves environment no-such-env\n")
    const elsewhere = await upgradeAnswer(`${gateway.url}/`)
    expect(elsewhere.status).toBe(404)
    expect(elsewhere.body).toMatch(/\/env\/ENVIRONMENT_ID\n$/)
    const badId = await upgradeAnswer(`${gateway.url}/env/a.b`)
    expect(badId.status).toBe(404)
    // A target `new URL` cannot parse, upgraded or not, is answered and the gateway lives on.
    expect((await upgradeAnswer(`${gateway.url}//`)).status).toBe(404)
    expect((await get(`${gateway.http}//`)).status).toBe(426)
    expect(await get(`${gateway.http}/readyz`)).toEqual({ status: 200, body: "ready\n" })
    expect((await get(`${gateway.http}/healthz`)).status).toBe(200)
    await stop(gateway)
  })

  it("logs as the server does: with --log-format json, a refused upgrade is one JSON line on stderr", async () => {
    const gateway = await startGateway("--log-format", "json")
    expect((await upgradeAnswer(`${gateway.url}/env/not-served`)).status).toBe(404)
    await pollUntil("the refusal's log line", async () => gateway.stderrText().includes("connection refused"), 5_000)
    const line = gateway.stderrText().split("\n").find((text) => text.includes("connection refused"))!
    expect(JSON.parse(line)).toMatchObject({ message: "connection refused", logLevel: "WARN", annotations: { status: 404 } })
    await stop(gateway)
  })

  it("serves with its stderr on a full device (/dev/full: every write fails, ENOSPC): its banner and log lines are dropped, a client runs a command through it", async () => {
    const executor = await startExecutor("gw-full")
    const child = spawn(process.execPath, serverArgs("gateway", "--listen", "ws://127.0.0.1:0", "--connect", nats.cluster.urls[0]!), {
      stdio: ["ignore", "pipe", openSync("/dev/full", "w")]
    })
    children.push(child)
    const url = await boundUrlOnStdout(child)
    // A connection refused (a log line), then one served.
    expect((await upgradeAnswer(`${url}/env/not-served`)).status).toBe(404)
    const raw = await RawWebSocketClient.connectReady(`${url}/env/gw-full`)
    await raw.request("process/start", pipeProcess("seq", ["seq", "1", "1000"]))
    await raw.waitFor((message) => message.method === "process/closed" && message.params.processId === "seq")
    expect(raw.outputOf("seq")).toBe(Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join(""))
    raw.socket.close()
    expect(child.exitCode).toBeNull()
    child.kill("SIGTERM")
    await stop(executor)
  })

  it("refuses to start without --listen or --connect, or on a non-loopback address without authentication (exit 2)", async () => {
    const noConnect = await cli("gateway", "--listen", "ws://127.0.0.1:0")
    expect(noConnect).toMatchObject({ code: 2, stderr: "exec-server: gateway needs --connect nats://HOST:PORT\n" })
    const noListen = await cli("gateway", "--connect", nats.cluster.urls[0]!)
    expect(noListen).toMatchObject({ code: 2, stderr: "exec-server: gateway needs --listen ws://IP:PORT\n" })
    const open = await cli("gateway", "--listen", "ws://0.0.0.0:0", "--connect", nats.cluster.urls[0]!)
    expect(open.code).toBe(2)
    expect(open.stderr).toContain("refusing to listen on non-loopback 0.0.0.0 without authentication")
  })

  it("with a token, an upgrade without it is 401 and learns nothing of environments; /environments and /metrics need it", async () => {
    const executor = await startExecutor("gw-auth")
    const dir = mkdtempSync(Path.join(tmpdir(), "gateway-token-"))
    const tokenFile = Path.join(dir, "token")
    writeFileSync(tokenFile, "s3cret-gateway-token\n")
    const gateway = await startGateway("--ws-token-file", tokenFile)
    expect((await upgradeAnswer(`${gateway.url}/env/gw-auth`)).status).toBe(401)
    expect((await upgradeAnswer(`${gateway.url}/env/no-such-env`)).status).toBe(401)
    const authorization = { authorization: "Bearer s3cret-gateway-token" }
    expect((await upgradeAnswer(`${gateway.url}/env/gw-auth`, authorization)).status).toBe(101)
    expect((await upgradeAnswer(`${gateway.url}/env/no-such-env`, authorization)).status).toBe(404)
    expect((await get(`${gateway.http}/environments`)).status).toBe(401)
    const listed = await get(`${gateway.http}/environments`, "s3cret-gateway-token")
    expect(listed.status).toBe(200)
    const records = JSON.parse(listed.body) as Array<{ readonly id: string }>
    expect(records.map((record) => record.id)).toContain("gw-auth")
    expect((await get(`${gateway.http}/metrics`)).status).toBe(401)
    const cliRun = await cli("exec", `${gateway.url}/env/gw-auth`, "--token-file", tokenFile, "--", "echo", "through")
    expect(cliRun).toMatchObject({ code: 0, stdout: "through\n" })
    await stop(gateway)
    await stop(executor)
  })

  it("hands the client's bearer token on to an executor that asks for one: without it 401 with the executor's reason", async () => {
    const dir = mkdtempSync(Path.join(tmpdir(), "gateway-executor-token-"))
    const tokenFile = Path.join(dir, "token")
    writeFileSync(tokenFile, "s3cret-executor-token\n")
    const executor = await startBinary(
      ["--connect", nats.cluster.urls[0]!, "--environment-id", "gw-executor-auth", "--ws-token-file", tokenFile],
      [/exec-server serving nats:\/\//]
    )
    // The gateway itself (on loopback) asks for no token.
    const gateway = await startGateway()
    const refused = await upgradeAnswer(`${gateway.url}/env/gw-executor-auth`)
    expect(refused.status).toBe(401)
    expect(refused.body).toContain("unauthorized: no or wrong bearer token")
    expect((await upgradeAnswer(`${gateway.url}/env/gw-executor-auth`, { authorization: "Bearer wrong" })).status).toBe(401)
    const cliRun = await cli("exec", `${gateway.url}/env/gw-executor-auth`, "--token-file", tokenFile, "--", "echo", "let in")
    expect(cliRun).toMatchObject({ code: 0, stdout: "let in\n" })
    await stop(gateway)
    await stop(executor)
  })

  it("answers a raw exchange (handshake, batch, errors, bad JSON, oversized frame) as the executor's own WebSocket does", async () => {
    const executor = await startExecutor("gw-raw", { direct: true })
    const direct = /listening on (ws:\/\/\S+)/.exec(executor.stderrText())![1]!
    const gateway = await startGateway("--max-message-bytes", "4096")
    const exchange = async (url: string, oversizedLimit?: number) => {
      const raw = await RawWebSocketClient.connect(url)
      const before = await raw.request("process/list", {})
      const init = await raw.handshake()
      raw.send([
        { id: 10, method: "no/such/method", params: {} },
        { id: 11, method: "process/start", params: { processId: 7 } },
        { method: "initialized", params: {} },
        { id: 12, method: "process/list", params: {} }
      ])
      const batch = await raw.waitFor((m) => Array.isArray(m))
      raw.send("{ not json")
      const parseError = await raw.waitFor((m) => m.error?.code === -32700)
      const answers = [before, init, batch, parseError]
      if (oversizedLimit !== undefined) {
        raw.send({ id: 13, method: "process/start", params: { processId: "p", argv: ["echo", "x".repeat(oversizedLimit)], cwd: "/tmp", env } })
        answers.push(await raw.waitFor((m) => m.error?.data?.limit !== undefined))
      }
      raw.socket.close()
      return Object.assign(answers.map(comparable), { detachTtlMs: (init as { result?: { detachTtlMs?: unknown } }).result?.detachTtlMs })
    }
    // The executor's own limit is the default (16 MiB); the gateway's is the one its client meets.
    const throughGateway = await exchange(`${gateway.url}/env/gw-raw`, 4096)
    const viaDirect = await exchange(direct)
    // The one difference: a session through a stream ends with it, one of a WebSocket is kept for a resume (75 s).
    expect([throughGateway.detachTtlMs, viaDirect.detachTtlMs]).toEqual([0, 75_000])
    expect(throughGateway.slice(0, 4)).toEqual(viaDirect.slice())
    expect(viaDirect[2]).toHaveLength(3)
    expect(throughGateway[4]).toMatchObject({ id: null, error: { code: -32600, data: { limit: 4096 } } })
    await stop(gateway)
    await stop(executor)
  })

  it("runs commands for the package's client; 2 MiB of output arrive whole; /metrics counts the environment's connections", async () => {
    const executor = await startExecutor("gw-run")
    const gateway = await startGateway()
    // A file of this run's own: another run of the suite may be at this test too.
    const file = Path.join(mkdtempSync(Path.join(tmpdir(), "gw-run-")), "2mib")
    const { echoed, digest, failed, metricsWhileOpen } = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const c = yield* client(`${gateway.url}/env/gw-run`)
      const echoed = yield* c.exec(["echo", "hi"], { env, cwd: "/tmp" })
      yield* c.exec(["sh", "-c", `head -c 2097152 /dev/urandom > ${file}`], { env, cwd: "/tmp" })
      const whole = yield* c.exec(["cat", file], { env, cwd: "/tmp" })
      const expected = yield* c.exec(["sha256sum", file], { env, cwd: "/tmp" })
      const digest = {
        received: createHash("sha256").update(whole.stdout).digest("hex"),
        length: whole.stdout.byteLength,
        expected: Buffer.from(expected.stdout).toString().split(" ")[0]
      }
      const failed = yield* Effect.flip(c.fs.readFile("/no/such/file"))
      const metricsWhileOpen = yield* Effect.promise(() => get(`${gateway.http}/metrics`))
      return { echoed, digest, failed, metricsWhileOpen }
    })))
    rmSync(Path.dirname(file), { recursive: true, force: true })
    expect(Buffer.from(echoed.stdout).toString()).toBe("hi\n")
    expect(digest.length).toBe(2 * 1024 * 1024)
    expect(digest.received).toBe(digest.expected)
    expect(failed._tag).not.toBe("ExecServer/TransportClosed")
    expect(metricOf(metricsWhileOpen.body, "exec_server_gateway_connections", ['environment="gw-run"'])).toBe(1)
    expect(metricOf(metricsWhileOpen.body, "exec_server_gateway_connections_total", ['environment="gw-run"'])).toBe(1)
    // 2 MiB of output as base64 in JSON.
    expect(metricOf(metricsWhileOpen.body, "exec_server_gateway_bytes_total", ['environment="gw-run"', 'direction="to-client"']))
      .toBeGreaterThan(2 * 1024 * 1024)
    expect(metricOf(metricsWhileOpen.body, "exec_server_gateway_bytes_total", ['environment="gw-run"', 'direction="to-environment"']))
      .toBeGreaterThan(0)
    expect(metricOf(metricsWhileOpen.body, "exec_server_gateway_stream_retransmissions_total", ['environment="gw-run"']))
      .toBeGreaterThanOrEqual(0)
    await pollUntil("the connection to leave the gauge", async () =>
      metricOf((await get(`${gateway.http}/metrics`)).body, "exec_server_gateway_connections", ['environment="gw-run"']) === 0, 10_000)
    await stop(gateway)
    await stop(executor)
  })

  it("the command-line client runs, lists and kills through the gateway", async () => {
    const executor = await startExecutor("gw-cli")
    const gateway = await startGateway()
    const url = `${gateway.url}/env/gw-cli`
    expect(await cli("exec", url, "--", "echo", "hi")).toMatchObject({ code: 0, stdout: "hi\n" })
    expect((await cli("exec", url, "--", "sh", "-c", "exit 3")).code).toBe(3)
    const started = await cli("exec", url, "--detach", "--process", "napper", "--", "sleep", "30")
    expect(started.code).toBe(0)
    const [session, processId] = started.stdout.trim().split(" ")
    expect(processId).toBe("napper")
    const listed = await cli("ps", url, "--session", session!)
    expect(listed.stdout).toMatch(/napper\s+\d+\s+running/)
    expect(await cli("kill", url, "--session", session!, "napper")).toMatchObject({ code: 0, stdout: "napper: terminated (SIGTERM)\n" })
    const unknown = await cli("exec", `${gateway.url}/env/gw-nobody`, "--", "true")
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("refused the connection: HTTP 404: no executor serves environment gw-nobody")
    await stop(gateway)
    await stop(executor)
  })

  it("the executor stopping closes the client's WebSocket with a reason naming the environment", async () => {
    const executor = await startExecutor("gw-end")
    const gateway = await startGateway()
    const raw = await RawWebSocketClient.connectReady(`${gateway.url}/env/gw-end`)
    const closed = closeOf(raw)
    await stop(executor)
    const { code, reason } = await closed
    expect([1001, 1011]).toContain(code)
    expect(reason).toMatch(/^environment gw-end (closed the connection|ended the stream)/)
    await stop(gateway)
  })

  it("an executor SIGKILLed (no reset sent): once its stream times out, the client's WebSocket is closed with 1011 and why", async () => {
    const executor = await startExecutor("gw-kill")
    const gateway = await startGateway()
    const raw = await RawWebSocketClient.connectReady(`${gateway.url}/env/gw-kill`)
    const closed = closeOf(raw)
    executor.kill("SIGKILL")
    await executor.exited
    // The stream's peer timeout is 12 s: nothing else tells the gateway.
    const { code, reason } = await closed
    expect(code).toBe(1011)
    expect(reason).toMatch(/^stream to environment gw-kill failed: nothing heard of the peer/)
    await stop(gateway)
  })

  it("the package's client hears its process ended by the executor's stop, then the executor's end with the close reason", async () => {
    const executor = await startExecutor("gw-end2")
    const gateway = await startGateway()
    const { events, failure } = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const c = yield* client(`${gateway.url}/env/gw-end2`, { reconnect: false }).pipe(Scope.provide(scope))
      const sleeper = yield* c.start({ argv: ["sleep", "30"], env }).pipe(Scope.provide(scope))
      yield* Effect.promise(() => stop(executor))
      // A stopping executor reports the end of what it terminates before it goes.
      const events = yield* Stream.runCollect(sleeper.events)
      const error = yield* Effect.flip(Effect.repeat(c.list, { until: () => false }))
      yield* Scope.close(scope, Exit.void)
      return { events: [...events].map((event) => event._tag === "Exited" ? `Exited ${event.signal}` : event._tag), failure: error }
    })))
    expect(events).toEqual(["Exited SIGTERM", "Closed"])
    expect(failure._tag).toBe("ExecServer/TransportClosed")
    expect(failure.message).toMatch(/environment gw-end2 (closed the connection|ended the stream)/)
    await stop(gateway)
  })

  it("a detached session resumes through a restarted gateway and misses no output", async () => {
    const executor = await startExecutor("gw-resume")
    const first = await startGateway()
    const port = new URL(first.url).port
    const url = `${first.url}/env/gw-resume`
    let second: Started | undefined
    const output = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const c = yield* client(url, { detachTtlMs: 60_000, reconnect: { initialDelayMs: 100, maxDelayMs: 500 } }).pipe(Scope.provide(scope))
      const counter = yield* c.start({
        argv: ["sh", "-c", "i=1; while [ $i -le 60 ]; do echo line-$i; i=$((i+1)); sleep 0.05; done"],
        env,
        detached: true
      }).pipe(Scope.provide(scope))
      const chunks: Array<Uint8Array> = []
      let restarted = false
      yield* counter.events.pipe(
        Stream.runForEach((event) =>
          Effect.promise(async () => {
            if (event._tag !== "Output") return
            chunks.push(event.bytes)
            // Once some output has arrived: the gateway goes while the command keeps printing.
            if (!restarted && Buffer.concat(chunks).toString().includes("line-5\n")) {
              restarted = true
              await stop(first)
              second = await startGateway("--listen", `ws://127.0.0.1:${port}`)
            }
          })
        )
      )
      yield* Scope.close(scope, Exit.void)
      return Buffer.concat(chunks).toString()
    })))
    expect(second).toBeDefined()
    const expected = Array.from({ length: 60 }, (_, i) => `line-${i + 1}\n`).join("")
    expect(output).toBe(expected)
    await stop(second!)
    await stop(executor)
  })

  it("a client that stops reading stops the executor's process through the stream's credit; it then gets every byte", async () => {
    const executor = await startExecutor("gw-slow")
    const gateway = await startGateway()
    const total = 24 * 1024 * 1024
    const raw = await RawWebSocketClient.connectReady(`${gateway.url}/env/gw-slow`)
    const started = await raw.request("process/start", {
      processId: "flood",
      argv: ["sh", "-c", `read go; exec head -c ${total} /dev/zero`],
      cwd: "/tmp",
      env,
      tty: false,
      pipeStdin: true
    })
    expect(started.error).toBeUndefined()
    const listed = await raw.request("process/list", {})
    const pid = (listed.result.processes as Array<{ readonly processId: string; readonly pid: number }>).find((p) => p.processId === "flood")!.pid
    // The go, then this client reads nothing more: its socket's buffers fill, then the gateway's writes wait.
    raw.send({ id: 1000, method: "process/write", params: { processId: "flood", chunk: Buffer.from("go\n").toString("base64") } })
    raw.socket.pause()
    const forwarded = async () =>
      metricOf((await get(`${gateway.http}/metrics`)).body, "exec_server_gateway_bytes_total", ['environment="gw-slow"', 'direction="to-client"']) ?? 0
    let last = -1
    await pollUntil("the gateway's forwarding to stall", async () => {
      const now = await forwarded()
      const stalled = now === last && now > 0
      last = now
      return stalled
    }, 30_000, 500)
    // Held back, not buffered: the process is blocked writing its output.
    expect(last).toBeLessThan(total)
    expect(isAlive(pid)).toBe(true)
    raw.socket.resume()
    await raw.waitFor((m) => m.method === "process/closed" && m.params.processId === "flood", 60_000)
    const received = raw.messages
      .filter((m) => m.method === "process/output" && m.params.processId === "flood")
      .reduce((sum, m) => sum + Buffer.from(m.params.chunk, "base64").byteLength, 0)
    expect(received).toBe(total)
    raw.socket.close()
    await stop(gateway)
    await stop(executor)
  })

  it("an executor that takes nothing stops a client's writes at the gateway, which stops reading the socket; then every byte arrives once", async () => {
    const executor = await startExecutor("gw-push")
    const gateway = await startGateway()
    const dir = mkdtempSync(Path.join(tmpdir(), "gateway-push-"))
    const go = Path.join(dir, "go")
    const raw = await RawWebSocketClient.connectReady(`${gateway.url}/env/gw-push`)
    const started = await raw.request("process/start", {
      processId: "sink",
      // Counts what it was sent, once told to start.
      argv: ["sh", "-c", `while [ ! -e ${go} ]; do sleep 0.05; done; exec wc -c`],
      cwd: "/tmp",
      env,
      tty: false,
      pipeStdin: true
    })
    expect(started.error).toBeUndefined()
    // The process reads from now on (it is not the executor): what the executor takes, it writes on.
    writeFileSync(go, "")
    // A stopped executor grants the stream no credit (for less than its 12 s peer timeout).
    process.kill(executor.pid!, "SIGSTOP")
    const chunk = Buffer.alloc(1024 * 1024, "x").toString("base64")
    const writes = 64
    // All sent at once, none awaited: 64 MiB.
    for (let i = 0; i < writes; i++) {
      raw.send({ id: 2000 + i, method: "process/write", params: { processId: "sink", chunk, writeId: `push-${i}` } })
    }
    const forwarded = async () =>
      metricOf((await get(`${gateway.http}/metrics`)).body, "exec_server_gateway_bytes_total", ['environment="gw-push"', 'direction="to-environment"']) ?? 0
    let last = -1
    try {
      await pollUntil("the gateway's forwarding to the executor to stall", async () => {
        const now = await forwarded()
        const stalled = now === last && now > 0
        last = now
        return stalled
      }, 8_000, 500)
    } finally {
      process.kill(executor.pid!, "SIGCONT")
    }
    // Held back at the client: the gateway (its 16 frames waiting, the stream's 1 MiB window) stopped reading the socket.
    expect(last).toBeLessThan((writes * chunk.length) / 2)
    expect(raw.socket.bufferedAmount).toBeGreaterThan(0)
    const answers = await Promise.all(Array.from({ length: writes }, (_, i) => raw.waitFor((m) => m.id === 2000 + i, 60_000)))
    // A burst the child does not keep up with meets its stdin backlog limit: refused, not
    // applied, and retryable (-32001). A client sends those again, as the package's does.
    const refused = answers.filter((answer) => answer.error !== undefined)
    for (const answer of refused) {
      expect(answer.error).toMatchObject({ code: -32001, data: { retryable: true, limit: "stdinBacklog" } })
      const i = answer.id - 2000
      for (;;) {
        const again = await raw.request("process/write", { processId: "sink", chunk, writeId: `push-${i}` })
        if (again.error === undefined) break
        expect(again.error).toMatchObject({ code: -32001, data: { limit: "stdinBacklog" } })
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    await raw.request("process/closeStdin", { processId: "sink" })
    await raw.waitFor((m) => m.method === "process/closed" && m.params.processId === "sink", 30_000)
    expect(raw.outputOf("sink").trim()).toBe(String(writes * 1024 * 1024))
    raw.socket.close()
    await stop(gateway)
    await stop(executor)
  }, 120_000)

  // Last: it stops the file's NATS server.
  it("the NATS server stopping under the gateway mid-stream: /readyz says so, and the connection survives with no output lost", async () => {
    const executor = await startExecutor("gw-nats")
    const gateway = await startGateway()
    const output = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      // No reconnect: the connection itself must survive.
      const c = yield* client(`${gateway.url}/env/gw-nats`, { reconnect: false })
      const counter = yield* c.start({
        argv: ["sh", "-c", "i=1; while [ $i -le 100 ]; do echo line-$i; i=$((i+1)); sleep 0.05; done"],
        env
      })
      const chunks: Array<Uint8Array> = []
      let outage = false
      yield* counter.events.pipe(
        Stream.runForEach((event) =>
          Effect.promise(async () => {
            if (event._tag !== "Output") return
            chunks.push(event.bytes)
            if (!outage && Buffer.concat(chunks).toString().includes("line-5\n")) {
              outage = true
              await nats.cluster.signal(0, "SIGKILL")
              await pollUntil("/readyz to say NATS is down", async () => (await get(`${gateway.http}/readyz`)).status === 503, 15_000)
              await nats.cluster.restart(0)
              await pollUntil("/readyz to be ready again", async () => (await get(`${gateway.http}/readyz`)).status === 200, 30_000)
            }
          })
        )
      )
      return Buffer.concat(chunks).toString()
    })))
    expect(output).toBe(Array.from({ length: 100 }, (_, i) => `line-${i + 1}\n`).join(""))
    await stop(gateway)
    await stop(executor)
  })
})
