/**
 * Kills the process groups of a server that dies without cleaning up (such
 * as under SIGKILL). Node cannot ask the kernel to signal children when
 * their parent dies, so a tiny helper process holds a pipe from the server,
 * keeps the list of live groups, and kills them all when the pipe closes.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"

/** Keeps the list of process groups to kill if the server dies. */
export class ProcessReaper extends Context.Tag("effect-exec-server/ProcessReaper")<ProcessReaper, {
  readonly register: (pgid: number) => Effect.Effect<void>
  readonly unregister: (pgid: number) => Effect.Effect<void>
}>() {}

/**
 * The helper: reads `+PGID` / `-PGID` lines; at end of input (the server is
 * gone) it sends SIGTERM to every group still registered, then SIGKILL.
 * bash keeps it small (a few MB) and starts fast.
 */
const REAPER_SCRIPT = `
trap '' INT HUP
declare -A groups
while IFS= read -r line; do
  case $line in
    +[0-9]*) groups[\${line:1}]=1 ;;
    -[0-9]*) unset "groups[\${line:1}]" ;;
  esac
done
[ \${#groups[@]} -eq 0 ] && exit 0
for g in "\${!groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
sleep 0.5
for g in "\${!groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
`

/**
 * Starts the helper for the lifetime of the layer. Without bash the layer
 * provides nothing-doing registration and logs a warning.
 */
export const layerNode: Layer.Layer<ProcessReaper> = Layer.scoped(
  ProcessReaper,
  Effect.gen(function*() {
    if (!existsSync("/bin/bash")) {
      yield* Effect.logWarning("no /bin/bash: processes will not be reaped if the server is killed")
      return { register: () => Effect.void, unregister: () => Effect.void }
    }
    const helper = yield* Effect.acquireRelease(
      Effect.sync(() =>
        // Its own process group: terminal signals meant for the server do not reach it.
        spawn("/bin/bash", ["-c", REAPER_SCRIPT], { stdio: ["pipe", "ignore", "ignore"], detached: true })
      ),
      (helper) => Effect.sync(() => helper.stdin!.end())
    )
    helper.stdin!.on("error", () => {})
    // The helper must not keep the server's event loop alive.
    helper.unref()
    const send = (line: string) => Effect.sync(() => void helper.stdin!.write(`${line}\n`))
    return {
      register: (pgid) => send(`+${pgid}`),
      unregister: (pgid) => send(`-${pgid}`)
    }
  })
)
