/**
 * Nothing a session started outlives it, with the server's default flags:
 * every process is in its session's cgroup (v1 on this machine), so a
 * grandchild that left the process group (`setsid`, or `nohup … &` of a
 * subshell that exits) is killed with the rest as the session ends, a
 * pipe process's (the addon's child joins its groups itself) and a
 * terminal's (through the launcher) alike. (`--no-session-cgroups`:
 * resourceLimits.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { useInProcessServers } from "../support/InProcessServer.js"
import { cgroupOf, useStrays } from "../support/cgroups.js"
import { eventually, isAlive } from "../support/waiting.js"
import { pipeProcess, ptyProcess } from "../support/WireClient.js"

const startServer = useInProcessServers()

/** Pids a test made that must not outlive it, whatever its outcome; and its directories. */
const strays = useStrays()
const directories: Array<string> = []
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true })
})

/** The process group and session of `pid` (fields 5 and 6 of /proc/PID/stat, after the command's parentheses). */
const groupsOf = (pid: number): { readonly pgid: number; readonly sid: number } => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return { pgid: Number(fields[2]), sid: Number(fields[3]) }
}

/**
 * Each way a grandchild leaves its process's group and outlives it (bash
 * scripts), writing the process's pid (`outer=N`) and the grandchild's
 * (`pid=N`) to the file `$PIDS` (a terminal drops what a process of another
 * session writes as its session leader exits).
 */
const escapes = {
  // A session of its own: out of the process group and the terminal's reach.
  // (Not the script's last command, which bash would exec: setsid would fork as a group leader and
  // its parent exit at once, racing the child's setsid against the group's end.)
  setsid: "echo outer=$$ >> \"$PIDS\"; setsid sh -c 'sleep 300 & echo pid=$! >> \"$PIDS\"'; exit 0",
  // Double-forked: a background job (a process group of its own, as job control makes it) of a
  // subshell that exits at once, deaf to SIGHUP; still in the process's session.
  "nohup … &": "echo outer=$$ >> \"$PIDS\"; (set -m; nohup sleep 300 >/dev/null 2>&1 & echo pid=$! >> \"$PIDS\")"
} as const

describe("session cgroups by default", () => {
  for (const tty of [false, true]) {
    for (const [way, script] of Object.entries(escapes)) {
      it(`a ${tty ? "terminal" : "pipe"} process's grandchild that left it (${way}) is gone once its session ends`, async () => {
        const server = await startServer()
        const start = tty ? ptyProcess : pipeProcess
        const directory = mkdtempSync(Path.join(tmpdir(), "session-cgroups-"))
        directories.push(directory)
        const pids = Path.join(directory, "pids")
        const started = await server.request(
          "process/start",
          start("d", ["bash", "-c", script], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PIDS: pids } })
        )
        expect(started.result).toEqual({ processId: "d", sandboxType: "none" })
        await server.closed("d")
        const output = readFileSync(pids, "utf8")
        const pid = Number(/pid=(\d+)/.exec(output)?.[1])
        expect(pid, output).toBeGreaterThan(0)
        strays.push(pid)
        // It outlived its parent, and is in the session's own group (no leaf: it asked for no
        // limit; the freezer's only, as its session has none either).
        expect(isAlive(pid)).toBe(true)
        expect(cgroupOf(pid, "freezer")).toMatch(/\/exec-server\.[^/]+\/session-\d+$/)
        const outer = Number(/outer=(\d+)/.exec(output)?.[1])
        const { pgid, sid } = groupsOf(pid)
        // Out of the process's group, which the server kills as a whole.
        expect(pgid).not.toBe(outer)
        if (way === "setsid") expect(sid).not.toBe(outer)
        else expect(sid).toBe(outer)
        await server.close()
        expect(await eventually(() => !isAlive(pid), 30_000)).toBe(true)
      }, 60_000)
    }
  }
})
