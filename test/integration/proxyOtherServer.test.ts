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
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { workspaceWrite } from "../support/codexSandbox.js"
import { launchOf } from "../support/networkProxy.js"
import { needsReference, REFERENCE_BINARY } from "../support/reference.js"
import { useNamedTempDirs } from "../support/tempDirs.js"
import { pipeProcess } from "../support/StdioServer.js"
import { RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const startWebSocketServer = useWebSocketServers()

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

/** A child that listens on 127.0.0.1 and prints the port it got on a line matching `pattern` (stdout or stderr). */
const listeningChild = (argv: ReadonlyArray<string>, pattern: RegExp): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] })
    children.push(child)
    child.once("exit", (code) => reject(new Error(`${argv[0]} ended (${code}) before listening`)))
    for (const stream of [child.stdout!, child.stderr!]) {
      Readline.createInterface({ input: stream }).on("line", (line) => {
        const port = pattern.exec(line)?.[1]
        if (port !== undefined) resolve(Number(port))
      })
    }
  })

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
    // Before the fix: "Seccomp:\t0\nNoNewPrivs:\t0\n", written by a process server A started for it.
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
  }, 60_000)

  it("still reaches a local service that is not an exec-server, where the rules allow it", async () => {
    // A plain TCP service of the test's: it accepts, and answers nothing an upgrade wants.
    const port = await listeningChild(
      [process.execPath, "-e", "const s = require('node:net').createServer((c) => c.end('HTTP/1.1 404 Not Found\\r\\ncontent-length: 0\\r\\n\\r\\n')); s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port))"],
      /^port (\d+)$/
    )
    await serverA("ours")
    const { decisions, output } = await chainFromB("http", "127.0.0.1", port, { domains: { "127.0.0.1": "allow" } })
    expect(output).toContain("connect: HTTP/1.1 200")
    expect(output).toContain("upgrade: ")
    expect(output).not.toContain("initialize: ok")
    expect(decisions).toMatchObject([{ decision: "allow", host: "127.0.0.1", port }])
  }, 60_000)
})
