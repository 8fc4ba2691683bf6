/**
 * Issue 67's first finding, replayed as it was found: a sandboxed process
 * whose managed proxy lets a loopback target through (`{"127.0.0.1":
 * "allow"}`, `{"localhost": "allow"}`, or `*` with `allowLocalBinding`)
 * sends `CONNECT 127.0.0.1:<server port>` to its proxy (or the SOCKS5
 * equivalent), upgrades to a WebSocket on the server it runs under,
 * initializes and calls `process/start`: that gave it an unconfined process
 * (`Seccomp: 0`, `NoNewPrivs: 0`) that wrote outside its writable roots.
 * The server's proxies now never connect to one of the server's own
 * listeners: the connect is refused (403, SOCKS5 reply 2, a deny note) and
 * nothing is written outside. The server runs in the test's process: its
 * listeners are what the refusal looks for among the process's sockets.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { workspaceWrite } from "../support/codexSandbox.js"
import { launchOf } from "../support/networkProxy.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { useNamedTempDirs } from "../support/tempDirs.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const startWebSocketServer = useInProcessWebSocketServers()

const CHAIN = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../support/ownServerThroughProxy.cjs")

const tempDir = useNamedTempDirs(".proxy-own-", { unlock: true })

/** What a file holds, or undefined when there is none. */
const contentOf = (path: string): string | undefined => Fs.existsSync(path) ? Fs.readFileSync(path, "utf8") : undefined

/** The listener the server is started with, where the chain aims (the server's port, or its proxy's own), and the process's rules. */
interface Case {
  readonly name: string
  readonly listen: string
  readonly mode: "http" | "socks"
  readonly host: string
  readonly port: "server" | "proxy"
  readonly proxy: Record<string, unknown>
}

const CASES: ReadonlyArray<Case> = [
  { name: "CONNECT 127.0.0.1, allowed as {\"127.0.0.1\": \"allow\"}", listen: "ws://127.0.0.1:0", mode: "http", host: "127.0.0.1", port: "server", proxy: { domains: { "127.0.0.1": "allow" } } },
  { name: "CONNECT localhost, allowed as {\"localhost\": \"allow\"}", listen: "ws://127.0.0.1:0", mode: "http", host: "localhost", port: "server", proxy: { domains: { localhost: "allow" } } },
  { name: "CONNECT 127.0.0.1, allowed by * with allowLocalBinding", listen: "ws://127.0.0.1:0", mode: "http", host: "127.0.0.1", port: "server", proxy: { domains: { "*": "allow" }, allowLocalBinding: true } },
  { name: "SOCKS5 CONNECT 127.0.0.1, allowed as {\"127.0.0.1\": \"allow\"}", listen: "ws://127.0.0.1:0", mode: "socks", host: "127.0.0.1", port: "server", proxy: { enableSocks5: true, domains: { "127.0.0.1": "allow" } } },
  { name: "SOCKS5 CONNECT localhost, allowed by * with allowLocalBinding", listen: "ws://127.0.0.1:0", mode: "socks", host: "localhost", port: "server", proxy: { enableSocks5: true, domains: { "*": "allow" }, allowLocalBinding: true } },
  { name: "CONNECT ::1 to a listener on [::1]", listen: "ws://[::1]:0", mode: "http", host: "::1", port: "server", proxy: { domains: { "::1": "allow" } } },
  { name: "SOCKS5 CONNECT 127.0.0.2 to a listener on 0.0.0.0 (every local address)", listen: "ws://0.0.0.0:0", mode: "socks", host: "127.0.0.2", port: "server", proxy: { enableSocks5: true, domains: { "127.0.0.2": "allow" } } },
  { name: "CONNECT 127.0.0.1 to the proxy's own port", listen: "ws://127.0.0.1:0", mode: "http", host: "127.0.0.1", port: "proxy", proxy: { domains: { "127.0.0.1": "allow" } } }
]

describe("a sandboxed process through its own managed proxy", () => {
  it.each(CASES)("cannot reach the server it runs under: $name", async ({ host, listen, mode, port, proxy }) => {
    const workspace = tempDir("ws")
    // Outside every writable root of Codex's workspace-write (which makes /tmp writable).
    const outside = tempDir("outside", "/var/tmp")
    const escaped = Path.join(outside, "escaped")
    const server = await startWebSocketServer(["--listen", listen, ...(listen.startsWith("ws://0.0.0.0") ? ["--insecure-no-auth"] : [])])
    const serverPort = Number(new URL(server.url).port)
    const client = await RawWebSocketClient.connectReady(server.url.replace("0.0.0.0", "127.0.0.1"))
    const started = await client.request("process/start", pipeProcess(
      "chain",
      [process.execPath, CHAIN, mode, host, port === "server" ? String(serverPort) : "proxy", escaped],
      { cwd: workspace, sandbox: workspaceWrite(workspace), networkProxy: launchOf(proxy) }
    ))
    expect(started.error).toBeUndefined()
    expect(started.result.sandboxType).toBe("linuxSeccomp")
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "chain", 40_000)
    const output = client.outputOf("chain")
    // Before the fix: "Seccomp:\t0\nNoNewPrivs:\t0\n", written by a process the sandboxed one started.
    expect(contentOf(escaped), output).toBeUndefined()
    // The credential its environment's URL carries is what the proxy asked for (through the sandbox's bridge).
    if (mode === "socks") expect(output).toContain("socks auth: 0")
    expect(output).toContain(mode === "socks" ? "socks reply: 2" : "connect: HTTP/1.1 403 Forbidden")
    expect(output).not.toContain("upgrade:")
    const targetPort = Number(/^target: .*:(\d+)$/m.exec(output)![1])
    if (port === "server") expect(targetPort).toBe(serverPort)
    const decisions = client.messages.filter((m) => m.method === "network/policyDecision" && m.params.processId === "chain").map((m) => m.params)
    expect(decisions).toMatchObject([{
      decision: "deny",
      source: "baseline_policy",
      reason: "server_listener",
      protocol: mode === "socks" ? "socks5_tcp" : "https_connect",
      host,
      port: targetPort
    }])
    client.socket.close()
  }, 60_000)
})
