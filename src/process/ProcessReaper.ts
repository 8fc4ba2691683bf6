/**
 * Kills the process groups of a server that dies without cleaning up (such
 * as under SIGKILL), and removes the sandbox's placeholder directories. Node
 * cannot ask the kernel to signal children when their parent dies, so a tiny
 * helper process holds a pipe from the server, keeps the list of live groups
 * and placeholders, and cleans up when the pipe closes.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { PlaceholderGuard } from "../sandbox/placeholders.js"
import { withoutInherited } from "../native/inheritedDescriptors.js"

/** Keeps the list of process groups to kill if the server dies. */
export class ProcessReaper extends Context.Service<ProcessReaper, {
  readonly register: (pgid: number) => Effect.Effect<void>
  readonly unregister: (pgid: number) => Effect.Effect<void>
  /** A directory to remove (if still empty) should the server die. */
  readonly registerPlaceholder: (path: string) => Effect.Effect<void>
  readonly unregisterPlaceholder: (path: string) => Effect.Effect<void>
}>()("effect-exec-server/ProcessReaper") {}

/** How long a release may wait for others before it is written to the helper. */
const RELEASE_DELAY_MS = 10

/**
 * The helper: reads `+PGID` / `-PGID` lines and `dPATH` / `uPATH` lines
 * (placeholder directories); at end of input (the server is gone) it sends
 * SIGTERM to every group still registered, then SIGKILL, then removes the
 * placeholders that are still empty. POSIX sh, so that Debian's dash runs it
 * in under 2 MB. Each live group is a shell variable (`pg` and its id), set
 * and unset in constant time and listed with `set` at the end: removing a
 * word from one long string costs dash time quadratic in its length, and
 * with thousands of groups the helper would fall behind the server. Only digits
 * reach `eval` and `unset` (an invalid name would end the shell). The
 * placeholders, one per protected path whatever the number of sandboxes,
 * stay in one newline-separated string.
 */
export const REAPER_SCRIPT = `
trap '' INT HUP
nl='
'
dirs=$nl
while IFS= read -r line; do
  case $line in
    [+-][0-9]*)
      g=\${line#?}
      case $g in
        *[!0-9]*) ;;
        *) case $line in +*) eval "pg$g=1" ;; *) unset "pg$g" ;; esac ;;
      esac ;;
    d/*) dirs="$dirs\${line#d}$nl" ;;
    u/*)
      d=\${line#u}
      case $dirs in *"$nl$d$nl"*) dirs="\${dirs%%"$nl$d$nl"*}$nl\${dirs#*"$nl$d$nl"}" ;; esac ;;
  esac
done
groups=$(set | while IFS= read -r v; do case $v in pg[0-9]*=*) v=\${v%%=*}; printf '%s ' "\${v#pg}" ;; esac; done)
if [ -n "$groups" ]; then
  for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; done
  sleep 0.5
  for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
fi
printf %s "$dirs" | while IFS= read -r d; do [ -n "$d" ] && rmdir -- "$d" 2>/dev/null; done
exit 0
`

/**
 * The helper, for the lifetime of the scope, started with the first process
 * (a server that runs none needs none). Without a shell, registration does
 * nothing and a warning is logged.
 */
export const makeNode: Effect.Effect<ProcessReaper["Service"], never, Scope.Scope> =
  Effect.gen(function*() {
    if (!existsSync("/bin/sh")) {
      yield* Effect.logWarning("no /bin/sh: processes will not be reaped if the server is killed")
      return {
        register: () => Effect.void,
        unregister: () => Effect.void,
        registerPlaceholder: () => Effect.void,
        unregisterPlaceholder: () => Effect.void
      }
    }
    let helper: ChildProcess | undefined
    /** The helper, started now if need be; undefined when it cannot be (no descriptor left for its pipe: the next start tries again). */
    const started = (): ChildProcess | undefined => {
      if (helper !== undefined) return helper
      // Its own process group: terminal signals meant for the server do not
      // reach it. Only PATH from the environment: an inherited variable named
      // like a group's would be taken for one. Named (its $0) so that ps and
      // the benchmark can tell it from the processes it guards.
      const child = spawn(...withoutInherited("/bin/sh", ["-c", REAPER_SCRIPT, "exec-server-reaper"]), {
        stdio: ["pipe", "ignore", "ignore"],
        detached: true,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }
      })
      // A spawn that fails (EMFILE) says so in an event of the next tick: unheard, it would end the server.
      child.on("error", () => {})
      if (child.pid === undefined || child.stdin === null) return undefined
      child.stdin.on("error", () => {})
      // The helper must not keep the server's event loop alive.
      child.unref()
      helper = child
      return helper
    }
    // Lines are gathered, not written one each: a write to the helper's pipe
    // (and its wake-up) per process start and end is a good part of a spawn's CPU.
    // A registration goes out at the end of the current run of JavaScript (a
    // microtask; the outbound queue writes in one too, so it leaves in the same
    // microtask checkpoint as the process's start response). Releases wait up
    // to 10 ms for others: a group the helper still holds after its process
    // ended is one it would signal in vain, and its id cannot come back to
    // another group in that time.
    let pending: Array<string> = []
    let flushQueued = false
    let releaseTimer: NodeJS.Timeout | undefined
    /** Writes every pending line, registrations and releases alike. */
    const flush = () => {
      flushQueued = false
      if (releaseTimer !== undefined) clearTimeout(releaseTimer)
      releaseTimer = undefined
      if (pending.length === 0) return
      const lines = pending.join("")
      pending = []
      helper?.stdin!.write(lines)
    }
    /** Queues a registration; false when there is no helper to take it (the server is then not guarded for it). */
    const hold = (line: string): boolean => {
      if (started() === undefined) return false
      pending.push(line)
      if (!flushQueued) {
        flushQueued = true
        queueMicrotask(flush)
      }
      return true
    }
    const holdOrWarn = (line: string, what: Record<string, unknown>) =>
      Effect.suspend(() =>
        hold(line)
          ? Effect.void
          : Effect.logWarning("the reaper helper cannot be started (no descriptor left?): this is not cleaned up should the server be killed").pipe(
            Effect.annotateLogs(what)
          )
      )
    const release = (line: string) => {
      if (helper === undefined) return
      pending.push(line)
      if (releaseTimer === undefined) releaseTimer = setTimeout(flush, RELEASE_DELAY_MS).unref()
    }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        flush()
        helper?.stdin!.end()
      })
    )
    return {
      register: (pgid) => holdOrWarn(`+${pgid}\n`, { pgid }),
      unregister: (pgid) => Effect.sync(() => release(`-${pgid}\n`)),
      // Paths with a newline never become placeholders (see placeholders.ts).
      registerPlaceholder: (path) => holdOrWarn(`d${path}\n`, { placeholder: path }),
      unregisterPlaceholder: (path) => Effect.sync(() => release(`u${path}\n`))
    }
  })

/** Provides the helper for the lifetime of the layer (see `makeNode`). */
export const layerNode: Layer.Layer<ProcessReaper> = Layer.effect(ProcessReaper, makeNode)

/**
 * No reaper: a server that dies hard leaves its process groups and
 * placeholders behind (tests, and applications that supervise the server's
 * children themselves).
 */
export const layerNone: Layer.Layer<ProcessReaper> = Layer.succeed(ProcessReaper, {
  register: () => Effect.void,
  unregister: () => Effect.void,
  registerPlaceholder: () => Effect.void,
  unregisterPlaceholder: () => Effect.void
})

/** The reaper as the sandbox's placeholder guard. */
export const placeholderGuardOf = (reaper: ProcessReaper["Service"]): PlaceholderGuard["Service"] => ({
  register: reaper.registerPlaceholder,
  unregister: reaper.unregisterPlaceholder
})

/** The reaper as the sandbox's placeholder guard. */
export const layerPlaceholderGuard: Layer.Layer<PlaceholderGuard, never, ProcessReaper> = Layer.effect(
  PlaceholderGuard,
  Effect.map(ProcessReaper, placeholderGuardOf)
)
