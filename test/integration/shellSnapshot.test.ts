/**
 * `process/start.shellSnapshot` (issue 47, `shellSnapshotV2`): `bash -lc`
 * runs from a snapshot of the login shell taken once per scope. The same
 * cases run against the reference (codex 0.169's `exec-server`) where it
 * is installed, over the same HOME: what Codex relies on (a non-login shell
 * that still has the login files' exports, functions, aliases and options;
 * the client's env winning; one capture per scope; only `-lc` rewritten; a
 * failed capture running the command as asked; the -32602 words). Ours
 * runs in process, on src/; the reference as a child, over stdio.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SERVERS_TO_COMPARE, useServersToCompare } from "../support/InProcessServer.js"
import type { WireClient } from "../support/WireClient.js"
import type { ParamsOf } from "../../src/testing/TestConnection.js"

const startServers = useServersToCompare()
/** Ours (no `command`) in process; the reference's `command` as a child. */
const startServer = (command?: ReadonlyArray<string>): Promise<WireClient> => startServers([], { command })

let root = ""
/** A HOME whose login files say what they set, and count how often `.bashrc` is read. */
const homeWith = (name: string, bashrc: string) => {
  const home = Path.join(root, name)
  const counter = Path.join(home, "reads")
  rmSync(home, { recursive: true, force: true })
  mkdirSync(home, { recursive: true })
  writeFileSync(Path.join(home, ".bash_profile"), "export PROFILE_RAN=1\n. ~/.bashrc\n")
  writeFileSync(Path.join(home, ".bashrc"), `echo read >> ${counter}\n${bashrc}`)
  return { home, reads: () => (existsSync(counter) ? readFileSync(counter, "utf8").split("\n").length - 1 : 0) }
}

const STANDARD_RC = `export FOO=fromrc
NOT_EXPORTED=hidden
alias myalias='echo ALIAS_RAN'
myfunc() { echo "FUNC_RAN $1"; }
shopt -s globstar
set -o noclobber
`

/** What the command says of its shell. */
const INSPECT = [
  "shopt -q login_shell && echo login=on || echo login=off",
  "echo \"FOO=$FOO NOT_EXPORTED=${NOT_EXPORTED-unset} PROFILE=${PROFILE_RAN-unset}\"",
  "alias myalias",
  "myfunc x",
  "shopt -q globstar && echo globstar",
  "[[ -o noclobber ]] && echo noclobber",
  "env | grep -c SHELL_SNAPSHOT"
].join("; ")

beforeAll(() => {
  root = mkdtempSync(Path.join(Os.tmpdir(), "shell-snapshot-"))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const BASH = { name: "bash", path: "/bin/bash" }

describe.each(SERVERS_TO_COMPARE)("shell snapshots ($name)", ({ command, name }) => {
  let server: WireClient
  let home: ReturnType<typeof homeWith>
  let count = 0
  beforeAll(() => {
    home = homeWith(`${name}-standard`, STANDARD_RC)
  })

  /** Runs argv to its close; its output and exit code, or the start's error. */
  const run = async (argv: ReadonlyArray<string>, extra: Record<string, unknown> = {}, env: Record<string, string> = {}) => {
    const processId = `p${++count}`
    const started = await server.request("process/start", {
      processId,
      argv,
      cwd: "file:///tmp",
      env: { PATH: "/usr/bin:/bin", HOME: home.home, ...env },
      tty: false,
      ...extra
    })
    if (started.error !== undefined) return { error: started.error as { code: number; message: string } }
    // The exit status awaited in its own right, not assumed to precede `closed`: a run against the
    // reference under load once found none when `closed` came (ours sends them in seq order, docs/PROTOCOL.md).
    const [exited] = await Promise.all([
      server.waitFor((m) => m.method === "process/exited" && m.params.processId === processId, 30_000),
      server.closed(processId, 30_000)
    ])
    return { output: server.outputOf(processId).toString(), exitCode: exited.params.exitCode as number | undefined }
  }

  it("runs bash -lc as a non-login shell that has the login files' exports, functions, aliases and options; the client's env wins", async () => {
    server = await startServer(command)
    const plain = await run(["/bin/bash", "-lc", INSPECT])
    expect(plain.output).toContain("login=on")
    const snapshot = { shellSnapshot: { scopeId: "scope-a", shell: BASH } }
    const first = await run(["/bin/bash", "-lc", INSPECT], snapshot)
    expect(first.output?.split("\n")).toEqual([
      "login=off",
      "FOO=fromrc NOT_EXPORTED=unset PROFILE=1",
      "alias myalias='echo ALIAS_RAN'",
      "FUNC_RAN x",
      "globstar",
      "noclobber",
      "0",
      ""
    ])
    const overridden = await run(["/bin/bash", "-lc", "echo FOO=$FOO; shopt -q login_shell || echo login=off"], snapshot, { FOO: "client" })
    expect(overridden.output).toBe("FOO=client\nlogin=off\n")
    // `.bashrc` was read by the plain run, and twice by one capture (by the profile, then as an
    // interactive shell's): the scope's second start reads it no more; another scope captures again.
    expect(home.reads()).toBe(3)
    await run(["/bin/bash", "-lc", "true"], { shellSnapshot: { scopeId: "scope-b", shell: BASH } })
    expect(home.reads()).toBe(5)
  })

  it("rewrites only exactly -lc, and keeps the script's arguments and exit status", async () => {
    server = await startServer(command)
    const snapshot = { shellSnapshot: { scopeId: "forms", shell: BASH } }
    for (const argv of [["/bin/bash", "-c", "shopt -q login_shell && echo on || echo off"], ["/bin/bash", "-l", "-c", "shopt -q login_shell && echo on || echo off"]]) {
      expect((await run(argv, snapshot)).output).toBe(argv[1] === "-c" ? "off\n" : "on\n")
    }
    expect((await run(["bash", "-lc", "shopt -q login_shell && echo on || echo off"], snapshot)).output).toBe("on\n")
    const withArgs = await run(["/bin/bash", "-lc", "echo \"$0 $1 $FOO\"; exit 7", "zero", "one"], snapshot)
    expect(withArgs).toEqual({ output: "zero one fromrc\n", exitCode: 7 })
  })

  it("runs the command as asked when the capture fails", async () => {
    server = await startServer(command)
    const failing = homeWith(`${name}-failing`, "export FOO=never\nexit 1\n")
    const result = await run(["/bin/bash", "-lc", "shopt -q login_shell && echo login=on; echo FOO=${FOO-unset}"], {
      shellSnapshot: { scopeId: "failing", shell: BASH }
    }, { HOME: failing.home })
    expect(result.exitCode).toBe(1)
    expect(result.output).toBe("")
  })

  it("zsh: -lc runs as `zsh -fc` from the snapshot, with .zshrc's exports, functions, aliases and options, read once per scope", async () => {
    server = await startServer(command)
    const zshHome = Path.join(root, `${name}-zsh`)
    mkdirSync(zshHome, { recursive: true })
    const counter = Path.join(zshHome, "reads")
    writeFileSync(Path.join(zshHome, ".zprofile"), "export PROFILE_RAN=1\n")
    writeFileSync(Path.join(zshHome, ".zshrc"), `echo read >> ${counter}\nexport FOO=fromzshrc\nalias myalias='echo ALIAS_RAN'\nmyfunc() { echo "FUNC_RAN $1" }\nsetopt extendedglob\n`)
    const inspect = "echo FOO=$FOO PROFILE=${PROFILE_RAN-unset}; alias myalias; myfunc x; [[ -o extendedglob ]] && echo extendedglob; [[ -o login ]] && echo login=on || echo login=off"
    const snapshot = { shellSnapshot: { scopeId: "zsh", shell: { name: "zsh", path: "/usr/bin/zsh" } } }
    const first = await run(["/usr/bin/zsh", "-lc", inspect], snapshot, { HOME: zshHome })
    // The reference replays `setopt login`; ours runs the command as the non-login shell it is, as for bash.
    expect(first.output?.split("\n")).toEqual([
      "FOO=fromzshrc PROFILE=1",
      "myalias='echo ALIAS_RAN'",
      "FUNC_RAN x",
      "extendedglob",
      name === "ours" ? "login=off" : "login=on",
      ""
    ])
    await run(["/usr/bin/zsh", "-lc", "true"], snapshot, { HOME: zshHome })
    expect(readFileSync(counter, "utf8")).toBe("read\n")
  })

  it("sh: -lc runs as `sh -c` from the snapshot, with the profile's exports and options and $ENV's aliases (dash prints no functions)", async () => {
    server = await startServer(command)
    const shHome = Path.join(root, `${name}-sh`)
    mkdirSync(shHome, { recursive: true })
    writeFileSync(Path.join(shHome, ".profile"), `export FOO=fromprofile\nexport ENV="$HOME/.shrc"\nset -o noclobber\n`)
    writeFileSync(Path.join(shHome, ".shrc"), "export FROM_ENV=1\nalias myalias='echo ALIAS_RAN'\n")
    const inspect = "echo FOO=$FOO FROM_ENV=${FROM_ENV-unset}; case $- in *C*) echo noclobber;; esac; alias myalias 2>/dev/null || echo no-alias; case $- in *l*) echo login;; *) echo not-login;; esac"
    const result = await run(["/bin/sh", "-lc", inspect], { shellSnapshot: { scopeId: "sh", shell: { name: "sh", path: "/bin/sh" } } }, { HOME: shHome })
    // The reference's capture runs `unalias -a` before it lists the aliases, so its sh snapshots have none.
    expect(result.output?.split("\n")).toEqual([
      "FOO=fromprofile FROM_ENV=1",
      "noclobber",
      name === "ours" ? "myalias='echo ALIAS_RAN'" : "no-alias",
      "not-login",
      ""
    ])
  })

  it("refuses a scope of no or over 256 bytes, and an unknown shell for a command it would rewrite (-32602)", async () => {
    server = await startServer(command)
    const refusal = async (shellSnapshot: unknown, argv = ["/bin/bash", "-lc", "true"]) => (await run(argv, { shellSnapshot })).error
    expect(await refusal({ scopeId: "", shell: BASH })).toEqual({
      code: -32602,
      message: "shell snapshot scope must be non-empty and at most 256 bytes"
    })
    expect((await refusal({ scopeId: "é".repeat(129), shell: BASH }))?.code).toBe(-32602)
    expect((await run(["/bin/bash", "-lc", "true"], { shellSnapshot: { scopeId: "é".repeat(128), shell: BASH } })).exitCode).toBe(0)
    expect(await refusal({ scopeId: "s", shell: { name: "fish", path: "/bin/bash" } })).toEqual({
      code: -32602,
      message: "shell snapshots are unsupported for shell `fish`"
    })
    // Not rewritten, so not refused.
    expect((await run(["/bin/bash", "-c", "true"], { shellSnapshot: { scopeId: "s", shell: { name: "fish", path: "/bin/bash" } } })).exitCode).toBe(0)
    expect((await refusal({ scopeId: "s" }))?.code).toBe(-32602)
  })
})

describe("shell snapshots (ours: a terminal, a sandbox)", () => {
  it("restores the snapshot for a terminal's command, and captures under the start's sandbox", async () => {
    const server = await startServer()
    const home = homeWith("ours-extra", STANDARD_RC)
    const start = async (processId: string, extra: { readonly tty: boolean; readonly sandbox?: ParamsOf<"process/start">["sandbox"] }) => {
      const started = await server.request("process/start", {
        processId,
        argv: ["/bin/bash", "-lc", "shopt -q login_shell || echo login=off; echo FOO=$FOO; touch /etc/outside 2>/dev/null || echo confined"],
        cwd: "file:///tmp",
        env: { PATH: "/usr/bin:/bin", HOME: home.home },
        shellSnapshot: { scopeId: processId, shell: BASH },
        ...extra
      })
      expect(started.error).toBeUndefined()
      await server.closed(processId, 30_000)
      return server.outputOf(processId).toString().replace(/\r\n/g, "\n")
    }
    expect(await start("terminal", { tty: true })).toContain("login=off\nFOO=fromrc\n")
    // Read by the capture alone (twice: by the profile, then as an interactive shell's).
    expect(home.reads()).toBe(2)
    if (!existsSync("/usr/bin/bwrap")) return
    expect(await start("sandboxed", { tty: false, sandbox: { writableRoots: [home.home] } })).toBe("login=off\nFOO=fromrc\nconfined\n")
    expect(home.reads()).toBe(4)
  })
})
