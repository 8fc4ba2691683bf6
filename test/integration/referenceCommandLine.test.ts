/**
 * `codex exec-server` 0.171's command line on the built binary (issue 68,
 * item 4): every flag a script or an `environments.toml` `program = ...`
 * line may give is accepted with the reference's meaning, refused in its
 * words where it refuses, and `--tcp-upstream-proxy` sends the managed
 * SOCKS5 proxy's TCP through a real HTTP CONNECT proxy of the test's.
 * The same cases run on the reference where it is installed; its cloud
 * flags, which we do not serve, are ours alone. No destination is ever
 * dialled: the test's upstream tunnels every CONNECT to a loopback HTTP
 * server of its own, and a direct connection to a public address would
 * fail (and be caught by what the upstream saw).
 */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ConnectUpstream, startConnectUpstream } from "../support/connectUpstream.js"
import { workspaceWrite } from "../support/codexSandbox.js"
import { launchOf } from "../support/networkProxy.js"
import { eventually, SERVERS_TO_COMPARE, serverArgs, type StdioServer, useStdioServers } from "../support/StdioServer.js"

const startServer = useStdioServers()

let target: Http.Server
let targetPort = 0
let codexHome = ""
beforeAll(async () => {
  target = Http.createServer((request, response) => response.end(`hello ${request.method} ${request.url}`))
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve))
  targetPort = (target.address() as Net.AddressInfo).port
  // The reference reads CODEX_HOME's config.toml (--strict-config checks it): an empty one of the test's.
  codexHome = mkdtempSync(Path.join(Os.tmpdir(), "reference-cli-"))
})
afterAll(async () => {
  await new Promise<void>((resolve) => target.close(() => resolve()))
  rmSync(codexHome, { recursive: true, force: true })
})

/** The command line of one server with these arguments, as a script would give them. */
const commandOf = (command: ReadonlyArray<string> | undefined, args: ReadonlyArray<string>): [string, Array<string>] =>
  command === undefined ? [process.execPath, serverArgs(...args)] : [command[0]!, [...command.slice(1), ...args]]

/** Runs a server with its stdin closed (a stdio server ends with it): its exit code and stderr. */
const runOnce = (command: ReadonlyArray<string> | undefined, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ readonly code: number; readonly stderr: string }>((resolve) => {
    const [file, argv] = commandOf(command, args)
    const child = execFile(file, argv, { env: { ...process.env, CODEX_HOME: codexHome, ...env }, timeout: 20_000 }, (error, _stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stderr }))
    child.stdin?.end()
  })

/** The lines of stderr that are not the reference's note about its helper binaries under a temporary CODEX_HOME. */
const linesOf = (stderr: string) => stderr.split("\n").filter((line) => line.trim() !== "" && !line.includes("PATH aliases"))

/** The reference's flags, as scripts give them: each set is accepted, and the server serves. */
const ACCEPTED: ReadonlyArray<ReadonlyArray<string>> = [
  ["--linux-sandbox-transparent-tcp"],
  ["--tcp-upstream-proxy", "127.0.0.1:9"],
  ["--tcp-upstream-proxy", "[::1]:9"],
  ["--tcp-upstream-proxy", "proxy.internal.test:3128"],
  ["--proxy-private-ips-via-upstream"],
  ["--linux-sandbox-pid-namespace", "isolate"],
  ["--linux-sandbox-pid-namespace", "inherit"],
  ["--concurrent-requests", "8"],
  ["-c", "model=\"o3\"", "--config", "shell_environment_policy.inherit=all"],
  ["-c", "no_equals_sign"],
  ["--enable", "network_proxy", "--disable", "credential_masking"],
  ["--strict-config", "-c", "model=\"o3\""],
  // Its registry's names: without --remote (ours: without --connect) taken, and nothing changes.
  ["--environment-id", "e1"],
  ["--environment-id", "e1", "--name", "n1"]
]

/** A process whose SOCKS5 proxy the test uses from outside, with the credential its environment names. */
const socksOf = async (server: StdioServer, processId: string, proxy: Record<string, unknown>) => {
  const started = await server.request("process/start", {
    processId,
    argv: ["sh", "-c", "printenv ALL_PROXY; exec sleep 60"],
    cwd: "file:///tmp",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    tty: false,
    networkProxy: launchOf({ enableSocks5: true, ...proxy })
  })
  expect(started.error).toBeUndefined()
  await server.outputContains(processId, "socks5h://")
  const url = new URL(server.outputOf(processId).toString().trim())
  return { port: Number(url.port), username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
}

/** One SOCKS5 CONNECT to an IPv4 address, as a raw client: the reply code, and what came after it until the connection closed. */
const socksConnect = (
  proxy: { readonly port: number; readonly username: string; readonly password: string },
  ip: string,
  port: number,
  payload = ""
) =>
  new Promise<{ readonly reply: number; readonly rest: string }>((resolve, reject) => {
    const socket = Net.connect(proxy.port, "127.0.0.1")
    let received = Buffer.alloc(0)
    const withCredential = proxy.username !== ""
    const request = Buffer.from([5, 1, 0, 1, ...ip.split(".").map(Number), port >> 8, port & 0xff])
    // A proxy that refuses and closes on bytes it did not read resets the connection (the reference's does): the reply came before.
    socket.on("error", () => {})
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
    })
    socket.once("connect", () => {
      const user = Buffer.from(proxy.username)
      const password = Buffer.from(proxy.password)
      // The greeting, the credential (ours only: the reference's proxies ask for none) and the request at once.
      socket.write(Buffer.concat([
        Buffer.from([5, 1, withCredential ? 2 : 0]),
        withCredential ? Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([password.length]), password]) : Buffer.alloc(0),
        request,
        Buffer.from(payload)
      ]))
    })
    socket.once("close", () => {
      const start = 2 + (withCredential ? 2 : 0)
      if (received.length < start + 10) return reject(new Error(`closed after ${received.toString("hex")}`))
      resolve({ reply: received[start + 1]!, rest: received.subarray(start + 10).toString() })
    })
  })

/** A plain HTTP request to send through a tunnel, which closes it once answered. */
const GET = (path: string) => `GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`

/** The first `count` decision notes of a process, once there are that many, as [decision, host, protocol]. */
const notesOf = async (server: StdioServer, processId: string, count: number) => {
  const of = () => server.notifications.filter((note) => note.method === "network/policyDecision" && note.params.processId === processId)
  await eventually(() => of().length >= count, 10_000)
  return of().slice(0, count).map(({ params }) => {
    const note = params as unknown as Record<string, unknown>
    return [note.decision, note.host, note.protocol]
  })
}

/** The request lines the upstream saw. */
const requestLines = (upstream: ConnectUpstream) => upstream.heads.map((head) => head.split("\r\n")[0])

describe.each(SERVERS_TO_COMPARE)("codex exec-server's command line ($name)", ({ command, name }) => {
  const env = { CODEX_HOME: codexHome }

  it("accepts each of the reference's flags and serves on them", async () => {
    for (const args of ACCEPTED) {
      const server = await startServer(args, { command, env })
      expect(server.messages[0]?.result, args.join(" ")).toBeDefined()
      expect((await server.close()).code, args.join(" ")).toBe(0)
      if (name === "ours" && args[0] === "--environment-id") {
        expect(server.stderr).toContain(`exec-server: --environment-id${args.includes("--name") ? " and --name" : ""} name an executor's NATS environment and do nothing without --connect nats://HOST:PORT`)
      }
    }
    // Fourteen servers one after another: a busy machine takes a while to start each.
  }, 240_000)

  it("refuses a --tcp-upstream-proxy that is no HOST:PORT in the reference's words, exit 2", async () => {
    for (
      const [value, reason] of [
        ["bogus", "missing port"],
        ["", "missing port"],
        ["host:0", "TCP upstream proxy port must be nonzero"],
        ["::1:80", "missing brackets for IPv6 address with port"]
      ]
    ) {
      const { code, stderr } = await runOnce(command, ["--tcp-upstream-proxy", value!])
      expect(code, value).toBe(2)
      expect(stderr).toContain(`invalid value '${value}' for '--tcp-upstream-proxy <HOST:PORT>': ${reason}`)
    }
  })

  it("refuses what the reference refuses: an unknown PID namespace mode, --concurrent-requests 0, its environment switch not true/false, a -c without '=' under --strict-config", async () => {
    const mode = await runOnce(command, ["-c", "x=1", "--linux-sandbox-pid-namespace", "bogus"])
    expect(mode.code).toBe(2)
    expect(mode.stderr).toContain("invalid value 'bogus' for '--linux-sandbox-pid-namespace <MODE>': expected 'isolate' or 'inherit'")
    const none = await runOnce(command, ["--concurrent-requests", "0"])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain("--concurrent-requests")
    expect((await runOnce(command, [], { CODEX_EXEC_SERVER_PROXY_PRIVATE_IPS_VIA_UPSTREAM: "1" })).code).toBe(2)
    const strict = await runOnce(command, ["--strict-config", "-c", "foo"])
    // The reference ends with 1 there, as on any config error; ours with 2, as on every misused command line.
    expect(strict.code).toBe(name === "ours" ? 2 : 1)
    expect(strict.stderr).toContain("Invalid override (missing '='): foo")
  })

  it("under --tcp-upstream-proxy refuses a start that must use the managed network and brings no networkProxy (-32602), with or without a sandbox", async () => {
    const base = { argv: ["true"], cwd: "file:///tmp", env: {}, tty: false }
    const withFlag = await startServer(["--tcp-upstream-proxy", "127.0.0.1:9"], { command, env })
    const refused = await withFlag.request("process/start", { ...base, processId: "a", enforceManagedNetwork: true })
    expect(refused.error).toEqual({ code: -32602, message: "a mandatory TCP upstream requires an executor-local managed proxy" })
    const sandboxed = await withFlag.request("process/start", { ...base, processId: "s", sandbox: workspaceWrite(codexHome), enforceManagedNetwork: true })
    expect(sandboxed.error).toEqual(refused.error)
    // Not asked to use the managed network: it starts.
    expect((await withFlag.request("process/start", { ...base, processId: "b", enforceManagedNetwork: false })).error).toBeUndefined()
    const without = await startServer([], { command, env })
    expect((await without.request("process/start", { ...base, processId: "c", enforceManagedNetwork: true })).error).toBeUndefined()
  })

  it("sends SOCKS5 TCP of a process that allows an upstream through CONNECT to it; private and loopback destinations, and a process that allows none, get reply 5 with nothing contacted", async () => {
    const upstream = await startConnectUpstream(targetPort)
    try {
      const server = await startServer(["--tcp-upstream-proxy", `127.0.0.1:${upstream.port}`], { command, env })
      const domains = { "1.1.1.1": "allow", "10.9.9.9": "allow", "127.0.0.1": "allow" }
      const allows = await socksOf(server, "allows", { allowUpstreamProxy: true, domains })
      const through = await socksConnect(allows, "1.1.1.1", 80, GET("/through"))
      expect(through.reply).toBe(0)
      expect(through.rest).toContain("hello GET /through")
      expect(requestLines(upstream)).toEqual(["CONNECT 1.1.1.1:80 HTTP/1.1"])
      expect((await socksConnect(allows, "10.9.9.9", 80)).reply).toBe(5)
      const loopback = await socksConnect(allows, "127.0.0.1", targetPort, GET("/direct"))
      expect(loopback).toEqual({ reply: 5, rest: "" })
      const none = await socksOf(server, "none", { allowUpstreamProxy: false, domains })
      expect((await socksConnect(none, "1.1.1.1", 80, GET("/none"))).reply).toBe(5)
      // Only the first reached the upstream.
      expect(requestLines(upstream)).toEqual(["CONNECT 1.1.1.1:80 HTTP/1.1"])
      // Each was allowed by the rules: the upstream's rule refused it (the reference may send a note after its reply).
      expect(await notesOf(server, "allows", 3)).toEqual([
        ["allow", "1.1.1.1", "socks5_tcp"],
        ["allow", "10.9.9.9", "socks5_tcp"],
        ["allow", "127.0.0.1", "socks5_tcp"]
      ])
      expect(await notesOf(server, "none", 1)).toEqual([["allow", "1.1.1.1", "socks5_tcp"]])
    } finally {
      await upstream.close()
    }
  })

  it("with --proxy-private-ips-via-upstream sends an allowed private destination through the upstream; loopback stays refused", async () => {
    const upstream = await startConnectUpstream(targetPort)
    try {
      const server = await startServer(["--tcp-upstream-proxy", `127.0.0.1:${upstream.port}`, "--proxy-private-ips-via-upstream"], {
        command,
        env
      })
      const proxy = await socksOf(server, "p", { allowUpstreamProxy: true, domains: { "10.9.9.9": "allow", "127.0.0.1": "allow" } })
      const privately = await socksConnect(proxy, "10.9.9.9", 80, GET("/private"))
      expect(privately.reply).toBe(0)
      expect(privately.rest).toContain("hello GET /private")
      expect((await socksConnect(proxy, "127.0.0.1", targetPort, GET("/direct"))).reply).toBe(5)
      expect(requestLines(upstream)).toEqual(["CONNECT 10.9.9.9:80 HTTP/1.1"])
    } finally {
      await upstream.close()
    }
  })
})

describe("codex exec-server's command line: what only ours says", () => {
  it("takes codex exec-server's argument list as it is, its `exec-server` word first (a script's \"$CODEX\" exec-server ..., environments.toml's args)", async () => {
    const server = await startServer(["exec-server", "--listen", "stdio://", "--tcp-upstream-proxy", "127.0.0.1:9", "-c", "model=\"o3\"", "--enable", "network_proxy"])
    expect(server.messages[0]?.result?.protocolVersion).toBe("exec-server.v0")
    const refused = await server.request("process/start", { processId: "p", argv: ["true"], cwd: "file:///tmp", env: {}, tty: false, enforceManagedNetwork: true })
    // The flags after the word took effect.
    expect(refused.error?.message).toBe("a mandatory TCP upstream requires an executor-local managed proxy")
    expect((await server.close()).code).toBe(0)
    const bogus = await runOnce(undefined, ["exec-server", "--tcp-upstream-proxy", "bogus"])
    expect(bogus.code).toBe(2)
    expect(bogus.stderr).toContain("invalid value 'bogus' for '--tcp-upstream-proxy <HOST:PORT>': missing port")
  })

  it("answers each cloud-registry flag and `forward` with one line naming --connect nats:// and the gateway, exit 2", async () => {
    for (
      const args of [
        ["--remote", "https://registry.test"],
        ["--remote=https://registry.test"],
        ["--remote-transport", "direct"],
        ["--use-agent-identity-auth"],
        ["--registration-bearer-stdin"],
        ["--executor-credential-stdin"],
        ["--chatgpt-token-stdin"],
        ["--chatgpt-account-id", "acct"],
        ["--aws-sigv4"],
        ["--aws-profile", "p"],
        ["--aws-region", "eu-west-1"],
        ["--aws-service", "execute-api"],
        ["--listen", "ws://127.0.0.1:0", "--remote", "https://registry.test"],
        ["forward", "--remote", "https://registry.test", "--environment-id", "e", "--connect", "ws://127.0.0.1:1"],
        ["--log-level", "debug", "forward"],
        ["exec-server", "forward", "--remote", "https://registry.test"],
        ["exec-server", "--remote", "https://registry.test"]
      ]
    ) {
      const { code, stderr } = await runOnce(undefined, args)
      expect(code, args.join(" ")).toBe(2)
      const lines = linesOf(stderr)
      expect(lines, args.join(" ")).toHaveLength(1)
      expect(lines[0]).toMatch(/^exec-server: /)
      expect(lines[0]).toContain(args.includes("forward") ? "forward" : args.find((arg) => /^--(remote|use|reg|exec|chat|aws)/.test(arg))!.split("=")[0])
      expect(lines[0]).toContain("--connect nats://")
      expect(lines[0]).toContain("exec-server gateway")
    }
  })

  it("says that --linux-sandbox-pid-namespace inherit still isolates, and --help lists the reference's flags and what stands for its cloud registry", async () => {
    const server = await startServer(["--linux-sandbox-pid-namespace", "inherit"])
    await server.close()
    expect(server.stderr).toContain("--linux-sandbox-pid-namespace inherit is not implemented")
    const helpOf = (flag: string) =>
      new Promise<string>((resolve) => execFile(process.execPath, serverArgs(flag), (_error, stdout) => resolve(stdout)))
    // The short --help names where they are; --help-all lists every one, as the reference's --help does.
    const short = await helpOf("--help")
    expect(short).toContain("Codex's too: exec-server --help-all")
    const help = await helpOf("--help-all")
    for (
      const flag of [
        "--linux-sandbox-transparent-tcp",
        "--linux-sandbox-pid-namespace",
        "--tcp-upstream-proxy",
        "--proxy-private-ips-via-upstream",
        "--concurrent-requests",
        "-c, --config",
        "--enable",
        "--disable",
        "--strict-config"
      ]
    ) expect(help, flag).toContain(flag)
    for (const text of [short, help]) expect(text).toContain("codex exec-server's cloud registry (--remote")
  })
})
