/**
 * The servers that can hand over (`--keep-processes` with a WebSocket
 * listener or a NATS executor), as each says in its state directory while
 * it serves: `exec-server restart` finds the one to upgrade there, and
 * learns from the next file that its replacement serves.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Effect from "effect/Effect"
import { ownerRuns, serverIdentity } from "../process/heldRecords.js"

/** What a serving server writes: `exec-server-PID.server`. */
export interface RunningServer {
  readonly pid: number
  /** Its pid and start time (a pid alone may be another process's by now). */
  readonly identity: string
  /** What it serves (its `serving` URL or URLs). */
  readonly url: string
  readonly version: string
}

const PREFIX = "exec-server-"
const SUFFIX = ".server"

const fileOf = (stateDir: string, pid: number) => Path.join(stateDir, `${PREFIX}${pid}${SUFFIX}`)

/**
 * Says in `stateDir` that this server serves `url`, for as long as the
 * scope lives (a server that is killed leaves its file: it reads as gone,
 * and the next server's announcement removes it).
 */
export const announce = (stateDir: string, url: string, version: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      runningServers(stateDir)
      const file = fileOf(stateDir, process.pid)
      const running: RunningServer = { pid: process.pid, identity: serverIdentity(), url, version }
      try {
        Fs.writeFileSync(`${file}.new`, JSON.stringify(running), { mode: 0o600 })
        Fs.renameSync(`${file}.new`, file)
      } catch {
        // Only `exec-server restart` reads it; the server serves all the same.
      }
      return file
    }),
    (file) => Effect.sync(() => Fs.rmSync(file, { force: true }))
  )

/** The servers that say they serve with `stateDir` and still run; the files of those gone are removed. */
export const runningServers = (stateDir: string): Array<RunningServer> => {
  let names: Array<string>
  try {
    names = Fs.readdirSync(stateDir)
  } catch {
    return []
  }
  const found: Array<RunningServer> = []
  for (const name of names) {
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue
    const file = Path.join(stateDir, name)
    let running: RunningServer
    try {
      running = JSON.parse(Fs.readFileSync(file, "utf8")) as RunningServer
    } catch {
      continue
    }
    if (typeof running.pid === "number" && typeof running.identity === "string" && ownerRuns(running.identity)) found.push(running)
    else Fs.rmSync(file, { force: true })
  }
  return found.sort((a, b) => a.pid - b.pid)
}
