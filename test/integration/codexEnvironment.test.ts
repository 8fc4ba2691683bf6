/**
 * The README's "Use it as Codex's environment" as printed, with Codex 0.171
 * (installed outside the project; without it the file is skipped, as
 * codexGates is): its model is the mock of scratch/codex-e2e/mock.mjs
 * (which has Codex run `uname -s`), given by a `codex` on PATH that adds
 * the mock's provider to `codex exec` and changes nothing else. (a) The
 * server block on ws://127.0.0.1:8765 (the README's port), then the
 * `CODEX_EXEC_SERVER_URL` block: the command runs as the server's process.
 * (b) The `environments.toml` block in a CODEX_HOME of the test's: Codex
 * starts `exec-server` from PATH on its stdio and runs the command there;
 * with no `exec-server` on PATH, it runs nothing.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { blockWith } from "../support/docBlocks.js"
import { REFERENCE_BINARY } from "../support/StdioServer.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const MOCK = Path.join(ROOT, "scratch", "codex-e2e", "mock.mjs")

const serverBlock = blockWith("README.md", "sh", "exec-server --listen ws://127.0.0.1:8765\n")
const urlBlock = blockWith("README.md", "sh", "CODEX_EXEC_SERVER_URL=")
const environmentsBlock = blockWith("README.md", "toml", "program = \"exec-server\"")

/** A port free a moment ago, for the mock model. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = Net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as Net.AddressInfo
      probe.close(() => resolve(port))
    })
  })

/** Codex's report that it ran `uname -s` and it printed Linux (its login shell may print before). */
const RAN_UNAME = /'uname -s' in \S+\n succeeded in \d+ms:\n(?:.*\n)*?Linux\n/

describe.skipIf(!Fs.existsSync(REFERENCE_BINARY))("the README's Codex environment, with Codex 0.171 and a mock model", () => {
  let dir: string
  let mock: ChildProcess
  /** PATH for the blocks: the mock-pointed `codex`, this Node, and (unless left out) the repository's exec-server. */
  let pathWith: (withServer: boolean) => string

  beforeAll(async () => {
    // Under $HOME: Codex's sandbox helper refuses a CODEX_HOME under /tmp, and workspace-write makes /tmp writable.
    dir = Fs.mkdtempSync(Path.join(Os.homedir(), ".exec-server-codex-env-"))
    const port = await freePort()
    mock = spawn(process.execPath, [MOCK, String(port)], { env: { ...process.env, CMD: "uname -s", LOG: Path.join(dir, "requests.log") }, stdio: ["ignore", "ignore", "pipe"] })
    await new Promise<void>((resolve, reject) => {
      mock.stderr!.setEncoding("utf8").on("data", (text: string) => text.includes(`mock on ${port}`) && resolve())
      mock.once("exit", (code) => reject(new Error(`the mock model exited (${code})`)))
    })
    const bin = Path.join(dir, "bin")
    Fs.mkdirSync(bin)
    Fs.writeFileSync(
      Path.join(bin, "codex"),
      `#!/bin/sh
# Codex, its model the mock's: what \`codex exec ...\` in the README runs here.
[ "$1" = exec ] || exec ${JSON.stringify(REFERENCE_BINARY)} "$@"
shift
MOCK_KEY=dummy exec ${JSON.stringify(REFERENCE_BINARY)} exec -m gpt-5.5 -c model_provider=mock -c 'model_providers.mock.name="mock"' \\
  -c 'model_providers.mock.base_url="http://127.0.0.1:${port}/v1"' -c 'model_providers.mock.wire_api="responses"' \\
  -c 'model_providers.mock.env_key="MOCK_KEY"' "$@" </dev/null
`,
      { mode: 0o755 }
    )
    pathWith = (withServer) =>
      [bin, ...(withServer ? [Path.join(ROOT, "dist", "cli")] : []), Path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(Path.delimiter)
  }, 30_000)

  afterAll(() => {
    mock?.kill()
    if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
  })

  /** A project of its own (a git repository: `codex exec` wants one) and a CODEX_HOME of its own. */
  const project = (name: string) => {
    const workspace = Path.join(dir, name)
    const codexHome = Path.join(dir, `${name}-codex-home`)
    Fs.mkdirSync(workspace)
    Fs.mkdirSync(codexHome)
    execFileSync("git", ["init", "-q", workspace])
    return { workspace, codexHome }
  }

  /** A block run by sh in the project, as a reader types it. */
  const runBlock = (text: string, cwd: string, env: NodeJS.ProcessEnv) =>
    spawnSync("sh", ["-c", text], { cwd, env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 })

  it("CODEX_EXEC_SERVER_URL: Codex runs the command as a process of the server the first block started", async () => {
    const { workspace, codexHome } = project("url")
    const server = spawn("sh", ["-c", serverBlock.text], { env: { ...process.env, PATH: pathWith(true) }, stdio: ["ignore", "ignore", "pipe"], detached: true })
    let serverLog = ""
    try {
      await new Promise<void>((resolve, reject) => {
        server.stderr!.setEncoding("utf8").on("data", (text: string) => {
          serverLog += text
          if (serverLog.includes("listening on ws://127.0.0.1:8765")) resolve()
        })
        server.once("exit", (code) => reject(new Error(`the server block exited (${code}):\n${serverLog}`)))
      })
      const run = runBlock(urlBlock.text, workspace, { PATH: pathWith(true), CODEX_HOME: codexHome })
      expect(run.status, run.stdout + run.stderr).toBe(0)
      expect(run.stdout + run.stderr).toMatch(RAN_UNAME)
      // It came through our server: Codex's session (kept a while after it left) ran a process there.
      const sessions = runBlock("exec-server sessions ws://127.0.0.1:8765", workspace, { PATH: pathWith(true) })
      expect(sessions.stdout, sessions.stderr).toMatch(/^\S+ +detached \(ends in \S+\) +\S+ +[1-9]\d* +\S+ +codex\S*/m)
    } finally {
      if (server.pid !== undefined && server.exitCode === null) process.kill(-server.pid, "SIGTERM")
    }
  }, 150_000)

  it("environments.toml with program: Codex starts exec-server from PATH and runs the command there; without it on PATH, nothing runs", () => {
    const { workspace, codexHome } = project("program")
    Fs.writeFileSync(Path.join(codexHome, "environments.toml"), environmentsBlock.text)
    // The URL block's command without its variable: the environment comes from environments.toml.
    const command = urlBlock.text.replace(/^CODEX_EXEC_SERVER_URL=\S+ /, "")
    const run = runBlock(command, workspace, { PATH: pathWith(true), CODEX_HOME: codexHome })
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout + run.stderr).toMatch(RAN_UNAME)

    // Codex's environment is the program: without exec-server on PATH, no command runs.
    const missing = runBlock(command, workspace, { PATH: pathWith(false), CODEX_HOME: codexHome })
    expect(missing.stdout + missing.stderr).not.toMatch(RAN_UNAME)
    expect(missing.stdout + missing.stderr).toMatch(/No usable execution environment is available/)
  }, 250_000)

  it("what Codex gives a program environment: its `args` alone (none without them), JSON-RPC on pipes; so no arguments must mean stdio, which the reference's default is not", () => {
    // docs/OPERATIONS.md "Without --listen" chooses our default from this.
    const { workspace, codexHome } = project("program-argv")
    const record = Path.join(dir, "program-argv.log")
    const bin = Path.join(dir, "recording-bin")
    Fs.mkdirSync(bin)
    // Records its arguments and what its stdin and stdout are, then runs `target` (ours, or the reference) with them.
    const recorder = (name: string, target: string) =>
      Fs.writeFileSync(
        Path.join(bin, name),
        `#!/bin/sh\nprintf '%s|%s|%s|%s\\n' ${JSON.stringify(name)} "$#\${1+ $*}" "$(readlink /proc/self/fd/0 | cut -d: -f1)" "$(readlink /proc/self/fd/1 | cut -d: -f1)" >> ${JSON.stringify(record)}\nexec ${JSON.stringify(target)} "$@"\n`,
        { mode: 0o755 }
      )
    recorder("ours", Path.join(ROOT, "dist", "cli", "exec-server"))
    recorder("reference", REFERENCE_BINARY)
    const command = urlBlock.text.replace(/^CODEX_EXEC_SERVER_URL=\S+ /, "")
    const runWith = (program: string, args?: ReadonlyArray<string>) => {
      Fs.writeFileSync(
        Path.join(codexHome, "environments.toml"),
        `default = "e"\ninclude_local = false\n\n[[environments]]\nid = "e"\nprogram = ${JSON.stringify(program)}\n${args === undefined ? "" : `args = ${JSON.stringify(args)}\n`}`
      )
      const run = runBlock(command, workspace, { PATH: [bin, pathWith(false)].join(Path.delimiter), CODEX_HOME: codexHome })
      return run.stdout + run.stderr
    }
    const recorded = () => Fs.readFileSync(record, "utf8").trim().split("\n")

    // Ours with no args: Codex passes none and speaks on two pipes, and the command runs.
    expect(runWith("ours")).toMatch(RAN_UNAME)
    expect(recorded()).toEqual(["ours|0|pipe|pipe"])
    // Its args, as given.
    expect(runWith("ours", ["--listen", "stdio://"])).toMatch(RAN_UNAME)
    expect(recorded()[1]).toBe("ours|2 --listen stdio://|pipe|pipe")
    // The reference started the same way with no --listen serves WebSocket: Codex has no environment.
    const reference = runWith("reference", ["exec-server"])
    expect(recorded()[2]).toBe("reference|1 exec-server|pipe|pipe")
    expect(reference).not.toMatch(RAN_UNAME)
    expect(reference).toMatch(/No usable execution environment is available/)
  }, 400_000)
})
