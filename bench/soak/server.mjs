/**
 * The server under the soak: the built binary listening on a WebSocket
 * (`--listen ws://127.0.0.1:0`), started by bench/common.mjs's
 * launchServer, optionally in a mount namespace of its own where a small
 * tmpfs is the disk that fills (`fullDiskDir`). And what the soak reads
 * of it in /proc, and does to it from outside (SIGSTOP, its open-file limit).
 */
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { childrenOf, descriptorCountOf, rssOf, schedulingOf, threadCountOf } from "../../test/support/procfs.ts"
import { launchServer, root } from "../common.mjs"

/** The built binary, as users run it. */
export const BINARY = Path.join(root, "dist", "cli", "exec-server")

/** How large the full disk is: small, so that filling it is quick. */
const FULL_DISK_SIZE = "4m"

/**
 * Whether a tmpfs can be mounted in a mount namespace of the server's own
 * (`unshare --mount`: root, or CAP_SYS_ADMIN): the full disk needs it.
 * Nothing outside that namespace sees the mount, and it goes with it.
 */
export const canMountPrivateDisk = (dir) =>
  spawnSync("unshare", ["--mount", "--propagation", "private", "--", "mount", "-t", "tmpfs", "-o", "size=4k", "exec-server-soak", dir], { stdio: "ignore" }).status === 0

/** Whether `prlimit` can change a running process's open-file limit here (descriptor starvation needs it). */
export const hasPrlimit = () => spawnSync("prlimit", ["--version"], { stdio: "ignore" }).status === 0

/** Whether `setpriv` runs here (as root, the fork bomb runs as nobody through it: root is not bound by `ulimit -u`). */
export const hasSetpriv = () => spawnSync("setpriv", ["--version"], { stdio: "ignore" }).status === 0

/**
 * Starts `command` (the binary and its flags) listening on 127.0.0.1, port
 * 0; with `fullDiskDir`, in a private mount namespace where that directory
 * is a 4 MiB tmpfs. The pid is the server's own: unshare, sh and the
 * launcher each exec the next.
 */
export const startServer = async ({ command, fullDiskDir, env }) => {
  const inNamespace = fullDiskDir === undefined
    ? command
    : ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", `mount -t tmpfs -o size=${FULL_DISK_SIZE} exec-server-soak "$0" && exec "$@"`, fullDiskDir, ...command]
  const server = launchServer([...inNamespace, "--listen", "ws://127.0.0.1:0"], { env })
  return { ...server, pid: server.child.pid, url: await server.url }
}

/** A process's state letter, or undefined once gone. */
const stateOf = (pid) => schedulingOf(pid)?.state

/** The server's figures now: resident MiB, descriptors, threads, children (live and zombie). */
export const measure = (pid) => {
  const children = childrenOf(pid)
  const zombies = children.filter((child) => stateOf(child) === "Z").length
  return {
    rssMiB: rssOf(pid) / (1024 * 1024),
    fds: descriptorCountOf(pid),
    threads: threadCountOf(pid),
    children: children.length - zombies,
    zombies
  }
}

/** The soft and hard open-file limits of `pid` (/proc/PID/limits). */
export const openFileLimits = (pid) => {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((row) => row.startsWith("Max open files"))
  const [soft, hard] = line.slice("Max open files".length).trim().split(/\s+/)
  return { soft, hard }
}

/** Sets the open-file limits of a running process (`prlimit --pid`); throws when prlimit fails. */
export const setOpenFileLimits = (pid, { soft, hard }) => {
  const run = spawnSync("prlimit", ["--pid", String(pid), `--nofile=${soft}:${hard}`], { encoding: "utf8" })
  if (run.status !== 0) throw new Error(`prlimit failed: ${run.stderr.trim()}`)
}

/** The tasks (processes and their threads: what `ulimit -u` counts) whose real user is `uid`. */
export const tasksOfUser = (uid) =>
  readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).reduce((total, pid) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8")
      if (Number(/^Uid:\s+(\d+)/m.exec(status)[1]) !== uid) return total
      return total + Number(/^Threads:\s+(\d+)/m.exec(status)[1])
    } catch {
      return total
    }
  }, 0)
