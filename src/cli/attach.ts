/**
 * The command-line client's side of a remote process: its output written to
 * the local stdout and stderr as fast as their readers take it (no faster,
 * and nothing dropped), local input to its stdin, the local terminal raw
 * while a terminal process is attached, and the signals a shell sends the
 * client passed on to it, as `ssh` does.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { constants } from "node:os"
import type { ClientError } from "../client/ClientError.js"
import type * as ExecServerClient from "../client/ExecServerClient.js"
import type { SignalName, TerminalSize } from "../protocol/schema.js"
import { memoryBound } from "./memoryBound.js"
import type { TerminalInput } from "./networkPrompt.js"

/** Ctrl-P Ctrl-Q: leaves an attached process running, as `docker attach`. */
const DETACH_KEYS = Buffer.from([0x10, 0x11])

/** The local stdout's reader went away (EPIPE): as a shell pipeline ends, by SIGPIPE. */
export class OutputClosed extends Data.TaggedError("OutputClosed")<{}> {}

/** Exit status of a command ended by SIGPIPE, as a shell reports it: 128 + 13. */
export const SIGPIPE_STATUS = 128 + constants.signals.SIGPIPE

/** The local terminal in raw mode for the scope (keystrokes go through as they are), restored after. */
const rawTerminal = Effect.acquireRelease(
  Effect.sync(() => {
    if (process.stdin.isTTY) process.stdin.setRawMode(true)
  }),
  () =>
    Effect.sync(() => {
      if (process.stdin.isTTY) process.stdin.setRawMode(false)
    })
)

/** The size a remote terminal gets when the local one has none: 80×24, as ssh gives it. */
const DEFAULT_TERMINAL_SIZE: TerminalSize = { rows: 24, cols: 80 }

/**
 * The local terminal's size, or undefined when it has none to give: stdout
 * is not a terminal, or it is one of 0 rows or columns (`script` without a
 * terminal of its own, some CI jobs and container sessions), a size the
 * protocol refuses.
 */
const localTerminalSize = (): TerminalSize | undefined => {
  const { columns, rows } = process.stdout
  return rows !== undefined && columns !== undefined && rows > 0 && columns > 0 ? { rows, cols: columns } : undefined
}

/** The size a remote terminal starts with: the local one's, else 80×24. */
export const startingTerminalSize = (): TerminalSize => localTerminalSize() ?? DEFAULT_TERMINAL_SIZE

/**
 * A local output stream written in order with backpressure: a write
 * completes once the stream has room for more (its reader keeps up), so
 * the remote output is read no faster than it is written here. `broken`
 * once a write failed (the reader is gone), after which writes fail at once.
 */
interface LocalOutput {
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, OutputClosed>
  /** Completes once every write so far has reached the system (or failed). */
  readonly flushed: Effect.Effect<void>
}

const localOutput = (stream: NodeJS.WriteStream): Effect.Effect<LocalOutput, never, Scope.Scope> =>
  Effect.gen(function*() {
    let broken = false
    let unfinished = 0
    const flushWaiters: Array<() => void> = []
    const wakeFlushed = () => {
      if (unfinished > 0) return
      for (const waiter of flushWaiters.splice(0)) waiter()
    }
    // A write to a pipe whose reader is gone fails with EPIPE, reported
    // as an 'error' event too: without a listener Node would throw it.
    const onError = () => {
      broken = true
    }
    // Kept once broken: the write's callback hears the failure before the
    // stream emits it (on a later tick), and Effect 4 resumes the fiber from
    // that callback at once, so this scope can close in between.
    yield* Effect.acquireRelease(
      Effect.sync(() => stream.on("error", onError)),
      () =>
        Effect.sync(() => {
          if (!broken) stream.off("error", onError)
        })
    )
    const write = (bytes: Uint8Array): Effect.Effect<void, OutputClosed> =>
      Effect.callback<void, OutputClosed>((resume) => {
        if (broken) return resume(Effect.fail(new OutputClosed()))
        let settled = false
        const settle = (outcome: Effect.Effect<void, OutputClosed>) => {
          if (settled) return
          settled = true
          stream.off("drain", onDrain)
          resume(outcome)
        }
        const onDrain = () => settle(Effect.void)
        unfinished++
        const room = stream.write(bytes, (error) => {
          unfinished--
          if (error !== undefined && error !== null) {
            broken = true
            settle(Effect.fail(new OutputClosed()))
          }
          wakeFlushed()
        })
        if (room) settle(Effect.void)
        else stream.once("drain", onDrain)
        return Effect.sync(() => stream.off("drain", onDrain))
      })
    const flushed = Effect.callback<void>((resume) => {
      if (unfinished === 0) return resume(Effect.void)
      flushWaiters.push(() => resume(Effect.void))
    })
    return { write, flushed }
  })

/** How an attachment ended. */
export type Attachment =
  /** The process closed: its exit status (`exitCode` is 128 + N for signal N). */
  | {
    readonly _tag: "Closed"
    readonly exitCode: number
    readonly signal: string | null
    /** The kernel's OOM killer ended a process of its cgroup at its memory limit. */
    readonly oomKilled?: boolean | undefined
  }
  /** The local side left it running (Ctrl-P Ctrl-Q). */
  | { readonly _tag: "Detached" }
  /** The local stdout's reader went away: nothing more can be shown. */
  | { readonly _tag: "OutputClosed" }

/** What `attachTo` is told. */
export interface AttachOptions {
  /** The process runs in a terminal: the local one is raw meanwhile, and its size follows. */
  readonly tty: boolean
  /** Watch for Ctrl-P Ctrl-Q in the input, which leaves the process running. */
  readonly detachKeys: boolean
  /** Takes the keys that answer a question of the client's (networkPrompt.ts) before they reach the process. */
  readonly input?: TerminalInput | undefined
}

/**
 * Runs a process's I/O against the local terminal or pipes until it closes:
 * its output to stdout (stderr apart, for pipes) with backpressure, local
 * input to it (in order; the end of input closes its stdin), window size
 * changes as resizes. Every byte it wrote has been handed to the system
 * when this returns `Closed`.
 */
export const attachTo = (
  handle: ExecServerClient.ProcessHandle,
  options: AttachOptions
): Effect.Effect<Attachment, ClientError> =>
  Effect.scoped(Effect.gen(function*() {
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    const bound = memoryBound()
    const stdout = yield* localOutput(process.stdout)
    const stderr = yield* localOutput(process.stderr)
    if (options.tty) {
      yield* rawTerminal
      // A local terminal resized to nothing (0 rows or columns) leaves the remote one its last size.
      const onResize = () => {
        const size = localTerminalSize()
        if (size !== undefined) runFork(Effect.ignore(handle.resize(size)))
      }
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on("SIGWINCH", onResize)),
        () => Effect.sync(() => process.off("SIGWINCH", onResize))
      )
    }
    let detached = false
    // A chunk that ends in the first key of the sequence is held back until
    // the next one says whether the second follows (keys may come one by one).
    let held: Buffer | undefined
    const watchForDetach = (chunk: Buffer): Array<Buffer> => {
      if (!options.detachKeys) return [chunk]
      const data = held === undefined ? chunk : Buffer.concat([held, chunk])
      held = undefined
      if (data.includes(DETACH_KEYS)) {
        detached = true
        return [data.subarray(0, data.indexOf(DETACH_KEYS))]
      }
      if (data[data.length - 1] === DETACH_KEYS[0]) {
        held = data.subarray(data.length - 1)
        return [data.subarray(0, data.length - 1)]
      }
      return [data]
    }
    const answers = options.input
    const input = Stream.fromAsyncIterable(process.stdin as AsyncIterable<Buffer>, (error) => error).pipe(
      Stream.map((chunk) => answers === undefined ? chunk : answers.take(chunk)),
      Stream.map(watchForDetach),
      Stream.flattenIterable,
      // The keys before the sequence still go; nothing after it.
      Stream.takeUntil(() => detached),
      Stream.filter((chunk) => chunk.length > 0),
      Stream.runForEach((chunk) => Effect.ignore(handle.write(chunk))),
      // The local input is gone (not merely no longer read): a question reads the terminal itself now.
      Effect.onExit((exit) => Exit.hasInterrupts(exit) ? Effect.void : Effect.sync(() => answers?.ended())),
      // The end of local input is the end of the process's (but when leaving it attached).
      Effect.andThen(Effect.suspend(() => detached ? Effect.void : Effect.ignore(handle.closeStdin))),
      Effect.ignore
    )
    const inputFiber = yield* Effect.forkScoped(input)
    // Runs before the input fiber is interrupted (finalizers run last first):
    // ending local input lets a read in progress return, so the fiber can stop.
    yield* Effect.addFinalizer(() => Effect.sync(() => process.stdin.destroy()))
    // Each event is written before the next is taken: a slow reader holds
    // the stream back, and with it (the client pauses its connection) the
    // server and the process.
    const output = handle.events.pipe(
      Stream.runForEach((event): Effect.Effect<void, OutputClosed> => {
        if (event._tag === "Output") {
          bound.passed(event.bytes.byteLength)
          // The local stderr's reader gone is no reason to stop: what it would have shown is dropped.
          if (event.stream === "stderr") return Effect.ignore(stderr.write(event.bytes))
          return stdout.write(event.bytes)
        }
        if (event._tag === "Gap") {
          return Effect.ignore(
            stderr.write(Buffer.from(`\r\n[exec-server: output ${event.fromSeq}..${event.seq} was no longer retained]\r\n`))
          )
        }
        return Effect.void
      }),
      Effect.andThen(Effect.andThen(stdout.flushed, stderr.flushed)),
      Effect.andThen(Effect.map(handle.exited, (status): Attachment => ({ _tag: "Closed", ...status }))),
      Effect.catchTag("OutputClosed", () => Effect.succeed<Attachment>({ _tag: "OutputClosed" }))
    )
    if (!options.detachKeys) return yield* output
    // Whichever comes first: the process closing, or the local side leaving.
    return yield* Effect.raceFirst(
      output,
      Effect.andThen(
        Fiber.join(inputFiber),
        Effect.suspend(() => detached ? Effect.succeed<Attachment>({ _tag: "Detached" }) : Effect.never)
      )
    )
  }))

/** The signals the client passes on to the remote process, and the exit status each stands for when it ends the client. */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const satisfies ReadonlyArray<SignalName & NodeJS.Signals>
export type ForwardedSignal = typeof FORWARDED[number]

/** The exit status of a command a signal ended: 128 + its number, as a shell says. */
export const signalStatus = (signal: ForwardedSignal): number => 128 + constants.signals[signal]

/**
 * The signals a shell sends the client (Ctrl-C, `kill`, a closed terminal)
 * as a queue, for the scope: while it lasts the runtime's own handlers
 * (which would interrupt the program and exit 0) are set aside, and restored
 * after.
 */
export const takeOverSignals: Effect.Effect<Queue.Dequeue<ForwardedSignal>, never, Scope.Scope> = Effect.gen(function*() {
  const received = yield* Queue.unbounded<ForwardedSignal>()
  const handlers = FORWARDED.map((signal) => [signal, () => void Queue.offerUnsafe(received, signal)] as const)
  yield* Effect.acquireRelease(
    Effect.sync(() =>
      handlers.map(([signal, handler]) => {
        const before = process.listeners(signal)
        process.removeAllListeners(signal)
        process.on(signal, handler)
        return [signal, handler, before] as const
      })
    ),
    (installed) =>
      Effect.sync(() => {
        for (const [signal, handler, before] of installed) {
          process.off(signal, handler)
          for (const listener of before) process.on(signal, listener)
        }
      })
  )
  return received
})

/**
 * Passes each signal the client receives on to the process, for as long as
 * it runs; completes with the exit status to leave with when one could not
 * be passed on (the server is out of reach): the client then goes, as the
 * signal asked.
 */
export const forwardSignals = (
  signals: Queue.Dequeue<ForwardedSignal>,
  handle: ExecServerClient.ProcessHandle,
  /** One received before the process ran (see `exec`), passed on first. */
  early?: ForwardedSignal
): Effect.Effect<number> =>
  Effect.gen(function*() {
    let pending = early
    for (;;) {
      const signal = pending ?? (yield* Queue.take(signals))
      pending = undefined
      const delivered = yield* Effect.result(handle.signal(signal))
      if (delivered._tag === "Failure") return signalStatus(signal)
    }
  })

/** Completes with the exit status of the first signal received. */
export const firstSignal = (signals: Queue.Dequeue<ForwardedSignal>): Effect.Effect<number> =>
  Effect.map(Queue.take(signals), signalStatus)
