/**
 * Issue 82's first finding, replayed as it was found: two exec-servers on
 * one host, A (WebSocket on loopback, no token) and B. A process in B's
 * sandbox whose proxy lets a loopback target through (`{"127.0.0.1":
 * "allow"}`, `{"localhost": "allow"}`, or `*` with `allowLocalBinding`)
 * sends `CONNECT 127.0.0.1:<A's port>` to its proxy (or the SOCKS5
 * equivalent), upgrades, initializes and calls A's `process/start`: A found
 * the connection held by B's server process (unconfined) and gave it a
 * process with `Seccomp: 0` and `NoNewPrivs: 0` that wrote outside B's
 * sandbox. B's proxies now never connect to another exec-server's listener
 * on the host (ours, or the reference's `codex exec-server`): 403, SOCKS5
 * reply 2, a deny note; a local service that is not an exec-server is still
 * reached where the rules allow it.
 *
 * With transparent TCP the same chain needs no proxy at all: the process asks
 * B's resolver inside its sandbox (127.0.0.53) for `localhost`, gets the
 * synthetic address the resolver gives every name, and makes a plain
 * `connect()` to it and A's port; B's relay carries it to B's SOCKS5 proxy as
 * `localhost`, where the same refusal holds (the connection is reset). There
 * B runs in a network namespace of the test's and A beside it, in the same
 * namespace, so that A's loopback is B's.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { workspaceWrite } from "../support/codexSandbox.js"
import { launchOf } from "../support/networkProxy.js"
import { namespacesAvailable, useNamespacedServers } from "../support/networkNamespace.js"
import { transparentTcpSupported } from "../../src/sandbox/transparentTcp.js"
import { needsReference, REFERENCE_BINARY } from "../support/reference.js"
import { useNamedTempDirs } from "../support/tempDirs.js"
import { pipeProcess, serverArgs } from "../support/StdioServer.js"
import { RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const startWebSocketServer = useWebSocketServers()
const startNamespacedServer = useNamespacedServers()

const CHAIN = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../support/ownServerThroughProxy.cjs")

const tempDir = useNamedTempDirs(".proxy-other-", { unlock: true })

const contentOf = (path: string): string | undefined => Fs.existsSync(path) ? Fs.readFileSync(path, "utf8") : undefined

/** Children of the test's own (the reference as A, a plain local service), ended after each test. */
const children: Array<ChildProcess> = []
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })))
})

/** The port a child that listens prints on a line matching `pattern` (stdout or stderr). */
const portOf = (child: ChildProcess, pattern: RegExp): Promise<number> =>
  new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${child.spawnfile} ended (${code}) before listening`)))
    for (const stream of [child.stdout!, child.stderr!]) {
      Readline.createInterface({ input: stream }).on("line", (line) => {
        const port = pattern.exec(line)?.[1]
        if (port !== undefined) resolve(Number(port))
      })
    }
  })

/** A child that listens on 127.0.0.1 and prints the port it got on a line matching `pattern`. */
const listeningChild = (argv: ReadonlyArray<string>, pattern: RegExp): Promise<number> => {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] })
  children.push(child)
  return portOf(child, pattern)
}

/** A plain TCP service of the test's: it accepts, and answers nothing an upgrade wants; it prints `port N`. */
const PLAIN_SERVICE = [
  process.execPath,
  "-e",
  "const s = require('node:net').createServer((c) => c.end('HTTP/1.1 404 Not Found\\r\\ncontent-length: 0\\r\\n\\r\\n')); s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port))"
]

/** Server A: ours (the binary) or the reference, on 127.0.0.1 without a token; its port. */
const serverA = async (which: "ours" | "reference"): Promise<number> => {
  if (which === "ours") return Number(new URL((await startWebSocketServer(["--listen", "ws://127.0.0.1:0"])).url).port)
  return listeningChild([REFERENCE_BINARY, "exec-server", "--listen", "ws://127.0.0.1:0"], /ws:\/\/127\.0\.0\.1:(\d+)/)
}

interface Case {
  readonly name: string
  readonly a: "ours" | "reference"
  readonly mode: "http" | "socks"
  readonly host: string
  readonly proxy: Record<string, unknown>
}

const CASES: ReadonlyArray<Case> = [
  { name: "CONNECT 127.0.0.1 to ours, allowed as {\"127.0.0.1\": \"allow\"}", a: "ours", mode: "http", host: "127.0.0.1", proxy: { domains: { "127.0.0.1": "allow" } } },
  { name: "CONNECT localhost to ours, allowed by * with allowLocalBinding", a: "ours", mode: "http", host: "localhost", proxy: { domains: { "*": "allow" }, allowLocalBinding: true } },
  { name: "SOCKS5 CONNECT 127.0.0.1 to ours, allowed as {\"127.0.0.1\": \"allow\"}", a: "ours", mode: "socks", host: "127.0.0.1", proxy: { enableSocks5: true, domains: { "127.0.0.1": "allow" } } }
]
const REFERENCE_CASE: Case = { name: "CONNECT 127.0.0.1 to the reference's, allowed as {\"127.0.0.1\": \"allow\"}", a: "reference", mode: "http", host: "127.0.0.1", proxy: { domains: { "127.0.0.1": "allow" } } }

/** Runs the chain in a sandboxed process of a new server B, aimed at `port`; its output and what it wrote outside. */
const chainFromB = async (mode: "http" | "socks", host: string, port: number, proxy: Record<string, unknown>) => {
  const workspace = tempDir("ws")
  const escaped = Path.join(tempDir("outside", "/var/tmp"), "escaped")
  const b = await startWebSocketServer(["--listen", "ws://127.0.0.1:0"])
  const client = await RawWebSocketClient.connectReady(b.url)
  const started = await client.request("process/start", pipeProcess(
    "chain",
    [process.execPath, CHAIN, mode, host, String(port), escaped],
    { cwd: workspace, sandbox: workspaceWrite(workspace), networkProxy: launchOf(proxy) }
  ))
  expect(started.error).toBeUndefined()
  expect(started.result.sandboxType).toBe("linuxSeccomp")
  await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "chain", 40_000)
  const decisions = client.messages.filter((m) => m.method === "network/policyDecision" && m.params.processId === "chain").map((m) => m.params)
  client.socket.close()
  return { output: client.outputOf("chain"), escaped: contentOf(escaped), decisions }
}

describe("a sandboxed process through its managed proxy, with another exec-server on the host", () => {
  const refused = async ({ a, host, mode, proxy }: Case) => {
    const port = await serverA(a)
    const { decisions, escaped, output } = await chainFromB(mode, host, port, proxy)
    // Before the fix: "NoNewPrivs:\t0\nSeccomp:\t0\n", written by a process server A started for it.
    expect(escaped, output).toBeUndefined()
    expect(output).toContain(mode === "socks" ? "socks reply: 2" : "connect: HTTP/1.1 403 Forbidden")
    expect(output).not.toContain("upgrade:")
    expect(decisions).toMatchObject([{
      decision: "deny",
      source: "baseline_policy",
      reason: "exec_server_listener",
      protocol: mode === "socks" ? "socks5_tcp" : "https_connect",
      host,
      port
    }])
  }

  it.each(CASES)("cannot reach the other server: $name", refused, 60_000)

  it(`cannot reach the other server: ${REFERENCE_CASE.name}`, async (context) => {
    needsReference(context)
    await refused(REFERENCE_CASE)
  })

  it("still reaches a local service that is not an exec-server, where the rules allow it", async () => {
    // A plain TCP service of the test's: it accepts, and answers nothing an upgrade wants.
    const port = await listeningChild(PLAIN_SERVICE, /^port (\d+)$/)
    await serverA("ours")
    const { decisions, output } = await chainFromB("http", "127.0.0.1", port, { domains: { "127.0.0.1": "allow" } })
    expect(output).toContain("connect: HTTP/1.1 200")
    expect(output).toContain("upgrade: ")
    expect(output).not.toContain("initialize: ok")
    expect(decisions).toMatchObject([{ decision: "allow", host: "127.0.0.1", port }])
  })
})

/** Server A's command in B's namespace: ours or the reference's, on 127.0.0.1 without a token, and how it says its port. */
const SERVER_A: Record<"ours" | "reference", { readonly argv: ReadonlyArray<string>; readonly listening: RegExp }> = {
  ours: { argv: [process.execPath, ...serverArgs("--listen", "ws://127.0.0.1:0")], listening: /ws:\/\/127\.0\.0\.1:(\d+)/ },
  reference: { argv: [REFERENCE_BINARY, "exec-server", "--listen", "ws://127.0.0.1:0"], listening: /ws:\/\/127\.0\.0\.1:(\d+)/ }
}

describe.skipIf(!namespacesAvailable || !transparentTcpSupported())("a sandboxed process with transparent TCP, with another exec-server on its server's loopback", () => {
  /** Proxy rules as the issue gives them: `localhost` allowed, local binding allowed; SOCKS5 and transparent TCP on. */
  const TRANSPARENT = { enableSocks5: true, transparentTcp: true, domains: { localhost: "allow" as const }, allowLocalBinding: true }

  /**
   * Starts B (ours, `--linux-sandbox-transparent-tcp` as the issue runs it)
   * in a namespace of the test's, `beside` in the same namespace (its port),
   * then runs the chain in `direct` mode at `localhost:<that port>` in B's
   * transparent sandbox.
   */
  const directChainFromB = async (beside: { readonly argv: ReadonlyArray<string>; readonly listening: RegExp }) => {
    const workspace = tempDir("ws")
    const escaped = Path.join(tempDir("outside", "/var/tmp"), "escaped")
    const b = await startNamespacedServer({}, {}, { command: [process.execPath, ...serverArgs("--linux-sandbox-transparent-tcp")] })
    const port = await portOf(b.spawnBeside(beside.argv), beside.listening)
    const client = await b.connect()
    const started = await client.request("process/start", pipeProcess(
      "chain",
      [process.execPath, CHAIN, "direct", "localhost", String(port), escaped],
      { cwd: `file://${workspace}`, sandbox: workspaceWrite(workspace), networkProxy: launchOf(TRANSPARENT) }
    ))
    expect(started.error).toBeUndefined()
    expect(started.result.sandboxType).toBe("linuxSeccomp")
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "chain", 40_000)
    const decisions = client.messages.filter((m) => m.method === "network/policyDecision" && m.params.processId === "chain").map((m) => m.params)
    client.socket.close()
    return { port, output: client.outputOf("chain"), escaped: contentOf(escaped), decisions }
  }

  const refused = async (a: "ours" | "reference") => {
    const { decisions, escaped, output, port } = await directChainFromB(SERVER_A[a])
    // Before the fix (the refusal taken away): "NoNewPrivs:\t0\nSeccomp:\t0\n", written by a process A started for it.
    expect(escaped, output).toBeUndefined()
    // The resolver's address for the name, connected to (the relay takes it), then reset once the proxy refuses.
    expect(output.split("\n")).toEqual([
      "resolved: localhost 198.18.0.1",
      `target: localhost:${port}`,
      `connected: 198.18.0.1:${port}`,
      "failed: ECONNRESET after \"\"",
      ""
    ])
    expect(decisions).toMatchObject([{
      decision: "deny",
      source: "baseline_policy",
      reason: "exec_server_listener",
      protocol: "socks5_tcp",
      host: "localhost",
      port
    }])
  }

  it("cannot reach the other server (ours) by the resolver's address for localhost and a plain connect()", () => refused("ours"), 90_000)

  it("cannot reach the other server (the reference's) the same way", async (context) => {
    needsReference(context)
    await refused("reference")
  }, 90_000)

  it("still reaches a local service that is not an exec-server the same way", async () => {
    const { decisions, escaped, output, port } = await directChainFromB({ argv: PLAIN_SERVICE, listening: /^port (\d+)$/ })
    expect(escaped).toBeUndefined()
    expect(output).toContain(`connected: 198.18.0.1:${port}\nupgrade: HTTP/1.1 404 Not Found\n`)
    expect(decisions).toMatchObject([{ decision: "allow", reason: "allow", protocol: "socks5_tcp", host: "localhost", port }])
  }, 90_000)
})
