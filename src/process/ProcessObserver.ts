/**
 * What the server tells the world about a process's life: its metrics, its
 * log lines and (when tracing is on) its span, all from here. The table
 * calls it as a process spawns, once it has started, and once it is closed.
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import { logAnnotated } from "../observability/logLine.js"
import * as Metrics from "../observability/metrics.js"
import type { ClosedProcess, ProcessActor } from "./ProcessActor.js"

/** A process as the observer first sees it, before it spawns. */
export interface SpawningProcess {
  readonly processId: string
  readonly argv0: string
  readonly tty: boolean
}

/** The observer of one process, from its spawn to its close. */
export interface ObservedProcess {
  /** It has started; `spawnMs` is how long its spawn took. */
  readonly started: (actor: ProcessActor, spawnMs: number) => Effect.Effect<void>
  /** It is closed (exited, output read); `durationMs` since it started. */
  readonly closed: (record: ClosedProcess, durationMs: number) => Effect.Effect<void>
}

/** Observes the processes of a table. */
export interface ProcessObserver {
  /** A process is about to spawn in `scope` (its span, if any, ends when the scope closes). */
  readonly spawning: (process: SpawningProcess, scope: Scope.Scope) => Effect.Effect<ObservedProcess>
}

const outcomeOf = (exitCode: number): string => exitCode === 0 ? "success" : exitCode > 128 ? "signal" : "failure"

const started = (actor: ProcessActor, spawnMs: number): Effect.Effect<void> =>
  Effect.suspend(() => {
    Metrics.bump(Metrics.processesStarted)
    Metrics.adjust(Metrics.processesRunning, 1)
    Metrics.observe(Metrics.spawnDuration, spawnMs / 1000)
    // Debug only (see `closed`); logAnnotated does nothing below the level.
    return logAnnotated("Debug", "process started", {
      processId: actor.processId,
      pid: actor.pid,
      argv0: actor.argv[0]!,
      tty: actor.tty,
      sandboxed: actor.sandboxType !== "none"
    })
  })

const closed = (record: ClosedProcess, durationMs: number): Effect.Effect<void> =>
  Effect.suspend(() => {
    const { exitCode, signal } = record.exit
    Metrics.adjust(Metrics.processesRunning, -1)
    Metrics.bump(Metrics.processesExited, 1, Metrics.label("outcome", outcomeOf(exitCode)))
    const usage = record.exit.usage
    if (usage !== undefined) {
      if (usage.oomKilled) Metrics.bump(Metrics.processesOomKilled)
      if (usage.cpuTimeMs !== undefined) Metrics.bump(Metrics.processesCpuSeconds, usage.cpuTimeMs / 1000)
      if (usage.peakMemoryBytes !== undefined) Metrics.observe(Metrics.processPeakMemory, usage.peakMemoryBytes)
    }
    // One line per process at info, when it is over (as an access log has
    // one per request): a line costs far more than its write (the fields'
    // annotations, the formatting), and a second per process at
    // start was a sixth of a spawn's CPU.
    return logAnnotated("Info", "process closed", {
      processId: record.processId,
      pid: record.pid,
      argv0: record.argv[0]!,
      tty: record.tty,
      sandboxed: record.sandboxType !== "none",
      exitCode,
      signal,
      durationMs
    })
  })

/** Untraced processes share one observer: it keeps nothing of its own per process. */
const UNTRACED = Effect.succeed<ObservedProcess>({ started, closed })

/** Metrics and logs of every process, and a span per process lifetime when traced (spans are not free). */
export const make = (options: { readonly traced?: { readonly sessionId: string } | undefined }): ProcessObserver => {
  const traced = options.traced
  if (traced === undefined) return { spawning: () => UNTRACED }
  return {
    spawning: (process, scope) =>
      Effect.map(
        Effect.makeSpanScoped("process", {
          kind: "internal",
          attributes: {
            "exec_server.session_id": traced.sessionId,
            "exec_server.process_id": process.processId,
            "process.executable.name": process.argv0,
            "exec_server.tty": process.tty
          }
        }),
        (span: Tracer.Span): ObservedProcess => ({
          started: (actor, spawnMs) => Effect.andThen(Effect.sync(() => span.attribute("process.pid", actor.pid)), started(actor, spawnMs)),
          closed: (record, durationMs) =>
            Effect.andThen(Effect.sync(() => span.attribute("process.exit_code", record.exit.exitCode)), closed(record, durationMs))
        })
      ).pipe(Scope.provide(scope))
  }
}
