/**
 * `exec-server restart`: upgrades a running server with `--keep-processes`
 * in place. It finds the server in the state directory, sends it SIGUSR2
 * (the handover: cli/handover.ts) and waits until the server that replaced
 * it serves; its exit status says whether the upgrade happened.
 */
import type { CommandGuide } from "./help.js"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Cli from "./commandSpec.js"
import type { RunningServer } from "./runningServers.js"

/** How long the new server may take to serve, by default. */
const DEFAULT_TIMEOUT_MS = 60_000
const POLL_MS = 50
/** How long after the old server's exit the new one's file may still be on its way. */
const SUCCESSOR_GRACE_MS = 2000

/** Ends the command with `status`, after a line on stderr. */
const finish = (status: number, line: string) =>
  Effect.sync(() => {
    process.stderr.write(`exec-server: ${line}\n`)
    process.exitCode = status
  })

const describe = (server: RunningServer) => `pid ${server.pid} (${server.version}, serving ${server.url})`

export const restartCommand = Cli.make(
  "restart",
  "Upgrade a running server with --keep-processes in place: the binary is started again, takes the listening socket (or the NATS environment) and adopts the processes",
  {
    stateDir: {
      _tag: "OptionalText",
      name: "state-dir",
      help: "The server's --state-dir (default: the default one of this user)"
    },
    pid: { _tag: "OptionalWhole", name: "pid", help: "Which server, when more than one runs with the state directory" },
    timeoutMs: {
      _tag: "OptionalWhole",
      name: "timeout-ms",
      help: `How long to wait for the new server to serve (default ${DEFAULT_TIMEOUT_MS})`
    }
  },
  (flags) =>
    Effect.gen(function*() {
      // Loaded when run: the client's entry reads this command's flags, and loads nothing of the server's.
      const [{ ownerRuns }, StateDirectory, { runningServers }] = yield* Effect.promise(() =>
        Promise.all([import("../process/heldRecords.js"), import("../process/stateDirectory.js"), import("./runningServers.js")])
      )
      const stateDir = Option.getOrElse(flags.stateDir, () => StateDirectory.defaultStateDirectory(process.env))
      const running = runningServers(stateDir)
      const pid = Option.getOrUndefined(flags.pid)
      const chosen = pid === undefined ? running : running.filter((server) => server.pid === pid)
      if (chosen.length === 0) {
        return yield* finish(
          1,
          pid === undefined
            ? `no server with --keep-processes and a WebSocket or NATS listener runs with the state directory ${stateDir}`
            : `no such server with the state directory ${stateDir}: pid ${pid}`
        )
      }
      if (chosen.length > 1) {
        return yield* finish(2, `more than one server runs with ${stateDir}; choose one with --pid: ${chosen.map(describe).join("; ")}`)
      }
      const old = chosen[0]!
      const others = new Set(running.map((server) => server.pid))
      try {
        process.kill(old.pid, "SIGUSR2")
      } catch (error) {
        return yield* finish(1, `cannot signal pid ${old.pid}: ${(error as Error).message}`)
      }
      const timeoutMs = Option.getOrElse(flags.timeoutMs, () => DEFAULT_TIMEOUT_MS)
      const deadline = Date.now() + timeoutMs
      // The old server exits once the new one says it serves, which writes its file just after: a moment's grace.
      let goneSince: number | undefined
      for (;;) {
        const replacement = runningServers(stateDir).find((server) => !others.has(server.pid))
        const oldGone = !ownerRuns(old.identity)
        if (replacement !== undefined && oldGone) {
          process.stdout.write(`${replacement.pid}\n`)
          return yield* finish(0, `restarted: pid ${old.pid} → ${describe(replacement)}`)
        }
        if (oldGone) goneSince ??= Date.now()
        if (goneSince !== undefined && replacement === undefined && Date.now() - goneSince >= SUCCESSOR_GRACE_MS) {
          return yield* finish(1, `pid ${old.pid} exited and no new server serves (see its log); its processes wait in their holders for the next server`)
        }
        if (Date.now() >= deadline) {
          return yield* finish(1, `no new server served within ${timeoutMs} ms (pid ${old.pid} ${oldGone ? "exited" : "still runs"}); see the server's log`)
        }
        yield* Effect.sleep(POLL_MS)
      }
    })
)

/** The restart command's usage line and examples, for its `--help`. */
export const restartGuide: CommandGuide = {
  summary: "Upgrade a running server with --keep-processes in place",
  usage: "exec-server restart [--state-dir DIR] [--pid PID] [--timeout-ms N]",
  examples: [
    "exec-server restart                          # the server using this user's default state directory",
    "exec-server restart --state-dir /run/exec-server --pid 4242"
  ]
}
