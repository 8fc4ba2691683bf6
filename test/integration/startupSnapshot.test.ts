/**
 * The binary's startup snapshot, as installed: the launcher
 * (`dist/cli/exec-server`) starts Node from the blob `native/startup-snapshot.mjs`
 * built for this Node binary and directory, and from the modules otherwise,
 * saying why at debug level. The rest of the suite starts its servers the
 * launcher's way (`serverArgs`), so it runs against the snapshot too.
 */
import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ClientTransport from "../../src/client/ClientTransport.js"
import { keepStderr, SERVER_BIN } from "../support/StdioServer.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const LAUNCHER = Path.join(ROOT, "dist/cli/exec-server")

/**
 * The environment with this Node first on PATH, as `npm test` has the project's pinned Node: the
 * launcher starts the `node` it finds there, and the build made the blob for this one.
 */
const thisNode: NodeJS.ProcessEnv = { ...process.env, PATH: [Path.dirname(process.execPath), process.env["PATH"]].join(Path.delimiter) }

const initialize = JSON.stringify({ id: 1, method: "initialize", params: { clientName: "snapshot-test" } }) + "\n"

interface Started {
  readonly answer: {
    readonly id: number
    readonly result: { readonly sessionId: string; readonly environmentInfo: { readonly shell: { readonly name: string; readonly path: string } } }
  }
  /** The `startup` of the server's debug line: "snapshot", or why it started from its modules (undefined above debug level). */
  readonly startup: string | undefined
  readonly stdoutLines: number
  readonly stderr: string
}

/**
 * Runs `launcher` with `initialize` piped on stdin (so it exits after the
 * answer) at `level` (debug unless told); through `prefix` when given
 * (another user's, or a shell).
 */
const start = (
  launcher: string,
  env: NodeJS.ProcessEnv = thisNode,
  prefix: ReadonlyArray<string> = [],
  level: "debug" | "warning" = "debug"
): Promise<Started> =>
  new Promise((resolve, reject) => {
    const [command, ...args] = [...prefix, launcher, "--log-level", level]
    const child = spawn(command!, args, { stdio: ["pipe", "pipe", "pipe"], env })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (data: Buffer) => (stdout += data))
    child.stderr.on("data", (data: Buffer) => (stderr += data))
    child.on("error", reject)
    child.on("close", (code) => {
      const startup = /message="exec-server \S+ serving stdio:\/\/" startup=("(?:[^"\\]|\\.)*"|\S+)/.exec(stderr)?.[1]
      if (code !== 0 || (level === "debug" && startup === undefined)) return reject(new Error(`exit ${code}\n${stderr}`))
      const lines = stdout.split("\n").filter((line) => line !== "")
      resolve({
        answer: JSON.parse(lines[0]!),
        startup: startup?.startsWith("\"") === true ? JSON.parse(startup) : startup,
        stdoutLines: lines.length,
        stderr
      })
    })
    child.stdin.end(initialize)
  })

/** A copy of the installed package's binary: dist/cli and the snapshot builder, sharing node_modules and the addon. */
const copyInstall = (to: string): string => {
  Fs.mkdirSync(Path.join(to, "dist"), { recursive: true })
  Fs.cpSync(Path.join(ROOT, "dist/cli"), Path.join(to, "dist/cli"), {
    recursive: true,
    filter: (file) => !file.endsWith(".map") && !file.endsWith(".d.ts")
  })
  Fs.cpSync(Path.join(ROOT, "native"), Path.join(to, "native"), { recursive: true })
  Fs.copyFileSync(Path.join(ROOT, "package.json"), Path.join(to, "package.json"))
  Fs.symlinkSync(Path.join(ROOT, "node_modules"), Path.join(to, "node_modules"))
  Fs.symlinkSync(Path.join(ROOT, "build"), Path.join(to, "build"))
  return Path.join(to, "dist/cli/exec-server")
}

/** The launcher's `client_flags`: the client's V8 flags, which its blob is built under. */
const clientFlags = (): Array<string> => /^client_flags="([^"]*)"$/m.exec(Fs.readFileSync(LAUNCHER, "utf8"))![1]!.split(" ")

/**
 * Runs `launcher exec stdio -- ...` (a client command, against a server it
 * starts) and reads the client's command line from /proc once the remote
 * command has said it started: what the launcher ran (`exec`, same pid).
 */
const runClient = (launcher: string, env: NodeJS.ProcessEnv = thisNode) =>
  new Promise<{ readonly argv: ReadonlyArray<string>; readonly stdout: string; readonly status: number | null }>((resolve, reject) => {
    const child = spawn(launcher, ["exec", "stdio", "--", "sh", "-c", "echo started; sleep 0.2; echo done"], {
      stdio: ["ignore", "pipe", "pipe"],
      env
    })
    keepStderr("the client", child.stderr)
    let argv: ReadonlyArray<string> = []
    let stdout = ""
    child.stdout.on("data", (data: Buffer) => {
      if (stdout === "") argv = Fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").filter((arg) => arg !== "")
      stdout += data
    })
    child.on("error", reject)
    child.on("close", (status) => resolve({ argv, stdout, status }))
  })

/**
 * The tests that build a snapshot and start the binary from a copy: a build
 * and up to seven starts, most from the modules, 9-14 s on 2 cores with the
 * suite beside them, past the default 30 s at load 12 (issue 81).
 */
const BUILD_AND_STARTS_MS = 120_000

let work: string
beforeAll(() => {
  work = Fs.mkdtempSync(Path.join(tmpdir(), "exec-server-snapshot-"))
})
afterAll(() => Fs.rmSync(work, { recursive: true, force: true }))

/**
 * What `script` prints, run by a server `launcher` starts over stdio with
 * `env`, in a process that inherits the server's whole environment.
 */
const childOutputThrough = (launcher: string, env: NodeJS.ProcessEnv, script: string) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(launcher, [], { stdio: ["pipe", "pipe", "pipe"], env })
    keepStderr("the launcher", child.stderr)
    let stdout = ""
    child.stdout.on("data", (data: Buffer) => {
      stdout += data
      const line = stdout.split("\n").find((l) => l.includes("\"process/output\""))
      if (line !== undefined) {
        resolve(Buffer.from(JSON.parse(line).params.chunk, "base64").toString())
        child.stdin.end()
      }
    })
    child.on("error", reject)
    child.stdin.write(initialize)
    child.stdin.write(JSON.stringify({ method: "initialized", params: {} }) + "\n")
    child.stdin.write(JSON.stringify({
      id: 2,
      method: "process/start",
      params: { processId: "env", argv: ["sh", "-c", script], cwd: "/tmp", env: {}, envPolicy: { inherit: "all" }, tty: false }
    }) + "\n")
  })

describe("the startup snapshot", () => {
  it("is built by the build for this Node, and the launcher starts from it through a symlink as npm links it", async () => {
    expect(ClientTransport.startupSnapshotFor(process.execPath)).toBe(Path.join(ROOT, "dist/cli/exec-server.blob"))
    const bin = Path.join(work, "bin")
    Fs.mkdirSync(bin)
    Fs.symlinkSync(LAUNCHER, Path.join(bin, "exec-server"))
    const started = await start(Path.join(bin, "exec-server"))
    expect(started.startup).toBe("snapshot")
    expect(started.stdoutLines).toBe(1)
    expect(started.answer).toMatchObject({ id: 1, result: { protocolVersion: "exec-server.v0" } })
    expect(execFileSync(Path.join(bin, "exec-server"), ["--version"], { encoding: "utf8" }).trim())
      .toBe(JSON.parse(Fs.readFileSync(Path.join(ROOT, "package.json"), "utf8")).version)
  })

  it("leaves the packages a feature loads at first use out of the blob, each required from beside the bundle", () => {
    const bundle = Path.join(ROOT, "dist/cli/startup-snapshot.cjs")
    const source = Fs.readFileSync(bundle, "utf8")
    // Each is required from the server's code or from the package that imports it, found from the bundle
    // (esbuild's minified names are JavaScript identifiers: `$` among their characters).
    const requires = [...source.matchAll(
      /"(\S+) was loaded while the startup snapshot was built[^"]*"\);var\{createRequire:([\w$]+)\}=require\("node:module"\);[\w$]+\.exports=\2\((?:\2\(__bundleUrl\)\.resolve\("([^"]+)"\)|__bundleUrl)\)\("\1"\)/g
    )].map((match) => ({ name: match[1]!, importer: match[3] }))
    // NATS, the HTTP client (@effect/platform-node's), the credentials' authority, the metrics exporter.
    expect(requires).toEqual(expect.arrayContaining([
      { name: "undici", importer: "@effect/platform-node" },
      { name: "pkijs", importer: undefined },
      { name: "@nats-io/transport-node", importer: undefined },
      { name: "@nats-io/jetstream", importer: undefined },
      { name: "@opentelemetry/sdk-metrics", importer: "@effect/opentelemetry" }
    ]))
    const requireFromBundle = createRequire(bundle)
    for (const { importer, name } of requires) {
      const from = importer === undefined ? requireFromBundle : createRequire(requireFromBundle.resolve(importer))
      expect(() => from.resolve(name), name).not.toThrow()
    }
    // Their source is not in the bundle: undici's own error class is not defined in it.
    expect(source).not.toContain("UND_ERR_CONNECT_TIMEOUT")
    expect(Fs.statSync(bundle).size).toBeLessThan(1.5 * 1024 * 1024)
  })

  // Node reads a blob whole and keeps it: Node's code cache of its built-in modules would double it (10.8 MB with it).
  it("is built without Node's code cache on Node 24 and later", (context) => {
    if (Number(process.versions.node.split(".")[0]) < 24) return context.skip("Node 22 builds it with the cache (such blobs crash there)")
    expect(Fs.statSync(Path.join(ROOT, "dist/cli/exec-server.blob")).size).toBeLessThan(7 * 1024 * 1024)
  })

  // The build rehearses a server's start (src/cli/startupSnapshotRehearsal.ts) so that the snapshot holds it compiled.
  it("keeps nothing of its rehearsal's server: connections are numbered from 1", async () => {
    const started = await start(LAUNCHER)
    expect(started.startup).toBe("snapshot")
    expect(started.stderr).toMatch(/message="session created" .*connectionId=1\b/)
  })

  it("keeps nothing of its rehearsal's shell: another user's server answers with that user's, not the build's (root's)", async (context) => {
    const nobody = Fs.readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":")).find((entry) => entry[2] === "65534")
    if (process.getuid?.() !== 0 || nobody === undefined) return context.skip("only root can start a server as another user (nobody, 65534)")
    const asNobodyPrefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    const help = (() => {
      try {
        return execFileSync(
          asNobodyPrefix[0]!,
          [...asNobodyPrefix.slice(1), "/bin/sh", "-c", "test -r \"$1\" && exec \"$2\" --help", "sh", `${LAUNCHER}.blob`, LAUNCHER],
          { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }
        )
      } catch {
        return ""
      }
    })()
    // The snapshot is this checkout's, built for its directory: a copy elsewhere would start from its modules.
    if (help.trim() === "") return context.skip(`nobody (65534) cannot read ${LAUNCHER}.blob: a directory above the checkout keeps it out`)
    const shell = nobody[6] === undefined || nobody[6] === "" || /\/(nologin|false)$/.test(nobody[6]) ? "/bin/sh" : nobody[6]
    const asNobody = await start(LAUNCHER, thisNode, asNobodyPrefix)
    expect(asNobody.startup).toBe("snapshot")
    expect(asNobody.answer.result.environmentInfo.shell).toEqual({ name: Path.basename(shell), path: shell })
  })

  it("gives each server started from it randomness of its own", async () => {
    const sessions = await Promise.all([start(LAUNCHER), start(LAUNCHER), start(LAUNCHER)])
    expect(sessions.map((s) => s.startup)).toEqual(["snapshot", "snapshot", "snapshot"])
    expect(new Set(sessions.map((s) => s.answer.result.sessionId)).size).toBe(3)
  })

  it("is what the client's spawnLocal and the suite's servers start from, with the binary's flags", () => {
    const command = ClientTransport.localServerCommand()
    expect(command).toEqual([
      process.execPath,
      ...ClientTransport.serverNodeFlags,
      "--snapshot-blob",
      Path.join(ROOT, "dist/cli/exec-server.blob"),
      "--"
    ])
    // Another Node binary gets the modules.
    expect(ClientTransport.localServerCommand("/bin/sh")).toEqual(["/bin/sh", ...ClientTransport.serverNodeFlags, SERVER_BIN])
    // The launcher's flags are the shebang's, which the blob was built with.
    const flags = /^flags="([^"]*)"$/m.exec(Fs.readFileSync(LAUNCHER, "utf8"))?.[1]
    expect(flags).toBe(ClientTransport.serverNodeFlags.join(" "))
  })

  it("is not used when EXEC_SERVER_SNAPSHOT=0, and the server says so at debug level", async () => {
    const modules = await start(LAUNCHER, { ...thisNode, EXEC_SERVER_SNAPSHOT: "0" })
    expect(modules.startup).toBe("modules: EXEC_SERVER_SNAPSHOT=0")
    expect(modules.answer).toMatchObject({ id: 1, result: { protocolVersion: "exec-server.v0" } })
  })

  it("is not used when built for another directory or missing, and the server says why at debug level", async () => {
    const launcher = copyInstall(Path.join(work, "copy"))
    const moved = await start(launcher)
    expect(moved.startup).toMatch(/^modules: the startup snapshot was built for another Node binary, directory or V8 flags \(to build it: node .*\/copy\/native\/startup-snapshot\.mjs\)$/)
    expect(moved.answer).toMatchObject({ id: 1, result: { protocolVersion: "exec-server.v0" } })

    Fs.rmSync(`${Path.dirname(launcher)}/exec-server.blob.stamp`)
    const missing = await start(launcher)
    expect(missing.startup).toMatch(/^modules: no startup snapshot was built/)

    // Rebuilt where it now lives, as the message says.
    execFileSync(process.execPath, [Path.join(work, "copy/native/startup-snapshot.mjs")], { stdio: "pipe" })
    expect(Fs.readFileSync(`${Path.dirname(launcher)}/exec-server.blob.stamp`, "utf8")).toContain(Path.dirname(launcher))
    const rebuilt = await start(launcher)
    expect(rebuilt.startup).toBe("snapshot")

    // Built under other V8 flags than the launcher's (Node would refuse the blob and not start): the modules.
    const stampFile = `${Path.dirname(launcher)}/exec-server.blob.stamp`
    Fs.writeFileSync(stampFile, Fs.readFileSync(stampFile, "utf8").replace("--v8-pool-size=1", "--v8-pool-size=2"))
    expect((await start(launcher)).startup).toMatch(/^modules: .* or V8 flags/)
  }, BUILD_AND_STARTS_MS)

  // Installs without scripts, and `npm pack`'s build, leave no stamp; the blob may go alone; a Node upgrade stales the stamp.
  describe.each(["/usr/bin/dash", "/bin/bash"].filter((shell) => Fs.existsSync(shell)))("under %s", (shell) => {
    it("falls back to the modules with nothing on stderr when the stamp is missing, the blob is missing or the stamp is stale", async () => {
      const launcher = copyInstall(Path.join(work, `fallback-${Path.basename(shell)}`))
      const stampFile = `${launcher}.blob.stamp`
      execFileSync(process.execPath, [Path.join(launcher, "../../../native/startup-snapshot.mjs")], { stdio: "pipe" })
      const stamp = Fs.readFileSync(stampFile, "utf8")
      expect((await start(launcher, thisNode, [shell])).startup).toBe("snapshot")
      /** Quiet at warning level (stderr empty) and saying why at debug level, answering `initialize` each time. */
      const fallsBack = async (why: RegExp) => {
        const quiet = await start(launcher, thisNode, [shell], "warning")
        expect(quiet.stderr).toBe("")
        expect(quiet.answer).toMatchObject({ id: 1, result: { protocolVersion: "exec-server.v0" } })
        const debug = await start(launcher, thisNode, [shell])
        expect(debug.startup).toMatch(why)
        expect(debug.stderr.split("\n").filter((line) => line !== "" && !line.startsWith("timestamp="))).toEqual([])
      }

      Fs.rmSync(stampFile)
      await fallsBack(/^modules: no startup snapshot was built \(to build it: node .*\/native\/startup-snapshot\.mjs\)$/)

      Fs.writeFileSync(stampFile, stamp)
      Fs.renameSync(`${launcher}.blob`, `${launcher}.blob.aside`)
      await fallsBack(/^modules: the startup snapshot's blob is missing \(to build it: node .*\/native\/startup-snapshot\.mjs\)$/)

      // Another Node binary's stamp: its device, inode, size and modification time.
      Fs.renameSync(`${launcher}.blob.aside`, `${launcher}.blob`)
      const other = Fs.statSync(shell)
      Fs.writeFileSync(stampFile, stamp.replace(/^\d+ \d+ \d+ \d+/, `${other.dev} ${other.ino} ${other.size} ${Math.floor(other.mtimeMs / 1000)}`))
      await fallsBack(/^modules: the startup snapshot was built for another Node binary/)
    }, BUILD_AND_STARTS_MS)
  })

  it("is not handed to the server's children: what the launcher says of it stays out of their environment", async () => {
    const launcher = copyInstall(Path.join(work, "children"))
    Fs.rmSync(`${Path.dirname(launcher)}/exec-server.blob.stamp`)
    expect(await childOutputThrough(launcher, thisNode, "echo ${EXEC_SERVER_NO_SNAPSHOT-unset}")).toBe("unset\n")
  })

  // The launcher gives Node glibc's huge pages for malloc's large blocks (the blob read among them), for Node alone.
  it("keeps the glibc tunables it sets out of the server's children, and passes a user's own through", async () => {
    // Node itself was started with them (its initial environment).
    const server = spawn(LAUNCHER, ["--listen", "stdio://"], { stdio: ["pipe", "pipe", "ignore"], env: thisNode })
    server.stdin.write(initialize)
    // Answered: the launcher has become Node.
    await new Promise((resolve) => server.stdout.once("data", resolve))
    const environ = Fs.readFileSync(`/proc/${server.pid}/environ`, "utf8").split("\0")
    server.stdin.end()
    expect(environ).toContain("GLIBC_TUNABLES=glibc.malloc.hugetlb=1")
    const script = "echo ${GLIBC_TUNABLES-unset} ${EXEC_SERVER_GLIBC_TUNABLES-unset}"
    expect(await childOutputThrough(LAUNCHER, thisNode, script)).toBe("unset unset\n")
    const own = { ...thisNode, GLIBC_TUNABLES: "glibc.malloc.check=0" }
    expect(await childOutputThrough(LAUNCHER, own, script)).toBe("glibc.malloc.check=0 unset\n")
    // From the modules as from the snapshot.
    const modules = { ...thisNode, EXEC_SERVER_SNAPSHOT: "0" }
    expect(await childOutputThrough(LAUNCHER, modules, script)).toBe("unset unset\n")
  })

  it("fails its build on secure randomness drawn, or process listeners added, while the modules load", async () => {
    const { drawsWhileLoading, processListenersAdded } = await import("../../src/cli/startupSnapshotGuard.js")
    const listener = () => {}
    process.on("SIGUSR2", listener)
    expect(processListenersAdded()).toContain("SIGUSR2")
    process.off("SIGUSR2", listener)
    expect(processListenersAdded()).not.toContain("SIGUSR2")
    const crypto = (await import("node:crypto")).default
    crypto.randomUUID()
    crypto.randomBytes(4)
    crypto.getRandomValues(new Uint8Array(4))
    const ours = () => drawsWhileLoading().filter((draw) => draw.stack.includes("startupSnapshot.test.ts"))
    expect(ours().map((draw) => draw.source)).toEqual(["crypto.randomUUID", "crypto.randomBytes", "crypto.getRandomValues"])
    // Once loading is over, draws are not recorded and work as before.
    expect(crypto.randomUUID()).toMatch(/^[0-9a-f-]{36}$/)
    expect(ours()).toHaveLength(3)
  })

  it("reads every Error's stack before Node 22 saves the heap (its V8 aborts on one never read)", async () => {
    const { formatErrorStacks, mustFormatStacks } = await import("../../src/cli/startupSnapshotStacks.js")
    expect([mustFormatStacks("22.19.0"), mustFormatStacks("22.23.3"), mustFormatStacks("24.21.0")]).toEqual([true, true, false])
    const kept = [new Error("never read"), new TypeError("nor this")]
    expect(formatErrorStacks()).toBeGreaterThanOrEqual(kept.length)
  })

  it("gives its rehearsal stand-ins for secure randomness, never a draw from the pools the snapshot would keep", async () => {
    const { whileRehearsing } = await import("../../src/cli/startupSnapshotGuard.js")
    const crypto = (await import("node:crypto")).default
    const drawn = await whileRehearsing(async () => ({
      uuids: [crypto.randomUUID(), crypto.randomUUID()],
      bytes: crypto.randomBytes(4),
      filled: crypto.getRandomValues(new Uint8Array([1, 2, 3]))
    }))
    expect(drawn.uuids[0]).toMatch(/^00000000-0000-4000-8000-0000000000[0-9a-f]{2}$/)
    expect(new Set(drawn.uuids).size).toBe(2)
    expect([...drawn.bytes, ...drawn.filled]).toEqual([0, 0, 0, 0, 0, 0, 0])
    await expect(whileRehearsing(async () => crypto.randomInt(10))).rejects.toThrow(/randomInt was drawn while the startup snapshot's rehearsal ran/)
    expect(crypto.randomUUID()).not.toMatch(/^00000000-/)
  })
})

describe("the client's startup snapshot", () => {
  it("is built beside the server's, and the launcher starts the client's commands from it under the client's flags", async () => {
    const blob = Path.join(ROOT, "dist/cli/exec-server-client.blob")
    expect(Fs.readFileSync(`${blob}.stamp`, "utf8").trim()).toMatch(new RegExp(` ${Path.dirname(blob)} ${clientFlags().join(" ")}$`))
    const run = await runClient(LAUNCHER)
    expect({ stdout: run.stdout, status: run.status }).toEqual({ stdout: "started\ndone\n", status: 0 })
    expect(run.argv.slice(1, run.argv.indexOf("exec"))).toEqual([...clientFlags(), "--snapshot-blob", blob, "--"])
  })

  it("holds the client's modules and none of the server's", () => {
    const source = Fs.readFileSync(Path.join(ROOT, "dist/cli/client-startup-snapshot.cjs"), "utf8")
    expect(source).toContain("Ctrl-P Ctrl-Q detaches")
    // The server's session store, and its snapshot's rehearsal.
    expect(source).not.toContain("session created")
    expect(source).not.toContain("snapshot rehearsal")
    // `ws` gets Node's TLS and HTTPS modules as stand-ins that load them at first use (a wss:// URL).
    for (const name of ["https", "tls"]) {
      expect(source).toMatch(new RegExp(`new Proxy\\(\\{\\},\\{get:\\([\\w$]+,([\\w$]+)\\)=>require\\("node:${name}"\\)\\[\\1\\]\\}\\)`))
    }
  })

  it("is not used when EXEC_SERVER_SNAPSHOT=0 or its stamp is stale: the client starts from its modules, under its flags", async () => {
    const modules = await runClient(LAUNCHER, { ...thisNode, EXEC_SERVER_SNAPSHOT: "0" })
    expect({ stdout: modules.stdout, status: modules.status }).toEqual({ stdout: "started\ndone\n", status: 0 })
    expect(modules.argv.slice(1, modules.argv.indexOf("exec"))).toEqual([...clientFlags(), Path.join(ROOT, "dist/cli/main.js")])

    const launcher = copyInstall(Path.join(work, "client-copy"))
    const moved = await runClient(launcher)
    expect(moved.stdout).toBe("started\ndone\n")
    expect(moved.argv).toContain(Path.join(Path.dirname(launcher), "main.js"))
    // Rebuilt where it now lives, with the server's.
    execFileSync(process.execPath, [Path.join(work, "client-copy/native/startup-snapshot.mjs")], { stdio: "pipe" })
    const rebuilt = await runClient(launcher)
    expect(rebuilt.argv).toContain(Path.join(Path.dirname(launcher), "exec-server-client.blob"))
    expect((await start(launcher)).startup).toBe("snapshot")
  }, BUILD_AND_STARTS_MS)
})
