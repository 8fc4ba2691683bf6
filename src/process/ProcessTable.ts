/**
 * The processes of one session, by client-chosen id. Each process runs in a
 * scope of its own under the table's scope: its record is removed (and the
 * id freed) a retention period after it closes, and closing the table
 * terminates every process at once (their grace periods run concurrently).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { InvalidRequest, type InternalError } from "../protocol/errors.js"
import type { ProcessInfo, StartParams } from "../protocol/schema.js"
import { PipeSpawner, PtySpawner } from "./ChildProcess.js"
import { buildEnvironment } from "./environment.js"
import { OutputBuffer } from "./OutputBuffer.js"
import { makeProcessActor, type ProcessActor, type ProcessEvent } from "./ProcessActor.js"
import { ProcessReaper } from "./ProcessReaper.js"

/** Settings of a process table. */
export interface ProcessTableOptions {
  /** SIGTERM → SIGKILL grace period when processes are stopped by scope closure. */
  readonly graceMs: number
  /** Cap of the retained output of each process, in bytes. */
  readonly retainedOutputBytes: number
  /** How long a closed process stays readable before its id is freed. */
  readonly retentionMs: number
  /** Most processes that may be live (not yet closed) at once. */
  readonly maxProcesses: number
  /** Receives the events of every process, each process's in seq order. */
  readonly emit: (event: ProcessEvent) => void
}

/** The processes of one session. */
export interface ProcessTable {
  /** Spawns a process; the id must not be taken. */
  readonly start: (params: StartParams) => Effect.Effect<ProcessActor, InvalidRequest | InternalError>
  /** The process with this id, or -32600 `unknown process id`. */
  readonly get: (processId: string) => Effect.Effect<ProcessActor, InvalidRequest>
  readonly find: (processId: string) => Option.Option<ProcessActor>
  readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>>
  /** Flow control for every process, present and future: stop or resume reading output. */
  readonly setPaused: (paused: boolean) => void
}

type Entry =
  | { readonly _tag: "Starting" }
  | { readonly _tag: "Running"; readonly actor: ProcessActor; readonly scope: Scope.CloseableScope }

/** Makes a process table whose processes live in the current scope. */
export const makeProcessTable = (
  options: ProcessTableOptions
): Effect.Effect<ProcessTable, never, Scope.Scope | PtySpawner | PipeSpawner | OutputBuffer> =>
  Effect.gen(function*() {
    const ptySpawner = yield* PtySpawner
    const pipeSpawner = yield* PipeSpawner
    const outputBuffer = yield* OutputBuffer
    const reaper = Option.getOrUndefined(yield* Effect.serviceOption(ProcessReaper))
    const tableScope = yield* Effect.scope
    const entries = new Map<string, Entry>()
    /** Processes started and not yet closed. */
    let live = 0
    let paused = false

    yield* Effect.addFinalizer(() =>
      Effect.forEach(
        [...entries.values()],
        (entry) => entry._tag === "Running" ? Scope.close(entry.scope, Exit.void) : Effect.void,
        { concurrency: "unbounded", discard: true }
      )
    )

    const remove = (processId: string, scope: Scope.CloseableScope) =>
      Effect.suspend(() => {
        const entry = entries.get(processId)
        if (entry?._tag === "Running" && entry.scope === scope) entries.delete(processId)
        return Scope.close(scope, Exit.void)
      })

    const start = (params: StartParams) =>
      Effect.gen(function*() {
        if (entries.has(params.processId)) {
          return yield* new InvalidRequest({ message: `process id ${params.processId} is already in use` })
        }
        if (live >= options.maxProcesses) {
          return yield* new InvalidRequest({
            message: `this session already runs ${live} processes, the most allowed (--max-processes)`
          })
        }
        entries.set(params.processId, { _tag: "Starting" })
        live++
        const scope = yield* Scope.fork(tableScope, ExecutionStrategy.sequential)
        const output = yield* outputBuffer.make({ maxBytes: options.retainedOutputBytes })
        const actor = yield* makeProcessActor({
          processId: params.processId,
          tty: params.tty,
          request: {
            argv: params.argv,
            cwd: params.cwd,
            env: buildEnvironment(process.env, params.envPolicy, params.env),
            arg0: params.arg0 ?? undefined,
            pipeStdin: params.pipeStdin,
            size: params.size ?? { rows: 24, cols: 80 }
          },
          spawner: params.tty ? ptySpawner : pipeSpawner,
          output,
          graceMs: options.graceMs,
          emit: options.emit,
          reaper
        }).pipe(
          Scope.extend(scope),
          Effect.tapErrorCause(() =>
            Effect.zipRight(
              Effect.sync(() => {
                entries.delete(params.processId)
                live--
              }),
              Scope.close(scope, Exit.void)
            )
          )
        )
        entries.set(params.processId, { _tag: "Running", actor, scope })
        if (paused) actor.setPaused(true)
        yield* actor.awaitClosed.pipe(
          Effect.zipRight(Effect.sync(() => live--)),
          Effect.zipRight(Effect.sleep(Duration.millis(options.retentionMs))),
          Effect.zipRight(remove(params.processId, scope)),
          Effect.forkIn(tableScope)
        )
        return actor
      })

    const find = (processId: string): Option.Option<ProcessActor> => {
      const entry = entries.get(processId)
      return entry?._tag === "Running" ? Option.some(entry.actor) : Option.none()
    }

    return {
      start,
      find,
      setPaused: (next) => {
        paused = next
        for (const entry of entries.values()) if (entry._tag === "Running") entry.actor.setPaused(next)
      },
      get: (processId) =>
        Option.match(find(processId), {
          onNone: () => Effect.fail(new InvalidRequest({ message: `unknown process id ${processId}` })),
          onSome: Effect.succeed
        }),
      list: Effect.suspend(() =>
        Effect.forEach(
          [...entries.values()].flatMap((entry) => entry._tag === "Running" ? [entry.actor] : []),
          (actor) => actor.info
        )
      )
    }
  })
