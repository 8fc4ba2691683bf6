/**
 * `--keep-processes` on the command line: the state directory made ready,
 * and what the server's own end does to the kept processes (`--on-exit`).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as StateDirectory from "../process/stateDirectory.js"
import { SessionStore } from "../server/SessionStore.js"
import { keepFlags } from "../server/ServerFlags.js"
import type { ValuesOf } from "./flagOptions.js"
import { ListenUrlError } from "./webSocketListen.js"

/** What `--keep-processes` and its flags settle. */
export interface KeptProcessesSettings {
  readonly stateDir: string
  readonly orphanTtlMs: number
  /** `--on-exit=keep-processes`: the server's end leaves the processes running for the next server. */
  readonly leaveOnExit: boolean
}

type KeepFlagValues = ValuesOf<typeof keepFlags>

/**
 * The settings of `--keep-processes`, its state directory made ready and
 * checked (exit 2 when it cannot be used), or undefined without the flag.
 * A stdio server's end is its client's, so it ends the processes unless
 * told otherwise; any other leaves them.
 */
export const keptProcessesOf = (
  flags: KeepFlagValues,
  overStdio: boolean
): Effect.Effect<KeptProcessesSettings | undefined, ListenUrlError> => {
  if (!flags.keepProcesses) {
    const given: ReadonlyArray<readonly [string, Option.Option<unknown>]> = [
      ["--state-dir", flags.stateDir],
      ["--orphan-ttl-ms", flags.orphanTtlMs],
      ["--on-exit", flags.onExit]
    ]
    const named = given.flatMap(([name, value]) => Option.isSome(value) ? [name] : [])
    return named.length > 0
      ? Effect.fail(new ListenUrlError({ message: `${named.join(" and ")} need${named.length === 1 ? "s" : ""} --keep-processes` }))
      : Effect.succeed(undefined)
  }
  const directory = Option.getOrElse(flags.stateDir, () => StateDirectory.defaultStateDirectory(process.env))
  return StateDirectory.prepareStateDirectory(directory).pipe(
    Effect.map((stateDir) => ({
      stateDir,
      orphanTtlMs: Option.getOrElse(flags.orphanTtlMs, () => keepFlags.orphanTtlMs.impliedDefault),
      leaveOnExit: Option.getOrElse(flags.onExit, () => overStdio ? "end-processes" : "keep-processes") === "keep-processes"
    })),
    Effect.mapError((error) => new ListenUrlError({ message: error.message }))
  )
}

/** The signals that end the server (NodeRuntime's: it interrupts the server on either). */
const ENDING_SIGNALS = ["SIGTERM", "SIGINT"] as const

/**
 * With `--on-exit=keep-processes`, for as long as the scope lives: the
 * sessions are frozen before anything of the server's end runs (a
 * listener put before the runtime's on each ending signal; `ended`, the
 * end of stdin, before it wins its race), so that neither the
 * connections' close nor the store's end ends their processes. They are
 * left to their holders, and the listeners close as they always do (a NATS
 * executor's registry entry among them, so that the next one claims the
 * environment at once). Returns `ended` as it must be raced.
 */
export const leavingOnExit = <E, R>(
  settings: KeptProcessesSettings | undefined,
  ended: Effect.Effect<void, E, R>
): Effect.Effect<Effect.Effect<void, E, R>, never, SessionStore | Scope.Scope> =>
  settings?.leaveOnExit !== true ? Effect.succeed(ended) : Effect.gen(function*() {
    const store = yield* SessionStore
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const freeze = () => store.freeze()
        for (const signal of ENDING_SIGNALS) process.prependListener(signal, freeze)
        return freeze
      }),
      (freeze) => Effect.sync(() => ENDING_SIGNALS.forEach((signal) => process.off(signal, freeze)))
    )
    return Effect.tap(ended, () => Effect.sync(store.freeze))
  })
