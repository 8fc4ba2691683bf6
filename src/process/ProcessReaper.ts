/**
 * Kills the process groups of a server that dies without cleaning up (such
 * as under SIGKILL). Node cannot ask the kernel to signal children when
 * their parent dies, so a tiny helper process holds a pipe from the server,
 * keeps the list of live groups, and kills them all when the pipe closes.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"

/** Keeps the list of process groups to kill if the server dies. */
export class ProcessReaper extends Context.Tag("effect-exec-server/ProcessReaper")<ProcessReaper, {
  readonly register: (pgid: number) => Effect.Effect<void>
  readonly unregister: (pgid: number) => Effect.Effect<void>
}>() {}

/**
 * The helper: reads `+PGID` / `-PGID` lines; at end of input (the server is
 * gone) it sends SIGTERM to every group still registered, then SIGKILL.
 * POSIX sh, so that Debian's dash runs it in under 2 MB (bash takes 4); the
 * groups live in one space-separated string.
 */
const REAPER_SCRIPT = `
trap '' INT HUP
groups=' '
while IFS= read -r line; do
  case $line in
    +[0-9]*) groups="$groups\${line#+} " ;;
    -[0-9]*)
      g=\${line#-}
      case $groups in *" $g "*) groups="\${groups%% $g *} \${groups#* $g }" ;; esac ;;
  esac
done
[ -z "\${groups# }" ] && exit 0
for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; done
sleep 0.5
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
`

/**
 * Provides the helper for the lifetime of the layer, started with the first
 * process (a server that runs none needs none). Without a shell the layer
 * provides nothing-doing registration and logs a warning.
 */
export const layerNode: Layer.Layer<ProcessReaper> = Layer.scoped(
  ProcessReaper,
  Effect.gen(function*() {
    if (!existsSync("/bin/sh")) {
      yield* Effect.logWarning("no /bin/sh: processes will not be reaped if the server is killed")
      return { register: () => Effect.void, unregister: () => Effect.void }
    }
    let helper: ChildProcess | undefined
    const started = (): ChildProcess => {
      if (helper === undefined) {
        // Its own process group: terminal signals meant for the server do not reach it.
        helper = spawn("/bin/sh", ["-c", REAPER_SCRIPT], { stdio: ["pipe", "ignore", "ignore"], detached: true })
        helper.stdin!.on("error", () => {})
        // The helper must not keep the server's event loop alive.
        helper.unref()
      }
      return helper
    }
    yield* Effect.addFinalizer(() => Effect.sync(() => helper?.stdin!.end()))
    return {
      register: (pgid) => Effect.sync(() => void started().stdin!.write(`+${pgid}\n`)),
      unregister: (pgid) => Effect.sync(() => void helper?.stdin!.write(`-${pgid}\n`))
    }
  })
)
