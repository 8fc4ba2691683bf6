/**
 * What a server's process inherited reaches none of its children: the
 * descriptors a shell opened for it (`3<f 5<f 100<secret 1000<f`) and a
 * terminal's master. These need the built binary (and the built package,
 * for the embedder): each server is started with a descriptor table and an
 * EXEC_SERVER_NATIVE of its own, which a server in the test's process
 * shares with the test. The other ways out of a sandbox, and the server's
 * environment under the operator's sandbox, are sandboxEscapes.test.ts's,
 * on a server in process.
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { launchOf } from "../support/networkProxy.js"
import { run, sh } from "../support/sandboxEscapes.js"
import { useNamedTempDirs } from "../support/tempDirs.js"
import { ptyProcess, serverArgs, useStdioServers } from "../support/StdioServer.js"

const startServer = useStdioServers()
const execFileAsync = promisify(execFile)

const tempDir = useNamedTempDirs(".escape-", { unlock: true })

describe("descriptors the server inherited", () => {
  /**
   * The files of the chain: the server is started by a shell with
   * `3<f 5<f 100<secret 1000<f`, the secret in a directory the operator's
   * sandbox denies. Node marks 0 to 16 close-on-exec as it starts; 100 and
   * 1000 it leaves open for every child.
   */
  const chainFiles = () => {
    const workspace = tempDir("ws")
    const denied = tempDir("denied")
    const secret = Path.join(denied, "secret")
    Fs.writeFileSync(secret, "inherited-secret\n")
    const plain = Path.join(tempDir("plain"), "f")
    Fs.writeFileSync(plain, "plain\n")
    const redirections = `3<'${plain}' 5<'${plain}' 100<'${secret}' 1000<'${plain}'`
    return { workspace, denied, redirections }
  }
  /** `argv` run by a shell with the chain's redirections. */
  const byShell = (redirections: string, argv: ReadonlyArray<string>) => ["/bin/bash", "-c", `exec "$@" ${redirections}`, "bash", ...argv]
  /**
   * Reads fd 100 (through bash: dash names no descriptor past 9), then lists
   * the descriptors of the very process the server started (the shell execs
   * the listing).
   */
  const probe = sh("bash -c 'cat <&100' 2>&1; exec ls -l /proc/self/fd")
  /** The descriptors the probe listed, but the listing's own (its /proc/N/fd directory), as `N -> target`. */
  const listedIn = (output: string): Array<string> =>
    output.split(/\r?\n/).flatMap((line) => {
      const entry = / (\d+) -> (.*)$/.exec(line)
      return entry === null || /^\/proc\/\d+\/fd$/.test(entry[2]!) ? [] : [`${entry[1]} -> ${entry[2]}`]
    })
  /** Exactly 0, 1 and 2, and fd 100 could not be read. */
  const expectOnlyStdio = (output: string, label: string) => {
    const listed = listedIn(output)
    expect(listed.map((entry) => Number(entry.split(" ")[0])).sort((a, b) => a - b), `${label}: ${listed.join(", ")}`).toEqual([0, 1, 2])
    expect(output, label).toContain("100: Bad file descriptor")
    expect(output, label).not.toContain("inherited-secret")
  }

  it("reach no process it starts: a shell's `3<f 5<f 100<secret 1000<f` (the secret where the operator's sandbox denies) leave children 0, 1 and 2, through posix_spawn, child_process and node-pty, sandboxed, bridged or not", async () => {
    const { denied, redirections } = chainFiles()
    for (const native of ["1", "0"]) {
      for (const sandboxed of [false, true]) {
        // A workspace per server: the placeholders (.agents, ...) one server removes as its last sandbox ends
        // are counted per server, and another's sandbox starting in the same workspace then fails in bwrap
        // ("Can't find source path .../.agents"), which is not what this test is about.
        const workspace = tempDir("ws")
        const flags = sandboxed ? ["--sandbox-write", workspace, "--sandbox-deny", denied] : []
        const server = await startServer(flags, { command: byShell(redirections, [process.execPath, ...serverArgs()]), env: { EXEC_SERVER_NATIVE: native } })
        const label = `EXEC_SERVER_NATIVE=${native}${sandboxed ? " sandboxed" : ""}`
        for (const tty of [false, true]) {
          const { started, output } = await run(server, `probe-${tty}`, probe, { cwd: workspace }, tty)
          expect(started.sandboxType, label).toBe(sandboxed ? "linuxSeccomp" : "none")
          expectOnlyStdio(output, `${label} ${tty ? "pty" : "pipe"}`)
        }
        if (sandboxed) {
          // A managed proxy bridged into the sandbox: the shim starts the forwarder beside the command.
          const { output } = await run(server, "bridged", probe, { cwd: workspace, networkProxy: launchOf({ enableSocks5: true }) })
          expectOnlyStdio(output, `${label} bridged`)
        }
      }
    }
  })

  it("reach no process an embedder's layers start: a Node program started with the same redirections keeps its descriptors, its children get 0, 1 and 2", async () => {
    const { denied, redirections, workspace } = chainFiles()
    const embedder = Path.resolve(import.meta.dirname, "../support/embedder.mjs")
    const policy = { writableRoots: [workspace], deniedPaths: [denied] }
    for (const native of ["1", "0"]) {
      const [shell, ...args] = byShell(redirections, [process.execPath, embedder, JSON.stringify(probe), workspace, JSON.stringify(policy)])
      const { stdout } = await execFileAsync(shell!, args, { env: { ...process.env, EXEC_SERVER_NATIVE: native }, timeout: 60_000 })
      const result = JSON.parse(stdout) as Record<"pipe" | "pty" | "sandboxedPipe" | "sandboxedPty", string> & { readonly ownFds: ReadonlyArray<number> }
      for (const kind of ["pipe", "pty", "sandboxedPipe", "sandboxedPty"] as const) expectOnlyStdio(result[kind], `EXEC_SERVER_NATIVE=${native} ${kind}`)
      // Its own descriptors are its own: none was closed.
      expect(result.ownFds).toEqual(expect.arrayContaining([3, 5, 100, 1000]))
    }
  })

  it("nor does a terminal's master: a process started while another runs in a terminal cannot reach that terminal", async () => {
    for (const native of ["1", "0"]) {
      const server = await startServer([], { env: { EXEC_SERVER_NATIVE: native } })
      const started = await server.request("process/start", ptyProcess("terminal", sh("echo ready; read line")))
      expect(started.error).toBeUndefined()
      await server.outputContains("terminal", "ready")
      for (const tty of [false, true]) {
        const { output } = await run(server, `probe-${tty}`, sh("exec ls -l /proc/self/fd"), {}, tty)
        const listed = listedIn(output)
        expect(listed.map((entry) => Number(entry.split(" ")[0])).sort((a, b) => a - b), `EXEC_SERVER_NATIVE=${native} ${tty}: ${listed.join(", ")}`).toEqual([0, 1, 2])
      }
      await server.request("process/terminate", { processId: "terminal" })
      await server.closed("terminal")
    }
  })
})
