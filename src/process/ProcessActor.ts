/**
 * A process actor: one scoped owner per managed process. It owns the child,
 * its retained output and its state. Commands (write, close stdin, resize,
 * signal, terminate) go through its mailbox and are applied one at a time, in
 * arrival order, with no fiber of its own; reads are answered from the retained output without
 * queueing behind commands. Events leave through `emit` in seq order.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type { InternalError } from "../protocol/errors.js"
import { DENIAL_SCAN_BYTES, isLikelySandboxDenied } from "../sandbox/denial.js"
import type { SandboxType } from "../protocol/sandbox.js"
import type {
  OutputStream,
  ProcessInfo,
  ReadResult,
  SignalName,
  TerminalSize,
  WriteStatus
} from "../protocol/schema.js"
import type { ProcessSpawner, SpawnRequest } from "./ChildProcess.js"
import type { RetainedOutput } from "./OutputBuffers.js"
import type { ProcessReaper } from "./ProcessReaper.js"

/** An event of a managed process, as it goes to the client. */
export type ProcessEvent =
  | {
    readonly _tag: "Output"
    readonly processId: string
    readonly seq: number
    readonly stream: OutputStream
    readonly bytes: Uint8Array
  }
  | {
    readonly _tag: "Exited"
    readonly processId: string
    readonly seq: number
    readonly exitCode: number
    readonly signal: string | null
    readonly sandboxDenied: boolean
  }
  | { readonly _tag: "Closed"; readonly processId: string; readonly seq: number }

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
  readonly write: (bytes: Uint8Array, writeId?: string) => Effect.Effect<WriteStatus>
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
}

/** What an actor needs to start. */
export interface ProcessActorOptions {
  readonly processId: string
  readonly tty: boolean
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

/** How a process ended, once it has. */
export interface ExitStatus {
  readonly exitCode: number
  readonly signal: string | null
  readonly sandboxDenied: boolean
  /** The seq of the `exited` event, so a reader catching up can place it among the output. */
  readonly seq: number
}

/** A `process/read` result from the retained output and the process's state. */
const readResult = (
  output: RetainedOutput,
  afterSeq: number,
  maxBytes: number | undefined,
  state: { readonly exit: ExitStatus | null; readonly closed: boolean; readonly failure: string | null }
): ReadResult => {
  const retained = output.read(afterSeq, maxBytes)
  return {
    chunks: retained.chunks.map((chunk) => ({ seq: chunk.seq, stream: chunk.stream, chunk: chunk.bytes })),
    nextSeq: retained.nextSeq,
    exited: state.exit !== null,
    exitCode: state.exit?.exitCode ?? null,
    closed: state.closed,
    failure: state.failure,
    truncated: retained.truncated,
    sandboxDenied: state.exit?.sandboxDenied ?? false,
    signal: state.exit?.signal ?? null,
    exitedSeq: state.exit?.seq ?? null
  }
}

/** A `process/list` entry of a process and its exit status so far. */
const infoOf = (
  process: Pick<ProcessActor, "processId" | "pid" | "argv" | "tty" | "startedAtMs">,
  exit: ExitStatus | null
): ProcessInfo => ({
  processId: process.processId,
  pid: process.pid,
  argv: process.argv,
  tty: process.tty,
  running: exit === null,
  exitCode: exit?.exitCode ?? null,
  startedAtMs: process.startedAtMs
})

/** The last `maxBytes` (or a little more) of a process's output. */
class OutputTail {
  private chunks: Array<Uint8Array> = []
  private bytes = 0
  constructor(private readonly maxBytes: number) {}
  push(chunk: Uint8Array): void {
    // A copy: the child's output may be in a read buffer that is reused.
    this.chunks.push(chunk.slice())
    this.bytes += chunk.byteLength
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.byteLength >= this.maxBytes) {
      this.bytes -= this.chunks.shift()!.byteLength
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8")
  }
}

const STDIN_CLOSED = Effect.succeed<WriteStatus>("stdinClosed")
const NOT_RUNNING = Effect.succeed(false)

/**
 * A process after `closed`, as the table keeps it for the retention period:
 * its retained output and exit status, and nothing of the child or the
 * actor (no fiber, no scope, no callbacks), so that thousands of finished
 * processes cost about what their output takes. Commands answer as they do
 * for a closed process.
 */
export class ClosedProcess implements ProcessActor {
  constructor(
    readonly processId: string,
    readonly pid: number,
    readonly argv: ReadonlyArray<string>,
    readonly tty: boolean,
    readonly startedAtMs: number,
    readonly sandboxType: SandboxType,
    /** How the process ended. */
    readonly exit: ExitStatus,
    private readonly failure: string | null,
    private readonly output: RetainedOutput
  ) {}
  write(): Effect.Effect<WriteStatus> {
    return STDIN_CLOSED
  }
  get closeStdin(): Effect.Effect<WriteStatus> {
    return STDIN_CLOSED
  }
  resize(): Effect.Effect<void> {
    return Effect.void
  }
  signal(): Effect.Effect<boolean> {
    return NOT_RUNNING
  }
  terminate(): Effect.Effect<boolean> {
    return NOT_RUNNING
  }
  read(options: { readonly afterSeq: number; readonly maxBytes: number | undefined }): Effect.Effect<ReadResult> {
    return Effect.sync(() =>
      readResult(this.output, options.afterSeq, options.maxBytes, { exit: this.exit, closed: true, failure: this.failure })
    )
  }
  get info(): Effect.Effect<ProcessInfo> {
    return Effect.succeed(infoOf(this, this.exit))
  }
  get release(): Effect.Effect<void> {
    return Effect.void
  }
  closedRecord(): ClosedProcess {
    return this
  }
  setPaused(): void {}
}

/** Starts a process and its actor in the current scope; closing the scope terminates it. */
export const makeProcessActor = (
  options: ProcessActorOptions
): Effect.Effect<ProcessActor, InternalError, Scope.Scope> =>
  Effect.gen(function*() {
    const { emit, output, processId } = options
    const child = yield* options.spawner.spawn(options.request)
    const startedAtMs = yield* Clock.currentTimeMillis
    // Scope.addFinalizer rather than Effect.addFinalizer: the latter runs each
    // finalizer under the fiber refs of its acquisition, two diffs of every
    // fiber ref apiece, a measurable share of a short process's CPU.
    const scope = yield* Effect.scope
    const runtime = yield* Effect.runtime<never>()
    if (options.reaper !== undefined) {
      const reaper = options.reaper
      yield* reaper.register(child.pid)
      // Runs last: after the group has been terminated.
      yield* Scope.addFinalizer(scope, reaper.unregister(child.pid))
    }

    // A confined process's last output tells whether the sandbox refused it something.
    const tail = options.sandbox === undefined ? undefined : new OutputTail(DENIAL_SCAN_BYTES)
    let exit: ExitStatus | null = null
    let closed = false
    let failure: string | null = null
    // Set once the actor's scope has closed (the process retired, or its session ended).
    let stopped = false
    const closedSignal = Deferred.unsafeMake<void>(FiberId.none)
    // Completed and dropped on every event, so a long-poll waits on the one
    // current when it looked; made only when a read waits (output is hot).
    let changed: Deferred.Deferred<void> | undefined
    const currentChange = (): Deferred.Deferred<void> => (changed ??= Deferred.unsafeMake<void>(FiberId.none))
    const signalChange = () => {
      if (changed === undefined) return
      const previous = changed
      changed = undefined
      Deferred.unsafeDone(previous, Exit.void)
    }

    let released = false
    const held: Array<ProcessEvent> = []
    const publish = (event: ProcessEvent) => {
      signalChange()
      if (released) emit(event)
      // Held until the start response is out: output bytes may be in a reused read buffer.
      else held.push(event._tag === "Output" ? { ...event, bytes: event.bytes.slice() } : event)
    }

    // Once the process has exited and its group has been seen empty, the
    // group's id is free for an unrelated group to take: it is never
    // signalled again. Looked at when the exit is reported (before the id
    // can be reused) and whenever a signal is due after it.
    let groupGone = false
    const groupLeft = (): boolean => {
      if (groupGone) return false
      const exists = child.groupExists()
      if (!exists && exit !== null) groupGone = true
      return exists
    }
    const signalGroup = (signal: NodeJS.Signals): Effect.Effect<boolean> =>
      Effect.suspend(() => exit === null || groupLeft() ? child.signal(signal) : NOT_RUNNING)

    const onExit = (exitCode: number, signal: string | null) => {
      const sandboxDenied = options.sandbox !== undefined && exitCode !== 0 &&
        isLikelySandboxDenied(exitCode, tail?.text() ?? "", options.sandbox.network)
      const seq = output.nextEventSeq()
      exit = { exitCode, signal, sandboxDenied, seq }
      publish({ _tag: "Exited", processId, seq, exitCode, signal, sandboxDenied })
      groupLeft()
      if (!closed) queueMicrotask(drainIfOpen)
    }
    const onClose = () => {
      if (exit === null) {
        failure = "the process ended without reporting an exit status"
        onExit(-1, null)
      }
      const seq = output.nextEventSeq()
      closed = true
      Deferred.unsafeDone(closedSignal, Exit.void)
      publish({ _tag: "Closed", processId, seq })
      drain?.unsafeInterruptAsFork(FiberId.none)
      options.onClosed?.()
    }

    // A descendant that keeps the output open after the exit (a background
    // job, one that left the process group and cannot even be signalled) must
    // not keep the process from closing, nor its session from ending: the
    // output is ended `closeDrainMs` after the exit. Most processes close in
    // the same turn as they exit, so the check waits a microtask and no timer
    // is set up for them.
    let drain: Fiber.RuntimeFiber<void> | undefined
    const drainIfOpen = () => {
      if (closed || stopped) return
      drain = Runtime.runFork(runtime)(Effect.zipRight(Effect.sleep(Duration.millis(options.closeDrainMs)), child.endOutput))
    }

    // The child's events are handled in its own callbacks, with no queue or
    // fiber hop per chunk: output is retained and published as it is read.
    child.listen((event) => {
      switch (event._tag) {
        case "Output": {
          tail?.push(event.bytes)
          const chunk = output.append(event.stream, event.bytes)
          publish({ _tag: "Output", processId, seq: chunk.seq, stream: chunk.stream, bytes: chunk.bytes })
          return
        }
        case "Exited":
          return onExit(event.exitCode, event.signal)
        case "Closed":
          return onClose()
      }
    })

    // The mailbox: commands run one at a time, in the order they were sent,
    // each once the one before it has finished: a chain of completion
    // signals, so that an actor holds no fiber while it waits for commands.
    // A command runs to its end even if its sender is interrupted. Once the
    // actor stops (the process closed, or its session ended), commands not
    // yet run get the answer a closed process gives.
    yield* Scope.addFinalizer(
      scope,
      Effect.sync(() => {
        stopped = true
        drain?.unsafeInterruptAsFork(FiberId.none)
      })
    )
    let lastCommand: Deferred.Deferred<void> | undefined
    const ask = <A>(command: Effect.Effect<A>, whenStopped: Effect.Effect<A>): Effect.Effect<A> =>
      Effect.suspend(() => {
        const previous = lastCommand
        const done = Deferred.unsafeMake<void>(FiberId.none)
        lastCommand = done
        const run = Effect.uninterruptible(Effect.suspend(() => stopped ? whenStopped : command))
        return (previous === undefined ? run : Effect.zipRight(Deferred.await(previous), run)).pipe(
          Effect.ensuring(Effect.sync(() => {
            Deferred.unsafeDone(done, Exit.void)
            if (lastCommand === done) lastCommand = undefined
          }))
        )
      })

    // One SIGKILL timer per process: a repeated graceful terminate sends
    // SIGTERM again but keeps the first deadline.
    let killPending = false
    const killAfter = (graceMs: number) =>
      Effect.suspend(() => {
        if (killPending) return Effect.void
        killPending = true
        // Forked from a command, which runs uninterruptibly: the timer must
        // be interruptible itself, or a process that retires early would
        // hold its scope open until the timer fired.
        return Effect.sleep(Duration.millis(graceMs)).pipe(
          Effect.zipRight(signalGroup("SIGKILL")),
          Effect.tap((delivered) =>
            delivered
              ? Effect.logWarning("terminate escalated to SIGKILL").pipe(Effect.annotateLogs({ processId, pid: child.pid, graceMs }))
              : Effect.void
          ),
          Effect.interruptible,
          Effect.forkIn(scope),
          Effect.asVoid
        )
      })

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
      Effect.suspend(() => closed ? Effect.void : awaitAtMost(Deferred.await(closedSignal), millis))
    const groupEmptied = () =>
      Effect.repeat(Effect.sync(groupLeft), { while: (exists) => exists, schedule: GROUP_POLL })

    // When the scope closes: SIGTERM to the group, SIGKILL after the grace
    // period (sent even when the grace period is cut short). What is left of
    // the group once the process has closed (a background job) is terminated
    // the same way; usually nothing is, and then nothing is signalled (most
    // processes retire right after they close, so this path is hot).
    const terminateGroup = () =>
      Effect.gen(function*() {
        if (!closed) {
          yield* signalGroup("SIGTERM")
          yield* settledAtMost(options.graceMs)
        } else if (yield* signalGroup("SIGTERM")) {
          yield* awaitAtMost(groupEmptied(), options.graceMs)
        }
      }).pipe(
        Effect.ensuring(Effect.zipRight(
          signalGroup("SIGKILL"),
          settledAtMost(options.closeDrainMs + KILLED_CLOSE_MARGIN_MS)
        ))
      )
    yield* Scope.addFinalizer(
      scope,
      Effect.suspend(() =>
        !closed || groupLeft() ? terminateGroup() : Effect.void
      )
    )

    const writeStatuses = new Map<string, WriteStatus>()
    const rememberWrite = (writeId: string, status: WriteStatus) => {
      writeStatuses.set(writeId, status)
      if (writeStatuses.size > MAX_REMEMBERED_WRITE_IDS) {
        writeStatuses.delete(writeStatuses.keys().next().value!)
      }
    }

    const actor: ProcessActor = {
      processId,
      pid: child.pid,
      argv: options.request.argv,
      tty: options.tty,
      startedAtMs,
      sandboxType: options.sandbox === undefined ? "none" : "linuxSeccomp",
      write: (bytes, writeId) =>
        ask(Effect.gen(function*() {
          if (writeId !== undefined) {
            const previous = writeStatuses.get(writeId)
            if (previous !== undefined) return previous
          }
          const status: WriteStatus = exit !== null ? "stdinClosed" : yield* child.write(bytes)
          if (writeId !== undefined) rememberWrite(writeId, status)
          return status
        }), STDIN_CLOSED),
      closeStdin: ask(Effect.suspend(() => exit !== null ? STDIN_CLOSED : child.closeStdin), STDIN_CLOSED),
      resize: (size) => ask(Effect.suspend(() => exit !== null ? Effect.void : child.resize(size)), Effect.void),
      signal: (signal) => ask(signalGroup(signal === "interrupt" ? "SIGINT" : signal), NOT_RUNNING),
      terminate: (mode, graceMs) =>
        ask(Effect.gen(function*() {
          const running = exit === null
          if (closed && !running) return false
          if (mode === "force") {
            yield* signalGroup("SIGKILL")
          } else {
            yield* signalGroup("SIGTERM")
            yield* killAfter(graceMs)
          }
          return running
        }), NOT_RUNNING),
      read: ({ afterSeq, maxBytes, waitMs }) =>
        Effect.gen(function*() {
          // The fiber clock, so that a TestClock ends waits too.
          const deadline = (yield* Clock.currentTimeMillis) + Math.min(waitMs, MAX_WAIT_MS)
          while (true) {
            const waitFor = currentChange()
            const result = readResult(output, afterSeq, maxBytes, { exit, closed, failure })
            const somethingNewer = result.chunks.length > 0 || result.nextSeq - 1 > afterSeq
            const remaining = deadline - (yield* Clock.currentTimeMillis)
            if (somethingNewer || closed || remaining <= 0) return result
            yield* Deferred.await(waitFor).pipe(Effect.timeout(Duration.millis(remaining)), Effect.ignore)
          }
        }),
      info: Effect.sync(() => infoOf(actor, exit)),
      closedRecord: () => {
        if (!closed || exit === null) throw new Error(`process ${processId} is not closed yet`)
        return new ClosedProcess(
          processId,
          child.pid,
          options.request.argv,
          options.tty,
          startedAtMs,
          actor.sandboxType,
          exit,
          failure,
          output
        )
      },
      release: Effect.sync(() => {
        if (released) return
        released = true
        for (const event of held.splice(0)) emit(event)
      }),
      setPaused: (paused) => child.setPaused(paused)
    }
    return actor
  })
