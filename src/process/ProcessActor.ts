/**
 * A process actor: one scoped owner per managed process. It owns the child,
 * its retained output and its state. Commands (write, close stdin, resize,
 * signal, terminate) go through its mailbox and are applied one at a time, in
 * arrival order; reads are answered from the retained output without
 * queueing behind commands. Events leave through `emit` in seq order.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type { InternalError } from "../protocol/errors.js"
import type {
  OutputStream,
  ProcessInfo,
  ReadResult,
  SignalName,
  TerminalSize,
  WriteStatus
} from "../protocol/schema.js"
import type { ProcessSpawner, SpawnRequest } from "./ChildProcess.js"
import type { RetainedOutput } from "./OutputBuffer.js"
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
  /** Completes when the process is closed: exited and all output read. */
  readonly awaitClosed: Effect.Effect<void>
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
  /** Receives events in seq order; must not block. */
  readonly emit: (event: ProcessEvent) => void
  /** Told about the child's process group, so it is killed even if the server dies. */
  readonly reaper?: typeof ProcessReaper.Service | undefined
}

/** Long-polls are capped so that a forgotten request cannot hold a fiber for ever. */
const MAX_WAIT_MS = 10 * 60 * 1000
/** How many `writeId`s an actor remembers for idempotent retries. */
const MAX_REMEMBERED_WRITE_IDS = 4096

/** Starts a process and its actor in the current scope; closing the scope terminates it. */
export const makeProcessActor = (
  options: ProcessActorOptions
): Effect.Effect<ProcessActor, InternalError, Scope.Scope> =>
  Effect.gen(function*() {
    const { emit, output, processId } = options
    const child = yield* options.spawner.spawn(options.request)
    const startedAtMs = Date.now()
    if (options.reaper !== undefined) {
      const reaper = options.reaper
      yield* reaper.register(child.pid)
      // Runs last: after the group has been terminated.
      yield* Effect.addFinalizer(() => reaper.unregister(child.pid))
    }

    let exit: { readonly exitCode: number; readonly signal: string | null } | null = null
    let closed = false
    let failure: string | null = null
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
      else held.push(event)
    }

    const onExit = (exitCode: number, signal: string | null) => {
      exit = { exitCode, signal }
      publish({ _tag: "Exited", processId, seq: output.nextEventSeq(), exitCode, signal })
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
    }

    // The child's events are handled in its own callbacks, with no queue or
    // fiber hop per chunk: output is retained and published as it is read.
    child.listen((event) => {
      switch (event._tag) {
        case "Output": {
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

    const scope = yield* Effect.scope
    // The mailbox: commands run one at a time, in the order they were sent.
    // Once the actor stops, commands still waiting are interrupted.
    const mailbox = yield* Queue.unbounded<Effect.Effect<void>>()
    const stopped = Deferred.unsafeMake<void>(FiberId.none)
    yield* Effect.addFinalizer(() => Deferred.interrupt(stopped))
    yield* Queue.take(mailbox).pipe(Effect.flatten, Effect.forever, Effect.forkScoped)
    const ask = <A>(command: Effect.Effect<A>): Effect.Effect<A> =>
      Effect.flatMap(Deferred.make<A>(), (reply) =>
        Queue.offer(mailbox, Effect.intoDeferred(command, reply)).pipe(
          Effect.zipRight(Effect.raceFirst(Deferred.await(reply), Effect.zipRight(Deferred.await(stopped), Effect.interrupt)))
        ))

    const killAfter = (graceMs: number) =>
      Effect.sleep(Duration.millis(graceMs)).pipe(
        Effect.zipRight(child.signal("SIGKILL")),
        Effect.forkIn(scope),
        Effect.asVoid
      )

    // When the scope closes: SIGTERM to the group, SIGKILL after the grace
    // period (also for descendants that outlive the leader).
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (!closed) {
          yield* child.signal("SIGTERM")
          yield* Deferred.await(closedSignal).pipe(Effect.timeout(Duration.millis(options.graceMs)), Effect.ignore)
        }
        yield* child.signal("SIGKILL")
        yield* Deferred.await(closedSignal).pipe(Effect.timeout("2 seconds"), Effect.ignore)
      })
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
      write: (bytes, writeId) =>
        ask(Effect.gen(function*() {
          if (writeId !== undefined) {
            const previous = writeStatuses.get(writeId)
            if (previous !== undefined) return previous
          }
          const status: WriteStatus = exit !== null ? "stdinClosed" : yield* child.write(bytes)
          if (writeId !== undefined) rememberWrite(writeId, status)
          return status
        })),
      closeStdin: ask(Effect.suspend(() => exit !== null ? Effect.succeed("stdinClosed" as const) : child.closeStdin)),
      resize: (size) => ask(Effect.suspend(() => exit !== null ? Effect.void : child.resize(size))),
      signal: (signal) => ask(child.signal(signal === "interrupt" ? "SIGINT" : signal)),
      terminate: (mode, graceMs) =>
        ask(Effect.gen(function*() {
          const running = exit === null
          if (closed && !running) return false
          if (mode === "force") {
            yield* child.signal("SIGKILL")
          } else {
            yield* child.signal("SIGTERM")
            yield* killAfter(graceMs)
          }
          return running
        })),
      read: ({ afterSeq, maxBytes, waitMs }) =>
        Effect.gen(function*() {
          const deadline = Date.now() + Math.min(waitMs, MAX_WAIT_MS)
          while (true) {
            const waitFor = currentChange()
            const retained = output.read(afterSeq, maxBytes)
            const somethingNewer = retained.chunks.length > 0 || retained.nextSeq - 1 > afterSeq
            const remaining = deadline - Date.now()
            if (somethingNewer || closed || remaining <= 0) {
              return {
                chunks: retained.chunks.map((chunk) => ({ seq: chunk.seq, stream: chunk.stream, chunk: chunk.bytes })),
                nextSeq: retained.nextSeq,
                exited: exit !== null,
                exitCode: exit?.exitCode ?? null,
                closed,
                failure,
                truncated: retained.truncated
              }
            }
            yield* Deferred.await(waitFor).pipe(Effect.timeout(Duration.millis(remaining)), Effect.ignore)
          }
        }),
      info: Effect.sync(() => ({
        processId,
        pid: child.pid,
        argv: options.request.argv,
        tty: options.tty,
        running: exit === null,
        exitCode: exit?.exitCode ?? null,
        startedAtMs
      })),
      awaitClosed: Deferred.await(closedSignal),
      release: Effect.sync(() => {
        if (released) return
        released = true
        for (const event of held.splice(0)) emit(event)
      }),
      setPaused: (paused) => child.setPaused(paused)
    }
    return actor
  })
