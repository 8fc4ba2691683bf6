/**
 * The processes of one session, by client-chosen id. Each process runs in a
 * scope of its own under the table's scope: its record is removed (and the
 * id freed) a retention period after it closes, and closing the table
 * terminates every process at once (their grace periods run concurrently).
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as FiberSet from "effect/FiberSet"
import * as LogLevel from "effect/LogLevel"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import * as Metrics from "../observability/metrics.js"
import { type InternalError, type InvalidParams, InvalidRequest, SandboxUnavailable, type ServerBusy } from "../protocol/errors.js"
import type { Confinement } from "../sandbox/policy.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import type { ProcessInfo, StartParams } from "../protocol/schema.js"
import { PipeSpawner, PtySpawner } from "./ChildProcess.js"
import { buildEnvironment } from "./environment.js"
import { OutputBuffers, type RetainedOutput } from "./OutputBuffers.js"
import type { LiveOutputBudget } from "./LiveOutputBudget.js"
import { makeProcessActor, type ProcessActor, type ProcessEvent } from "./ProcessActor.js"
import { ProcessReaper } from "./ProcessReaper.js"
import { type HeldRecord, RetentionBudget } from "./RetentionBudget.js"
import type { Slots } from "./Slots.js"

/** Settings of a process table. */
export interface ProcessTableOptions {
  /** SIGTERM → SIGKILL grace period when processes are stopped by scope closure. */
  readonly graceMs: number
  /** Cap of the retained output of each process, in bytes. */
  readonly retainedOutputBytes: number
  /** How long a closed process stays readable before its id is freed. */
  readonly retentionMs: number
  /** The server's budget of closed records, which may free them before `retentionMs` (none: time only). */
  readonly retention?: RetentionBudget | undefined
  /** How long after a process's exit descendants may hold its output open before it is closed anyway. */
  readonly closeDrainMs: number
  /** Most processes that may be live (not yet closed) at once. */
  readonly maxProcesses: number
  /** The server's count of live processes over all sessions (none: only `maxProcesses` bounds them). */
  readonly serverProcesses?: Slots | undefined
  /** The server's budget of output retained by live processes (none: only each process's cap bounds it). */
  readonly liveOutput?: LiveOutputBudget | undefined
  /** Receives the events of every process, each process's in seq order. */
  readonly emit: (event: ProcessEvent) => void
  /** The server's own environment, which an `envPolicy` builds on. */
  readonly serverEnvironment: Readonly<Record<string, string | undefined>>
  /** A span per process lifetime (only when tracing is on: spans are not free). */
  readonly traced?: { readonly sessionId: string } | undefined
}

/** The processes of one session. */
export interface ProcessTable {
  /** Spawns a process; the id must not be taken. -32001 when the server runs its most processes. */
  readonly start: (
    params: StartParams
  ) => Effect.Effect<ProcessActor, InvalidRequest | InvalidParams | InternalError | SandboxUnavailable | ServerBusy>
  /** The process with this id, or -32600 `unknown process id`. */
  readonly get: (processId: string) => Effect.Effect<ProcessActor, InvalidRequest>
  readonly find: (processId: string) => Option.Option<ProcessActor>
  readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>>
  /** Flow control for every process, present and future: stop or resume reading output. */
  readonly setPaused: (paused: boolean) => void
}

type Entry =
  | { readonly _tag: "Starting" }
  | {
    readonly _tag: "Running"
    readonly actor: ProcessActor
    readonly scope: Scope.CloseableScope
    readonly output: RetainedOutput
  }
  /** Closed and kept for the retention period: only the record of what reads and listings need. */
  | { readonly _tag: "Closed"; readonly actor: ProcessActor; readonly held: HeldRecord }

/** When a closed process's record is due for removal. */
interface Expiry {
  readonly held: HeldRecord
  readonly atMs: number
}

/** Makes a process table whose processes live in the current scope. */
export const makeProcessTable = (
  options: ProcessTableOptions
): Effect.Effect<ProcessTable, never, Scope.Scope | PtySpawner | PipeSpawner | OutputBuffers | Sandbox> =>
  Effect.gen(function*() {
    const ptySpawner = yield* PtySpawner
    const pipeSpawner = yield* PipeSpawner
    const outputBuffer = yield* OutputBuffers
    const reaper = Option.getOrUndefined(yield* Effect.serviceOption(ProcessReaper))
    const sandbox = yield* Sandbox
    const tableScope = yield* Effect.scope
    const entries = new Map<string, Entry>()
    /** Processes started and not yet closed (each holds a slot of the server's, when it counts them). */
    let live = 0
    let paused = false
    /** Once the table's scope is closing: it starts nothing more, and has given back every slot. */
    let tableClosed = false
    const serverProcesses = options.serverProcesses

    // Without the server's budget, records are kept for the retention period only.
    const retention = options.retention ?? new RetentionBudget({ maxRecords: Infinity, maxBytes: Infinity })
    /** Frees a closed record's id, unless the id has been taken again since. */
    const forget = (held: HeldRecord) => {
      const entry = entries.get(held.key)
      if (entry?._tag === "Closed" && entry.held === held) entries.delete(held.key)
    }

    // Scope.addFinalizer: Effect.addFinalizer would diff every fiber ref twice, per session.
    // Added first, so run last: after the processes' scopes have closed and
    // whatever retired meanwhile has, what is still counted is given back.
    yield* Scope.addFinalizer(
      tableScope,
      Effect.sync(() => {
        tableClosed = true
        serverProcesses?.release(live)
        for (const entry of entries.values()) {
          if (entry._tag === "Closed") retention.release(entry.held)
          else if (entry._tag === "Running") entry.output.seal()
        }
      })
    )

    // Each process's retirement runs as a root fiber of the table's: one
    // forked from the request would keep the finished request fiber alive.
    const runInTable = yield* FiberSet.makeRuntime<never, void, never>()
    // Each process's scope is a child of this one, which closes them all at
    // once: every SIGTERM goes out together, every SIGKILL a grace period
    // later (children of the table's own scope would close one after the
    // other, a grace period each). Made after the retirements' fiber set, so
    // that it closes first and the processes it ends still retire.
    const processesScope = yield* Scope.fork(tableScope, ExecutionStrategy.parallel)

    /** The lifetime span of each running process, when traced. */
    const spans = new Map<string, Tracer.Span>()

    // Every record is kept for the same period, so records expire in the
    // order they closed: one fiber removes them, oldest first, started with
    // the first record (most sessions of a busy server run no process).
    const expiries = yield* Queue.unbounded<Expiry>()
    const removeExpired = Effect.gen(function*() {
      while (true) {
        const expiry = yield* Queue.take(expiries)
        const now = yield* Clock.currentTimeMillis
        if (expiry.atMs > now) yield* Effect.sleep(Duration.millis(expiry.atMs - now))
        retention.release(expiry.held)
        forget(expiry.held)
      }
    })
    let removing = false

    // A closed process keeps only its record; its actor, child and scope are
    // let go now (which also ends what is left of its process group).
    const retire = (processId: string, actor: ProcessActor, output: RetainedOutput, scope: Scope.CloseableScope) =>
      Effect.gen(function*() {
        output.seal()
        const record = actor.closedRecord()
        const { exitCode, signal } = record.exit
        const now = yield* Clock.currentTimeMillis
        spans.get(processId)?.attribute("process.exit_code", exitCode)
        spans.delete(processId)
        Metrics.adjust(Metrics.processesRunning, -1)
        Metrics.bump(Metrics.processesExited, 1, Metrics.label(
          "outcome",
          exitCode === 0 ? "success" : exitCode !== null && exitCode > 128 ? "signal" : "failure"
        ))
        // One line per process at info, when it is over (as an access log has
        // one per request): a line costs far more than its write (the fields'
        // scoped annotation, the formatting), and a second per process at
        // start was a sixth of a spawn's CPU.
        yield* Effect.logInfo("process closed").pipe(
          Effect.annotateLogs({
            processId,
            pid: actor.pid,
            argv0: actor.argv[0]!,
            tty: actor.tty,
            sandboxed: actor.sandboxType !== "none",
            exitCode,
            signal,
            durationMs: now - actor.startedAtMs
          })
        )
        // Over the budget, the oldest records go now: this one too, when its output alone is over it.
        const held = retention.hold(processId, output.retainedBytes, forget)
        if (held.held) entries.set(processId, { _tag: "Closed", actor: record, held })
        else entries.delete(processId)
        yield* Queue.offer(expiries, { held, atMs: now + options.retentionMs })
        if (!removing) {
          removing = true
          // Interruptible: a retirement runs uninterruptibly, and what it forks would inherit that.
          yield* Effect.forkIn(Effect.interruptible(removeExpired), tableScope)
        }
        yield* Scope.close(scope, Exit.void)
      })

    /**
     * What confines a process: its request's sandbox and the operator's, as
     * the sandbox service resolves them (a server without one refuses a
     * confinement when it would launch: fail closed).
     */
    const confinementOf = (
      params: StartParams & { readonly cwd: string },
      env: Readonly<Record<string, string>>
    ): Effect.Effect<Confinement, InvalidParams | SandboxUnavailable> =>
      Effect.gen(function*() {
        const confinement = yield* sandbox.confinementOf(params.sandbox, { cwd: params.cwd, env })
        if (confinement._tag === "Unconfined") return confinement
        // No managed proxy here: a process that may only use the proxy gets no network at all.
        return params.enforceManagedNetwork === true
          ? { _tag: "Confined", policy: { ...confinement.policy, network: false } }
          : confinement
      })

    // A start runs to its end once begun: one cut short between its claims
    // and its registration would hold its id and its slots until the session ends.
    const start = (request: StartParams) =>
      Effect.gen(function*() {
        const params = { ...request, cwd: request.cwd ?? process.cwd() }
        const env = buildEnvironment(options.serverEnvironment, params.envPolicy, params.env)
        const confinement = yield* confinementOf(params, env)
        // The checks and the claims they guard, with nothing that yields between them.
        if (tableClosed) return yield* new InvalidRequest({ message: "the session is closed" })
        if (entries.has(params.processId)) {
          return yield* new InvalidRequest({ message: `process id ${params.processId} is already in use` })
        }
        if (live >= options.maxProcesses) {
          return yield* new InvalidRequest({
            message: `this session already runs ${live} processes, the most allowed (--max-processes)`
          })
        }
        if (serverProcesses !== undefined && !serverProcesses.tryTake()) {
          return yield* serverProcesses.refusal(`the server already runs ${serverProcesses.inUse} processes over all sessions`)
        }
        entries.set(params.processId, { _tag: "Starting" })
        live++
        // Given back once: when the process closes (in the turn its `closed` is
        // sent, so a client that saw it may start another) or its start fails.
        let counted = true
        const uncount = () => {
          if (!counted) return
          counted = false
          live--
          if (!tableClosed) serverProcesses?.release()
        }
        const spawnStartedAt = yield* Clock.currentTimeMillis
        const scope = yield* Scope.fork(processesScope, ExecutionStrategy.sequential)
        if (options.traced !== undefined) {
          // Ends when the process's scope closes, at its retirement.
          const span = yield* Effect.makeSpanScoped("process", {
            kind: "internal",
            attributes: {
              "exec_server.session_id": options.traced.sessionId,
              "exec_server.process_id": params.processId,
              "process.executable.name": params.argv[0]!,
              "exec_server.tty": params.tty
            }
          }).pipe(Scope.extend(scope))
          spans.set(params.processId, span)
        }
        const output = yield* outputBuffer.make({ maxBytes: options.retainedOutputBytes, budget: options.liveOutput })
        // The process retires when it closes, in a fiber of the table's (not in
        // the spawner's callback that reports the close), and never before its
        // start has registered it: a process that closes while starting
        // retires once the start is done.
        let registered = false
        let closedWhileStarting = false
        const retireLater = () =>
          runInTable(Effect.uninterruptible(retire(params.processId, actor, output, scope)), { immediate: false })
        const actor: ProcessActor = yield* Effect.gen(function*() {
          const launch = confinement._tag === "Unconfined"
            ? undefined
            : yield* sandbox.launch(confinement.policy, { argv: params.argv, arg0: params.arg0 ?? undefined, cwd: params.cwd })
          return yield* makeProcessActor({
            processId: params.processId,
            tty: params.tty,
            request: {
              argv: params.argv,
              cwd: params.cwd,
              env,
              arg0: params.arg0 ?? undefined,
              pipeStdin: params.pipeStdin,
              size: params.size ?? { rows: 24, cols: 80 },
              sandbox: launch
            },
            spawner: params.tty ? ptySpawner : pipeSpawner,
            output,
            graceMs: options.graceMs,
            closeDrainMs: options.closeDrainMs,
            emit: options.emit,
            reaper,
            sandbox: confinement._tag === "Unconfined" ? undefined : { network: confinement.policy.network },
            onClosed: () => {
              uncount()
              if (registered) retireLater()
              else closedWhileStarting = true
            }
          })
        }).pipe(
          Scope.extend(scope),
          Effect.tapErrorCause(() =>
            Effect.zipRight(
              Effect.sync(() => {
                entries.delete(params.processId)
                spans.delete(params.processId)
                output.seal()
                uncount()
              }),
              Scope.close(scope, Exit.void)
            )
          )
        )
        entries.set(params.processId, { _tag: "Running", actor, scope, output })
        spans.get(params.processId)?.attribute("process.pid", actor.pid)
        Metrics.bump(Metrics.processesStarted)
        Metrics.adjust(Metrics.processesRunning, 1)
        Metrics.spawnDuration.unsafeUpdate(((yield* Clock.currentTimeMillis) - spawnStartedAt) / 1000, [])
        // Debug only (see retire), and its fields annotated only when it is written.
        yield* Effect.whenLogLevel(
          Effect.logDebug("process started").pipe(
            Effect.annotateLogs({
              processId: params.processId,
              pid: actor.pid,
              argv0: params.argv[0]!,
              tty: params.tty,
              sandboxed: confinement._tag === "Confined"
            })
          ),
          LogLevel.Debug
        )
        if (paused) actor.setPaused(true)
        registered = true
        if (closedWhileStarting) retireLater()
        return actor
      }).pipe(Effect.uninterruptible)

    const find = (processId: string): Option.Option<ProcessActor> => {
      const entry = entries.get(processId)
      return entry === undefined || entry._tag === "Starting" ? Option.none() : Option.some(entry.actor)
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
          [...entries.values()].flatMap((entry) => entry._tag === "Starting" ? [] : [entry.actor]),
          (actor) => actor.info
        )
      )
    }
  })
