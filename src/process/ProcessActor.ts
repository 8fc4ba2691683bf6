/**
 * A process actor: one scoped owner per managed process. It owns the child,
 * its retained output and its state (one `ProcessLifecycle` value, changed
 * only by its transitions). Commands (write, close stdin, resize, signal,
 * terminate) go through its mailbox, a queue one fiber takes them from, so
 * they run one at a time in arrival order; reads are answered from the
 * retained output without queueing behind commands. Events leave through
 * `emit` in seq order.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { type InternalError, type ServerBusy, serverBusy, type SpawnNotFound, withSpawnKind } from "../protocol/errors.js"
import { DENIAL_SCAN_BYTES, isLikelySandboxDenied } from "../sandbox/denial.js"
import type { SandboxType } from "../protocol/sandbox.js"
import type {
  ProcessInfo,
  ReadResult,
  SignalName,
  TerminalSize,
  WriteStatus
} from "../protocol/schema.js"
import { MAX_STDIN_BACKLOG_BYTES, type ProcessSpawner, type SpawnRequest } from "./ChildProcess.js"
import type { RetainedOutput } from "./OutputBuffers.js"
import * as Lifecycle from "./ProcessLifecycle.js"
import type { ProcessEvent } from "./ProcessLifecycle.js"
import type { LiveUsage, ResourceUsage } from "../limits/ResourceLimits.js"
import type { ProcessReaper } from "./ProcessReaper.js"
import { TerminalSizes } from "./TerminalSizes.js"
import { ClosedProcess, detailsOf, infoOf, liveFigures, NOT_RUNNING, readResult, STDIN_CLOSED } from "./ClosedProcess.js"
import { makeCommandMailbox } from "./commandMailbox.js"
import { OutputTail } from "./OutputTail.js"
import type { ProcessDetails } from "../protocol/console.js"
import type { PolicyDecisionNotification } from "../protocol/networkSchema.js"

export type { ExitStatus, ProcessEvent } from "./ProcessLifecycle.js"
export { ClosedProcess } from "./ClosedProcess.js"

/** How `terminate` stops a process. */
export type TerminateMode = "graceful" | "force"

/** The mailbox-facing interface of a process actor. */
export interface ProcessActor {
  readonly processId: string
  readonly pid: number
  readonly argv: ReadonlyArray<string>
  readonly tty: boolean
  readonly startedAtMs: number
  /** What confines the process. */
  readonly sandboxType: SandboxType
  /** Writes to stdin; a `writeId` seen before returns its first status without writing again. */
  readonly write: (bytes: Uint8Array, writeId?: string) => Effect.Effect<WriteStatus, ServerBusy>
  readonly closeStdin: Effect.Effect<WriteStatus>
  /** Resizes the terminal; a finished process ignores it. */
  readonly resize: (size: TerminalSize) => Effect.Effect<void>
  /** Signals the process group; false when nothing was there to receive it. */
  readonly signal: (signal: SignalName) => Effect.Effect<boolean>
  /** Stops the process group; true when the process was running. */
  readonly terminate: (mode: TerminateMode, graceMs: number) => Effect.Effect<boolean>
  readonly read: (options: {
    readonly afterSeq: number
    readonly maxBytes: number | undefined
    readonly waitMs: number
  }) => Effect.Effect<ReadResult>
  readonly info: Effect.Effect<ProcessInfo>
  /** What the web console lists of it: `info`, and how it ended, its confinement, its retained output and its terminal. */
  readonly details: Effect.Effect<ProcessDetails>
  /** A PTY's sizes over its output (undefined for pipes). */
  readonly sizes: TerminalSizes | undefined
  /** With a managed network proxy: its latest decisions, oldest first. */
  readonly networkDecisions: (() => ReadonlyArray<PolicyDecisionNotification>) | undefined
  /**
   * Once closed: a record of the process that holds only what reads and
   * listings need (its retained output and exit status), so the table can
   * keep it through the retention period after letting the actor go.
   */
  readonly closedRecord: () => ClosedProcess
  /** Starts delivering events through `emit` (those that came before are delivered first). */
  readonly release: Effect.Effect<void>
  /** Flow control: stop or resume reading the child's output (the child blocks while stopped). */
  readonly setPaused: (paused: boolean) => void
  /**
   * Whether no connection holds the process's session. Detached, output
   * goes only to the retained ring, which keeps the latest of it: reading
   * faster than that would only burn a core (a `cat /dev/zero` nobody reads
   * took half of one), so reading pauses 100 ms after each MiB read.
   */
  readonly setDetached: (detached: boolean) => void
}

/** Output read while detached between two pauses of the reading. */
const DETACHED_LAP_BYTES = 1024 * 1024
/** How long reading pauses after each lap while detached: at most 10 MiB/s is read then. */
const DETACHED_PAUSE_MS = 100

/** What an actor needs to start. */
export interface ProcessActorOptions {
  readonly processId: string
  readonly request: SpawnRequest
  readonly spawner: ProcessSpawner
  readonly output: RetainedOutput
  /** The grace period between SIGTERM and SIGKILL when the actor's scope closes. */
  readonly graceMs: number
  /**
   * How long after the exit to wait for descendants that still hold the
   * output open (a background job, a daemon that left the process group):
   * then the output is ended and the process is closed all the same.
   */
  readonly closeDrainMs: number
  /** Receives events in seq order; must not block. */
  readonly emit: (event: ProcessEvent) => void
  /** Told about the child's process group, so it is killed even if the server dies. */
  readonly reaper?: typeof ProcessReaper.Service | undefined
  /** Set when a sandbox confines the process: whether it has the network (for `sandboxDenied`). */
  readonly sandbox?: { readonly network: boolean } | undefined
  /** Reads what the process's own cgroup used (limits/), as its exit is reported. */
  readonly usage?: (() => ResourceUsage) | undefined
  /** Reads what the process's cgroup holds and used so far, for `process/list` while it runs (any process in a cgroup). */
  readonly liveUsage?: (() => LiveUsage) | undefined
  /** The latest decisions of the process's managed network proxy, when it has one. */
  readonly networkDecisions?: (() => ReadonlyArray<PolicyDecisionNotification>) | undefined
  /** Told the child's pid as soon as it is spawned, before anything else runs (its managed proxy's UDP wants it). */
  readonly onSpawned?: ((pid: number) => void) | undefined
  /**
   * Told once, when the process is closed (exited and all output read; right
   * after its `Closed` event). Called from the spawner's callback: it must
   * not block, nor run effects there. Once it has exited, descendants that
   * still hold the output open get `closeDrainMs`; then the output is ended
   * and the process closes all the same.
   */
  readonly onClosed?: (() => void) | undefined
}

/** Long-polls are capped so that a forgotten request cannot hold a fiber for ever. */
const MAX_WAIT_MS = 10 * 60 * 1000
/**
 * How long a finalizer waits for `closed` after SIGKILL, beyond the drain
 * period: the group is dead, so only its last output can still be on its way.
 */
const KILLED_CLOSE_MARGIN_MS = 1000
/** How often a group that outlived its leader is checked for being empty during its grace period. */
const GROUP_POLL = Schedule.spaced(Duration.millis(50))
/** How many `writeId`s an actor remembers for idempotent retries. */
const MAX_REMEMBERED_WRITE_IDS = 4096
/** How many of them (the latest) its closed record keeps: a client's retries after a drop are of its last writes. */
const CLOSED_WRITE_IDS = 256

/** Starts a process and its actor in the current scope; closing the scope terminates it. */
export const makeProcessActor = (
  options: ProcessActorOptions
): Effect.Effect<ProcessActor, InternalError | SpawnNotFound, Scope.Scope> =>
  Effect.gen(function*() {
    const { emit, output, processId } = options
    // The spawners' OS errors get their kind here, so that none of them can start a process without one.
    const child = yield* Effect.mapError(options.spawner.spawn(options.request), withSpawnKind("spawnFailed"))
    options.onSpawned?.(child.pid)
    if (child.adopted !== undefined) output.continueAfter(child.adopted.lastSeq, child.adopted.retainBytes)
    const sequenced = child.sequenced
    const sizes = options.request.tty ? new TerminalSizes(options.request.size) : undefined
    const startedAtMs = yield* Clock.currentTimeMillis
    // Scope.addFinalizer rather than Effect.addFinalizer: the finalizers need
    // nothing of the acquiring fiber's context (on Effect 3 restoring it was
    // a measurable share of a short process's CPU).
    const scope = yield* Effect.scope
    const context = yield* Effect.context<never>()
    // A kept child's holder ends it when no server comes back: the reaper would end it with this server.
    if (options.reaper !== undefined && child.outlivesServer !== true) {
      const reaper = options.reaper
      yield* reaper.register(child.pid)
      // Runs last: after the group has been terminated.
      yield* Scope.addFinalizer(scope, reaper.unregister(child.pid))
    }

    // A confined process's last output tells whether the sandbox refused it something.
    const tail = options.sandbox === undefined ? undefined : new OutputTail(DENIAL_SCAN_BYTES)
    // The actor's one cell of state; it changes only through the transitions of ProcessLifecycle.
    let state = Lifecycle.initial(processId)
    const closedSignal = Deferred.makeUnsafe<void>()
    // Completed and dropped on every event, so a long-poll waits on the one
    // current when it looked; made only when a read waits (output is hot).
    let changed: Deferred.Deferred<void> | undefined
    const currentChange = (): Deferred.Deferred<void> => (changed ??= Deferred.makeUnsafe<void>())
    const signalChange = () => {
      if (changed === undefined) return
      const previous = changed
      changed = undefined
      Deferred.doneUnsafe(previous, Exit.void)
    }

    const publish = (event: ProcessEvent) => {
      signalChange()
      if (state.held === undefined) emit(event)
      // Held until the start response is out: output bytes may be in a read buffer that is reused.
      else state = Lifecycle.hold(state, event._tag === "Output" ? { ...event, bytes: event.bytes.slice() } : event)
    }

    // A descendant that keeps the output open after the exit (a background
    // job, one that left the process group and cannot even be signalled) must
    // not keep the process from closing, nor its session from ending: the
    // output is ended `closeDrainMs` after the exit. Most processes close in
    // the same turn as they exit, so the check waits a microtask and no timer
    // is set up for them.
    let drain: Fiber.Fiber<void> | undefined
    const drainIfOpen = () => {
      if (state.phase._tag === "Closed" || state.stopped) return
      drain = Effect.runForkWith(context)(Effect.andThen(Effect.sleep(Duration.millis(options.closeDrainMs)), child.endOutput))
    }

    // Commands run one at a time in the order they were sent (see commandMailbox.ts).
    const commands = makeCommandMailbox(context, () => state.stopped)
    const ask = commands.ask

    const apply = (step: Lifecycle.Step) => {
      state = step.state
      for (const action of step.actions) {
        switch (action._tag) {
          case "Publish":
            publish(action.event)
            break
          case "CheckGroup":
            state = Lifecycle.groupChecked(state, child.groupExists())
            break
          case "DrainLater":
            queueMicrotask(drainIfOpen)
            break
          case "NotifyClosed":
            drain?.interruptUnsafe()
            // Before the signal: Effect 4 resumes its waiter (a closing
            // scope's finalizer) at once, which would close the table before
            // the process could retire in it.
            options.onClosed?.()
            Deferred.doneUnsafe(closedSignal, Exit.void)
            break
          case "Deliver":
            for (const event of action.events) emit(event)
            break
          case "Stop":
            drain?.interruptUnsafe()
            commands.stop()
            break
          case "KillLater":
            // A fiber of its own in the actor's scope: a process that retires
            // early must not wait for the timer.
            Effect.runForkWith(context)(Effect.forkIn(killAfter(action.graceMs), scope))
            break
        }
      }
    }

    const exitStatus = (exitCode: number, signal: string | null): Lifecycle.ExitStatus => ({
      exitCode,
      signal,
      sandboxDenied: options.sandbox !== undefined && exitCode !== 0 &&
        isLikelySandboxDenied(exitCode, tail?.text() ?? "", options.sandbox.network),
      // Read as the exit is reported, before the group can be removed.
      ...(options.usage === undefined ? {} : { usage: options.usage() }),
      seq: sequencedEvent("exited")
    })
    const sequencedEvent = (kind: "exited" | "closed"): number => {
      const seq = output.nextEventSeq()
      sequenced?.(kind, seq)
      return seq
    }

    // The child's events are handled in its own callbacks, with no queue or
    // fiber hop per chunk: output is retained and published as it is read.
    // Reading, stopped by the connection's flow control or, detached, between laps (see setDetached).
    let flowPaused = false
    let detached = false
    let lapBytes = 0
    let lapTimer: ReturnType<typeof setTimeout> | undefined
    const applyPause = () => child.setPaused(flowPaused || lapTimer !== undefined)
    const endLap = () => {
      if (lapTimer !== undefined) clearTimeout(lapTimer)
      lapTimer = undefined
      lapBytes = 0
    }
    yield* Scope.addFinalizer(scope, Effect.sync(endLap))

    child.listen((event) => {
      switch (event._tag) {
        case "Output": {
          if (detached && (lapBytes += event.bytes.length) >= DETACHED_LAP_BYTES && lapTimer === undefined) {
            lapTimer = setTimeout(() => {
              endLap()
              applyPause()
            }, DETACHED_PAUSE_MS)
            applyPause()
          }
          tail?.push(event.bytes)
          const chunk = output.append(event.stream, event.bytes)
          sequenced?.("output", chunk.seq)
          publish({ _tag: "Output", processId, seq: chunk.seq, stream: chunk.stream, bytes: chunk.bytes })
          return
        }
        case "Exited":
          return apply(Lifecycle.exited(state, exitStatus(event.exitCode, event.signal)))
        case "Closed": {
          const missingExit = state.phase._tag === "Running" ? exitStatus(-1, null) : undefined
          return apply(Lifecycle.closed(state, sequencedEvent("closed"), missingExit))
        }
      }
    })

    yield* Scope.addFinalizer(scope, Effect.sync(() => apply(Lifecycle.stopped(state))))

    // Once the process has exited, its group is signalled only while it is
    // not known to be gone: looked at when the exit is reported (before the
    // id can be reused) and whenever a signal is due after it.
    const groupLeft = (): boolean => {
      const target = Lifecycle.signalTarget(state)
      if (target !== "CheckGroup") return target === "Send"
      const exists = child.groupExists()
      state = Lifecycle.groupChecked(state, exists)
      return exists
    }
    const signalGroup = (signal: NodeJS.Signals): Effect.Effect<boolean> =>
      Effect.suspend(() => groupLeft() ? child.signal(signal) : NOT_RUNNING)
    // SIGKILL once the grace period of a graceful terminate is over (one
    // timer per process: a repeated terminate sends SIGTERM again but keeps
    // the first deadline).
    const killAfter = (graceMs: number) =>
      Effect.sleep(Duration.millis(graceMs)).pipe(
        Effect.andThen(signalGroup("SIGKILL")),
        Effect.tap((delivered) =>
          delivered
            ? Effect.logWarning("terminate escalated to SIGKILL").pipe(Effect.annotateLogs({ processId, pid: child.pid, graceMs }))
            : Effect.void
        ),
        Effect.asVoid,
        // The start's runtime, which it runs in, is uninterruptible.
        Effect.interruptible
      )

    // Finalizers run uninterruptibly, and a timeout cannot interrupt what it
    // races there: each wait must be interruptible itself, or a child that
    // ignores SIGTERM would hold the scope (and the server's exit) for ever.
    const awaitAtMost = (wait: Effect.Effect<unknown>, millis: number) =>
      wait.pipe(Effect.interruptible, Effect.timeout(Duration.millis(millis)), Effect.ignore)
    // The waits below are built when a process needs them (a running one
    // terminated, or a group left behind), not for every process.
    // The finalizer waits for a running process it terminates to close: the
    // drain above ends its output `closeDrainMs` after its exit (it runs until
    // the actor stops, which is after this finalizer).
    const settledAtMost = (millis: number) =>
      Effect.suspend(() => state.phase._tag === "Closed" ? Effect.void : awaitAtMost(Deferred.await(closedSignal), millis))
    const groupEmptied = () =>
      Effect.repeat(Effect.sync(groupLeft), { while: (exists) => exists, schedule: GROUP_POLL })

    // When the scope closes: SIGTERM to the group, SIGKILL after the grace
    // period (sent even when the grace period is cut short). What is left of
    // the group once the process has closed (a background job) is terminated
    // the same way; usually nothing is, and then nothing is signalled (most
    // processes retire right after they close, so this path is hot).
    const terminateGroup = () =>
      Effect.gen(function*() {
        if (state.phase._tag !== "Closed") {
          yield* signalGroup("SIGTERM")
          yield* settledAtMost(options.graceMs)
        } else if (yield* signalGroup("SIGTERM")) {
          yield* awaitAtMost(groupEmptied(), options.graceMs)
        }
      }).pipe(
        Effect.ensuring(Effect.andThen(
          signalGroup("SIGKILL"),
          settledAtMost(options.closeDrainMs + KILLED_CLOSE_MARGIN_MS)
        ))
      )
    yield* Scope.addFinalizer(
      scope,
      Effect.suspend(() =>
        state.phase._tag !== "Closed" || groupLeft() ? terminateGroup() : Effect.void
      )
    )

    const writeStatuses = new Map<string, WriteStatus>()
    const rememberWrite = (writeId: string, status: WriteStatus) => {
      writeStatuses.set(writeId, status)
      if (writeStatuses.size > MAX_REMEMBERED_WRITE_IDS) {
        writeStatuses.delete(writeStatuses.keys().next().value!)
      }
    }
    // A retry once the actor has stopped gets the first status too (the closed record's answer otherwise).
    const rememberedOrClosed = (writeId: string | undefined): Effect.Effect<WriteStatus> =>
      Effect.sync(() => (writeId === undefined ? undefined : writeStatuses.get(writeId)) ?? "stdinClosed")

    const actor: ProcessActor = {
      processId,
      pid: child.pid,
      argv: options.request.argv,
      tty: options.request.tty,
      startedAtMs,
      sandboxType: options.sandbox === undefined ? "none" : "linuxSeccomp",
      write: (bytes, writeId) =>
        ask(
          Effect.gen(function*() {
            if (writeId !== undefined) {
              const previous = writeStatuses.get(writeId)
              if (previous !== undefined) return previous
            }
            const status = state.phase._tag !== "Running" ? "stdinClosed" : yield* child.write(bytes)
            // A refused write is not remembered: its retry, once the child has read, is written.
            if (status === "backlogFull") return status
            if (writeId !== undefined) rememberWrite(writeId, status)
            return status
          }),
          rememberedOrClosed(writeId) as Effect.Effect<WriteStatus | "backlogFull">
        ).pipe(
          Effect.flatMap((status) =>
            status === "backlogFull"
              ? Effect.fail(
                serverBusy(
                  `process ${processId} has not read the last ${MAX_STDIN_BACKLOG_BYTES} bytes written to its stdin; retry once it reads`,
                  "stdinBacklog"
                )
              )
              : Effect.succeed(status)
          )
        ),
      closeStdin: ask(Effect.suspend(() => state.phase._tag !== "Running" ? STDIN_CLOSED : child.closeStdin), STDIN_CLOSED),
      resize: (size) =>
        ask(Effect.suspend(() => {
          if (state.phase._tag !== "Running") return Effect.void
          sizes?.resized(size, output.nextSeq)
          return child.resize(size)
        }), Effect.void),
      signal: (signal) => ask(signalGroup(signal === "interrupt" ? "SIGINT" : signal), NOT_RUNNING),
      terminate: (mode, graceMs) =>
        ask(Effect.gen(function*() {
          const running = state.phase._tag === "Running"
          if (state.phase._tag === "Closed") return false
          if (mode === "force") {
            yield* signalGroup("SIGKILL")
          } else {
            yield* signalGroup("SIGTERM")
            apply(Lifecycle.killScheduled(state, graceMs))
          }
          return running
        }), NOT_RUNNING),
      read: ({ afterSeq, maxBytes, waitMs }) =>
        Effect.gen(function*() {
          // The fiber clock, so that a TestClock ends waits too.
          const deadline = (yield* Clock.currentTimeMillis) + Math.min(waitMs, MAX_WAIT_MS)
          while (true) {
            const waitFor = currentChange()
            const result = readResult(output, afterSeq, maxBytes, state)
            const somethingNewer = result.chunks.length > 0 || result.nextSeq - 1 > afterSeq
            const remaining = deadline - (yield* Clock.currentTimeMillis)
            if (somethingNewer || result.closed || remaining <= 0) return result
            yield* Deferred.await(waitFor).pipe(Effect.timeout(Duration.millis(remaining)), Effect.ignore)
          }
        }),
      info: Effect.sync(() => {
        const exit = Lifecycle.exitOf(state)
        const info = infoOf(actor, exit)
        return exit !== null || options.liveUsage === undefined ? info : { ...info, ...liveFigures(options.liveUsage()) }
      }),
      details: Effect.sync(() => {
        const exit = Lifecycle.exitOf(state)
        return detailsOf(actor, exit, output, exit === null ? options.liveUsage?.() : undefined)
      }),
      sizes,
      networkDecisions: options.networkDecisions,
      closedRecord: () => {
        if (state.phase._tag !== "Closed") throw new Error(`process ${processId} is not closed yet`)
        return new ClosedProcess(
          processId,
          child.pid,
          options.request.argv,
          options.request.tty,
          startedAtMs,
          actor.sandboxType,
          state.phase.exit,
          state.failure,
          output,
          sizes,
          options.networkDecisions?.(),
          writeStatuses.size === 0 ? undefined : new Map([...writeStatuses].slice(-CLOSED_WRITE_IDS))
        )
      },
      release: Effect.sync(() => apply(Lifecycle.released(state))),
      setPaused: (paused) => {
        flowPaused = paused
        applyPause()
      },
      setDetached: (next) => {
        detached = next
        if (!next) endLap()
        applyPause()
      }
    }
    return actor
  })
