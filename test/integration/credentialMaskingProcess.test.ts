/**
 * Credential masking and the server's own process, which only the built
 * binary shows: the CA files it wrote, removed when its process exits
 * (after SIGTERM); a server run as another user (nobody, through setpriv, when
 * the test runs as root) whose memory a masked child scans through /proc,
 * with and without the addon (--no-native), whether the server's process is
 * dumpable from its start, and the seccomp filters' holder among its
 * children. A server in the test's process shares the test's process: its
 * exit, uid, memory and dumpable flag. Masking itself is credentialMasking.test.ts's, on a
 * server in process.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest"
import { useNobodyServer } from "../support/nobodyServer.js"
import { workspaceWrite } from "../support/codexSandbox.js"
import { childEnvironment, GITHUB, maskingHelpers, OTHER_GITHUB } from "../support/credentialMasking.js"
import { eventually, useStdioServers } from "../support/StdioServer.js"
import { useWebSocketServers } from "../support/WebSocketServer.js"
import { makeTestCertificates } from "../support/testCertificates.js"
import type { WireClient } from "../support/WireClient.js"

const startServer = useStdioServers()
const startWebSocketServer = useWebSocketServers()


let scratch = ""
let caFile = ""
beforeAll(() => {
  scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "credential-masking-process-"))
  // The server's own trusted CA, as credentialMasking.test.ts gives it.
  caFile = makeTestCertificates(scratch, { caName: "masking test CA", commonName: "localhost", subjectAltName: "IP:127.0.0.1,DNS:localhost" }).caFile
}, 30_000)

afterAll(() => {
  Fs.rmSync(scratch, { recursive: true, force: true })
})

const { serverEnvironment, myProvider, maskingLaunch, run } = maskingHelpers({
  scratch: () => scratch,
  caFile: () => caFile,
  // credentialMasking.test.ts's provider, bound to loopback destinations (none is reached here: no request is sent).
  urlPrefixes: () => ["https://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"]
})

describe("credential masking's files and the server's exit", () => {
  it("says why a provider was dropped, and removes its CA files when the server exits", async () => {
    const { codexHome, env } = serverEnvironment()
    const server = await startServer([], { env })
    await run(server, "dropped", ["env"], maskingLaunch(myProvider({ url_prefixes: ["http://api.example.com/"] })))
    // Log lines are gathered for a few milliseconds before they are written.
    expect(await eventually(() => server.stderr.includes("ignoring invalid credential provider"))).toBe(true)
    expect(server.stderr).toContain("invalid destination for credential provider `my`: credential destination must use HTTPS unless it targets loopback over HTTP")
    const proxyDirectory = Path.join(codexHome, "proxy")
    const files = Fs.readdirSync(proxyDirectory)
    expect(files).toHaveLength(2)
    expect(files.filter((file) => /^ca-[0-9a-f]{64}\.pem$/.test(file))).toHaveLength(1)
    expect(files.filter((file) => /^ca-bundle-[0-9a-f]{64}\.pem$/.test(file))).toHaveLength(1)
    server.child.kill("SIGTERM")
    await server.exited
    expect(await eventually(() => Fs.readdirSync(proxyDirectory).length === 0)).toBe(true)
  })
})

/**
 * The attacker of issue 67's item 6: an unsandboxed masked child at the
 * server's uid reads its parent's memory through /proc and collects every
 * GitHub-token-shaped string there (it does not know the real one).
 */
const MEMORY_SCAN = `
const fs = require("node:fs")
const pid = process.ppid
let maps, fd
try { maps = fs.readFileSync("/proc/" + pid + "/maps", "utf8"); fd = fs.openSync("/proc/" + pid + "/mem", "r") }
catch (error) { console.log("denied " + error.code); process.exit(0) }
const found = new Set(), buffer = Buffer.alloc(1 << 22)
for (const line of maps.split("\\n")) {
  const range = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line)
  if (range === null || line.includes("[vvar") || line.includes("[vsyscall")) continue
  const end = parseInt(range[2], 16)
  for (let at = parseInt(range[1], 16); at < end; at += buffer.length - 64) {
    let read
    try { read = fs.readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at) } catch { break }
    for (const hit of buffer.toString("latin1", 0, read).matchAll(/ghp_[A-Za-z0-9]{36}/g)) found.add(hit[0])
  }
}
console.log("scanned " + [...found].join(" "))
`

/** Starts MEMORY_SCAN, run by `node`, as `server`'s masked child `scanner`; the start's answer. */
const startScanner = (server: WireClient, node: string) =>
  server.request("process/start", {
    processId: "scanner",
    argv: [node, "-e", MEMORY_SCAN],
    cwd: "file:///tmp",
    env: childEnvironment,
    tty: false,
    networkProxy: maskingLaunch()
  })

describe("credential masking without a sandbox, the server not root (issue 67)", () => {
  // As root a child has CAP_SYS_PTRACE, which a non-dumpable server does not stop: the server runs as nobody.
  const asNobody = process.getuid?.() === 0
  const nobodyCommand = useNobodyServer()
  /** How to start the server as nobody, or the test skipped saying why there is none. */
  const asNobodyOrSkip = (context: TestContext) => {
    const command = nobodyCommand()
    if (typeof command === "string") return context.skip(command)
    return command
  }
  const nobodyServer = async (context: TestContext, args: ReadonlyArray<string> = []) => {
    const { node, server: serverCommand, through } = asNobodyOrSkip(context)
    const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "masking-nobody-"))
    Fs.chmodSync(home, 0o755)
    if (asNobody) Fs.chownSync(home, 65534, 65534)
    const server = await startServer(args, {
      command: [...through, ...serverCommand],
      env: { HOME: home, CODEX_HOME: home, SSL_CERT_FILE: caFile }
    })
    return { server, home, node }
  }

  it("a masked child that reads the server's /proc/PID/mem finds no real token", async (context) => {
    const { node, server } = await nobodyServer(context)
    const started = await startScanner(server, node)
    expect(started.error).toBeUndefined()
    await server.closed("scanner", 60_000)
    const output = server.outputOf("scanner").toString()
    expect(output).not.toContain(GITHUB)
    expect(output).not.toContain(OTHER_GITHUB)
    // Kept out altogether: the server is not dumpable, so neither its maps nor its mem open.
    expect(output).toBe("denied EACCES\n")
  })

  it("without the addon (--no-native) it says so, and the child does find the token (docs/SECURITY.md's table)", async (context) => {
    const { node, server } = await nobodyServer(context, ["--no-native"])
    await startScanner(server, node)
    await server.closed("scanner", 60_000)
    expect(server.outputOf("scanner").toString()).toMatch(new RegExp(`^scanned .*${GITHUB}`))
    expect(await eventually(() => server.stderr.includes("the server's memory cannot be kept from other processes of its uid"))).toBe(true)
    expect(server.stderr).toContain("the native addon is switched off or was not built")
  })

  it("a server given a token file is not dumpable from its start; one with no secret stays dumpable until it masks", async (context) => {
    const { server, through } = asNobodyOrSkip(context)
    const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "masking-nobody-"))
    Fs.chmodSync(home, 0o755)
    const tokenFile = Path.join(home, "token")
    Fs.writeFileSync(tokenFile, "a-token-of-the-servers-own\n", { mode: 0o644 })
    /** What another process of the server's uid gets reading its maps. */
    const mapsAsItsUser = (pid: number) => {
      const [command, ...args] = [...through, "head", "-c", "1", `/proc/${pid}/maps`]
      try {
        execFileSync(command!, args, { stdio: ["ignore", "ignore", "pipe"] })
        return "read"
      } catch (error) {
        return String((error as { stderr?: Buffer }).stderr).includes("Permission denied") ? "denied" : String(error)
      }
    }
    const withToken = await startWebSocketServer(["--ws-token-file", tokenFile], { through, server, env: { HOME: home } })
    expect(mapsAsItsUser(withToken.child.pid!)).toBe("denied")
    const plain = await startWebSocketServer([], { through, server, env: { HOME: home } })
    expect(mapsAsItsUser(plain.child.pid!)).toBe("read")
  })

  it("what needs the server's descriptors still works: a sandboxed process (its seccomp filter) and a sandboxed fs call", async (context) => {
    const { home, server } = await nobodyServer(context)
    // Masked first, so the server is not dumpable by then.
    await server.request("process/start", {
      processId: "masked",
      argv: ["true"],
      cwd: "file:///tmp",
      env: childEnvironment,
      tty: false,
      networkProxy: maskingLaunch()
    })
    await server.closed("masked", 40_000)
    const started = await server.request("process/start", {
      processId: "boxed",
      argv: ["/bin/sh", "-c", "echo inside > inside.txt; touch /etc/outside 2>/dev/null || echo confined; grep Seccomp: /proc/self/status"],
      cwd: home,
      env: { PATH: "/usr/bin:/bin" },
      tty: false,
      sandbox: { writableRoots: [home], network: false }
    })
    expect(started.result?.sandboxType).toBe("linuxSeccomp")
    await server.closed("boxed", 40_000)
    expect(server.outputOf("boxed").toString()).toMatch(/^confined\nSeccomp:\s+2\n$/)
    const read = await server.request("fs/readFile", { path: Path.join(home, "inside.txt"), sandbox: workspaceWrite(home) })
    expect(read.error).toBeUndefined()
    expect(Buffer.from(read.result.dataBase64, "base64").toString()).toBe("inside\n")
    // The filters' holder, killed (by anyone of the server's uid), is made again for the next sandbox.
    const holder = Number(execFileSync("pgrep", ["-P", String(server.child.pid), "-f", "exec-server-seccomp"]).toString().trim())
    process.kill(holder, "SIGKILL")
    expect(await eventually(() => !Fs.existsSync(`/proc/${holder}`))).toBe(true)
    await server.request("process/start", {
      processId: "again",
      argv: ["/bin/sh", "-c", "grep Seccomp: /proc/self/status"],
      cwd: home,
      env: { PATH: "/usr/bin:/bin" },
      tty: false,
      sandbox: { writableRoots: [home], network: false }
    })
    await server.closed("again", 40_000)
    expect(server.outputOf("again").toString()).toMatch(/^Seccomp:\s+2\n$/)
  })
})
