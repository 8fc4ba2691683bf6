/** What the benchmark scripts share: the project's root, their options, the CPU of a process's threads, a server started as a listener. */
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

export const args = process.argv.slice(2)
/** The value after `--name`, or `fallback`. */
export const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`)
  return index === -1 ? fallback : args[index + 1]
}

/** CPU seconds of each thread of `pid` alive now, by thread id (the threads' nanosecond counters). */
export const threadCpuSeconds = (pid) =>
  new Map(readdirSync(`/proc/${pid}/task`).map((task) =>
    [task, Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]) / 1e9]))

/**
 * Where a server command names our binary (its launcher `…/cli/exec-server`
 * or its entry module `…/cli/main.js`), or -1 (the reference's binary).
 */
export const mainScriptIndex = (command) =>
  command.findIndex((part) => part.endsWith(Path.join("cli", "main.js")) || part.endsWith(Path.join("cli", "exec-server")))

/** How much of a server's output `launchServer` keeps to search and to show (the latest). */
const KEPT_OUTPUT_CHARS = 1 << 20

/**
 * Starts `command` (a server) in a process group of its own, stdout and
 * stderr read: `announced(pattern)` resolves with the first match of
 * `pattern` in what it printed (the last MiB) or rejects once it exits,
 * `url` is the first `ws://IP:PORT` it names (ours on stderr and stdout, the
 * reference on stdout), `output()` the latest of it, `exited` its exit
 * (code or signal), `stop()` SIGTERM to the group, then SIGKILL after
 * `graceMs`. `spawnOptions` go to spawn (env, cwd).
 */
export const launchServer = (command, spawnOptions = {}) => {
  const child = spawn(command[0], command.slice(1), { ...spawnOptions, stdio: ["ignore", "pipe", "pipe"], detached: true })
  let seen = ""
  const watchers = new Set()
  const look = (text) => {
    seen = (seen + text).slice(-KEPT_OUTPUT_CHARS)
    for (const watcher of watchers) watcher()
  }
  child.stdout.setEncoding("utf8").on("data", look)
  child.stderr.setEncoding("utf8").on("data", look)
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)))
  const gone = exited.then((status) => {
    throw new Error(`the server exited (${status}): ${seen.slice(-2000)}`)
  })
  gone.catch(() => {})
  const announced = (pattern) =>
    Promise.race([gone, new Promise((resolve) => {
      const watcher = () => {
        const match = pattern.exec(seen)
        if (match === null) return
        watchers.delete(watcher)
        resolve(match[0])
      }
      watchers.add(watcher)
      watcher()
    })])
  const stop = async (graceMs = 3000) => {
    try {
      process.kill(-child.pid, "SIGTERM")
    } catch {}
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs))])
    try {
      process.kill(-child.pid, "SIGKILL")
    } catch {}
    return child.exitCode ?? child.signalCode ?? undefined
  }
  return { child, pgid: child.pid, announced, url: announced(/ws:\/\/[\d.]+:\d+/), output: () => seen, exited, stop }
}
