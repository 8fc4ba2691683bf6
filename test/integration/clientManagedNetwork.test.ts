/**
 * A network the client manages (issue 83, item 1; network/clientProxies.ts):
 * a sandboxed start with `enforceManagedNetwork: true`, no `networkProxy`,
 * `managedNetwork.loopbackPorts` naming the client's proxies and the
 * client's proxy variables. The server runs in a network namespace of the
 * test's (support/networkNamespace.ts), where 10.1.2.3 has no route (a
 * connect that is not carried fails at once), and the client's proxies are
 * the test's: a SOCKS5 endpoint on the namespace's 127.0.0.1:SOCKS_PORT and
 * an HTTP proxy on HTTP_PORT, each carried to a Unix socket of this
 * process, which records what it receives and relays every request to an
 * HTTP server of its own. Ours and the reference (codex 0.171) side by side.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, type TestContext } from "vitest"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { namespacesAvailable, useNamespacedServers } from "../support/networkNamespace.js"
import { workspaceWrite } from "../support/codexSandbox.js"
import { needsReference, pipeProcess, REFERENCE_BINARY } from "../support/StdioServer.js"
import { transparentTcpSupported } from "../../src/sandbox/transparentTcp.js"
import { CLIENT_PROXY_REFUSALS } from "../../src/network/clientProxies.js"

const startServer = useNamespacedServers()

const SOCKS_PORT = 7001
const HTTP_PORT = 7002
/** A port of the namespace's loopback with a listener of the test's that no proxy variable names. */
const UNNAMED_PORT = 7003
/** An address nothing in the namespace routes to. */
const UNROUTED = "10.1.2.3"

/** A SOCKS5 request as the client's endpoint received it: its greeting's methods, the address type, destination and port. */
interface SocksRequest {
  readonly methods: ReadonlyArray<number>
  readonly addressType: number
  readonly host: string
  readonly port: number
}

let scratch = ""
let workspace = ""
let origin: Http.Server
let endpoints: Array<Net.Server> = []
/** The SOCKS5 requests received, in order. */
let socksRequests: Array<SocksRequest> = []
/** The request lines the HTTP proxy received. */
let proxiedLines: Array<string> = []
/** Connections to UNNAMED_PORT (none may come). */
let unnamedConnections = 0

/** Answers every request with its URL, so each answer says which way it came. */
const originPort = () => (origin.address() as Net.AddressInfo).port

/** The test's SOCKS5 endpoint: method 0 (no authentication) only, then CONNECT of any address type, relayed to the origin. */
const socksEndpoint = (socket: Net.Socket) => {
  let buffered = Buffer.alloc(0)
  let methods: ReadonlyArray<number> | undefined
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    if (methods === undefined) {
      if (buffered.length < 2 || buffered.length < 2 + buffered[1]!) return
      methods = [...buffered.subarray(2, 2 + buffered[1]!)]
      buffered = buffered.subarray(2 + buffered[1]!)
      if (!methods.includes(0)) return void socket.end(Buffer.from([5, 255]))
      socket.write(Buffer.from([5, 0]))
    }
    if (buffered.length < 5) return
    const addressType = buffered[3]!
    const length = addressType === 1 ? 10 : addressType === 4 ? 22 : addressType === 3 ? 7 + buffered[4]! : 0
    if (length === 0) return void socket.destroy()
    if (buffered.length < length) return
    const host = addressType === 1
      ? [...buffered.subarray(4, 8)].join(".")
      : addressType === 4
      ? buffered.subarray(4, 20).toString("hex")
      : buffered.subarray(5, 5 + buffered[4]!).toString("latin1")
    socksRequests.push({ methods, addressType, host, port: buffered.readUInt16BE(length - 2) })
    socket.off("data", onData)
    const upstream = Net.connect(originPort(), "127.0.0.1", () => {
      socket.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]))
      upstream.write(buffered.subarray(length))
      socket.pipe(upstream)
      upstream.pipe(socket)
    })
    upstream.on("error", () => socket.destroy())
  }
  socket.on("data", onData).on("error", () => {})
}

/** The test's HTTP proxy: records each request line and forwards the request to the origin. */
const httpProxy = Http.createServer((request, response) => {
  proxiedLines.push(`${request.method} ${request.url}`)
  const forwarded = Http.request({ host: "127.0.0.1", port: originPort(), path: new URL(request.url!).pathname, headers: { "x-via": "http-proxy" } }, (answer) =>
    answer.pipe(response))
  forwarded.on("error", () => response.destroy())
  forwarded.end()
})

const listenOn = (server: Net.Server, path: string) =>
  new Promise<void>((resolve) => server.listen(path, () => resolve()))

beforeAll(async () => {
  scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "client-network-"))
  origin = Http.createServer((request, response) =>
    response.end(`hello ${request.headers["x-via"] === "http-proxy" ? "by the http proxy" : "by socks"}: ${request.url}\n`))
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", () => resolve()))
  endpoints = [Net.createServer(socksEndpoint), httpProxy, Net.createServer((socket) => {
    unnamedConnections++
    socket.destroy()
  })]
  await Promise.all(endpoints.map((server, i) => listenOn(server, Path.join(scratch, `endpoint-${i}.sock`))))
})
beforeEach(() => {
  workspace = Fs.mkdtempSync(Path.join(scratch, "workspace-"))
  socksRequests = []
  proxiedLines = []
  unnamedConnections = 0
})
afterAll(async () => {
  for (const server of [origin, ...endpoints]) await new Promise((resolve) => server.close(resolve))
  Fs.rmSync(scratch, { recursive: true, force: true })
})

/** The client's proxy variables, as Codex sets them for its own proxies. */
const CLIENT_VARIABLES = {
  ALL_PROXY: `socks5h://127.0.0.1:${SOCKS_PORT}`,
  HTTP_PROXY: `http://127.0.0.1:${HTTP_PORT}`,
  http_proxy: `http://127.0.0.1:${HTTP_PORT}`
}

/** A start of `script` whose network the client manages: these variables, these loopback ports. */
const managedStart = (
  processId: string,
  script: string,
  variables: Readonly<Record<string, string>> = CLIENT_VARIABLES,
  loopbackPorts: ReadonlyArray<number> = [SOCKS_PORT, HTTP_PORT, UNNAMED_PORT]
) =>
  pipeProcess(processId, ["sh", "-c", script], {
    cwd: `file://${workspace}`,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...variables },
    sandbox: workspaceWrite(workspace),
    enforceManagedNetwork: true,
    managedNetwork: { loopbackPorts }
  })

/** curl with the proxy variables ignored, then ` exit=<status>`. */
const directCurl = (url: string) => `curl -s --noproxy '*' --max-time 20 ${url}; echo " exit=$?"`

/** Ours, and the reference where it is installed (skipped, saying why, where it is not). */
const SERVERS = [
  { name: "ours", command: undefined, before: (_: TestContext) => {} },
  { name: "reference", command: [REFERENCE_BINARY, "exec-server"], before: needsReference }
] as const

/** A server of `command` (ours when undefined) in a namespace with the test's proxies on its loopback, with `args`. */
const serverWith = (command: ReadonlyArray<string> | undefined, args: ReadonlyArray<string>) =>
  startServer({}, {}, {
    command,
    args,
    loopbackRelays: {
      [SOCKS_PORT]: Path.join(scratch, "endpoint-0.sock"),
      [HTTP_PORT]: Path.join(scratch, "endpoint-1.sock"),
      [UNNAMED_PORT]: Path.join(scratch, "endpoint-2.sock")
    }
  })

describe.skipIf(!namespacesAvailable || !transparentTcpSupported()).each(SERVERS)("a network the client manages ($name)", ({ before, command }) => {
  beforeEach(before)

  it("with --linux-sandbox-transparent-tcp, a direct connect arrives at ALL_PROXY's SOCKS5 endpoint as a CONNECT without authentication: an address as itself, a name by name", async () => {
    const server = await serverWith(command, ["--linux-sandbox-transparent-tcp"])
    const client = await server.connect()
    const script = [
      directCurl(`http://${UNROUTED}:8765/address`),
      directCurl("http://name.test:8765/name"),
      // Through the proxy variable, as a program that honours it (curl reads http_proxy).
      `curl -s --max-time 20 http://${UNROUTED}:8765/variable; echo " exit=$?"`
    ].join("; ")
    const started = await client.request("process/start", managedStart("direct", script))
    expect(started.error).toBeUndefined()
    expect(started.result.sandboxType).toBe("linuxSeccomp")
    const exited = await client.waitFor((m) => m.method === "process/exited" && m.params.processId === "direct", 60_000)
    expect(client.outputOf("direct").toString().split("\n")).toEqual([
      "hello by socks: /address",
      " exit=0",
      "hello by socks: /name",
      " exit=0",
      "hello by the http proxy: /variable",
      " exit=0",
      ""
    ])
    expect(exited.params).toMatchObject({ exitCode: 0, sandboxDenied: false })
    expect(socksRequests).toEqual([
      { methods: [0], addressType: 1, host: UNROUTED, port: 8765 },
      { methods: [0], addressType: 3, host: "name.test", port: 8765 }
    ])
    expect(proxiedLines).toEqual([`GET http://${UNROUTED}:8765/variable`])
  }, 120_000)

  it("without the flag, reaches the client's proxies through its variables, and a direct connect is refused", async () => {
    const server = await serverWith(command, [])
    const client = await server.connect()
    const script = [
      directCurl(`http://${UNROUTED}:8765/direct`),
      `curl -s --max-time 20 http://${UNROUTED}:8765/variable; echo " exit=$?"`,
      `curl -s --max-time 20 --proxy "$ALL_PROXY" http://name.test:8765/socks; echo " exit=$?"`
    ].join("; ")
    const started = await client.request("process/start", managedStart("plain", script))
    expect(started.error).toBeUndefined()
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "plain", 60_000)
    expect(client.outputOf("plain").toString().split("\n")).toEqual([
      " exit=7",
      "hello by the http proxy: /variable",
      " exit=0",
      "hello by socks: /socks",
      " exit=0",
      ""
    ])
    // curl's own SOCKS5 client offers no authentication and user and password (02), and sends the name.
    expect(socksRequests).toEqual([{ methods: [0, 1], addressType: 3, host: "name.test", port: 8765 }])
  }, 120_000)

  it("refuses, in the reference's words, what it cannot route: no SOCKS5 ALL_PROXY for transparent TCP, no proxy variables, a port outside loopbackPorts, no loopback endpoint", async () => {
    const server = await serverWith(command, ["--linux-sandbox-transparent-tcp"])
    const client = await server.connect()
    const cases: ReadonlyArray<readonly [Record<string, string>, ReadonlyArray<number>, string]> = [
      [{ HTTP_PROXY: `http://127.0.0.1:${HTTP_PORT}` }, [HTTP_PORT], CLIENT_PROXY_REFUSALS.noSocks5],
      [{ ALL_PROXY: `http://127.0.0.1:${HTTP_PORT}` }, [HTTP_PORT], CLIENT_PROXY_REFUSALS.noSocks5],
      [{ all_proxy: `socks5h://127.0.0.1:${SOCKS_PORT}` }, [SOCKS_PORT], CLIENT_PROXY_REFUSALS.noSocks5],
      [{}, [SOCKS_PORT], CLIENT_PROXY_REFUSALS.noVariables],
      [{ ALL_PROXY: `socks5h://127.0.0.1:${SOCKS_PORT}` }, [HTTP_PORT], CLIENT_PROXY_REFUSALS.outsideContext],
      [{ ALL_PROXY: `socks5h://127.0.0.1:${SOCKS_PORT}` }, [], CLIENT_PROXY_REFUSALS.outsideContext],
      [{ ALL_PROXY: `socks5h://10.9.9.9:${SOCKS_PORT}` }, [SOCKS_PORT], CLIENT_PROXY_REFUSALS.noLoopbackEndpoint],
      [{ ALL_PROXY: `socks5h://[::1]:${SOCKS_PORT}` }, [SOCKS_PORT], CLIENT_PROXY_REFUSALS.noLoopbackEndpoint]
    ]
    const refusals: Array<string> = []
    for (const [i, [variables, ports, words]] of cases.entries()) {
      const processId = `refused-${i}`
      const started = await client.request("process/start", managedStart(processId, "echo command-ran", variables, ports))
      if (started.error !== undefined) {
        // Ours: the start is refused (-32602), and nothing runs.
        expect(started.error.code).toBe(-32602)
        refusals.push(started.error.message)
        continue
      }
      // The reference: its sandbox helper fails (101) before the command, saying why.
      const exited = await client.waitFor((m) => m.method === "process/exited" && m.params.processId === processId, 60_000)
      await client.waitFor((m) => m.method === "process/closed" && m.params.processId === processId, 60_000)
      expect(exited.params).toMatchObject({ exitCode: 101, sandboxDenied: true })
      const output = client.outputOf(processId).toString()
      expect(output).not.toContain("command-ran")
      refusals.push(output.includes(words) ? words : output)
    }
    expect(refusals).toEqual(cases.map(([, , words]) => words))
    expect(socksRequests).toEqual([])
  }, 180_000)
})

describe.skipIf(!namespacesAvailable || !transparentTcpSupported())("a network the client manages reaches nothing but the client's proxies (ours)", () => {
  it("refuses a loopback port its variables do not name, datagrams, and a proxy variable naming the server's own listener; an endpoint that is down resets", async () => {
    const server = await serverWith(undefined, ["--linux-sandbox-transparent-tcp"])
    const client = await server.connect()
    const udp = `const s = require("node:dgram").createSocket("udp4");
      const report = (what) => { console.log("udp " + what); process.exit(0) };
      s.on("message", () => report("answered")).on("error", (e) => report(e.code));
      s.connect(53, ${JSON.stringify(UNROUTED)}, () => s.send("ping", (e) => e && report(e.code)))`
    const script = [
      directCurl(`http://127.0.0.1:${UNNAMED_PORT}/unnamed`),
      `'${process.execPath}' -e "$1"`,
      directCurl(`http://${UNROUTED}:8765/still`)
    ].join("; ")
    const started = await client.request("process/start", {
      ...managedStart("fenced", script),
      argv: ["sh", "-c", script, "sh", udp]
    })
    expect(started.error).toBeUndefined()
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "fenced", 60_000)
    expect(client.outputOf("fenced").toString().split("\n")).toEqual([" exit=7", "udp EPERM", "hello by socks: /still", " exit=0", ""])
    expect(unnamedConnections).toBe(0)

    // An endpoint nothing listens at: the connect is reset, as the reference resets it.
    const down = await client.request("process/start", managedStart("down", directCurl(`http://${UNROUTED}:8765/down`), { ALL_PROXY: "socks5h://127.0.0.1:7004" }, [7004]))
    expect(down.error).toBeUndefined()
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "down", 60_000)
    expect(client.outputOf("down").toString()).toBe(" exit=56\n")

    // The attack: the client's variables name the server's own WebSocket listener as its SOCKS5 proxy,
    // which the sandboxed process would then reach through the bridge as an unconfined client.
    const own = await client.request("process/start", managedStart("own", "echo command-ran", { ALL_PROXY: `socks5h://127.0.0.1:${server.port}` }, [server.port]))
    expect(own.error).toMatchObject({ code: -32602, message: `proxy endpoint 127.0.0.1:${server.port} is this exec-server's own listener` })
  }, 120_000)
})
