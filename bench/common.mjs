/** What the benchmark scripts share: the project's root, their options, the CPU of a process's threads. */
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
