/**
 * A scripted stand-in for the PTY and pipe spawners, for unit tests of
 * handlers and actors without real processes. Every spawn creates a
 * `FakeChild` the test drives (output, exit, close) and inspects (writes,
 * signals, resizes). A `behavior` can script children as they start.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { type InternalError, SpawnNotFound } from "../protocol/errors.js"
import type { OutputStream, TerminalSize } from "../protocol/schema.js"
import {
  ChildEvents,
  type ChildProcess,
  type ProcessSpawner,
  Spawner,
  type SpawnRequest,
  type StdinStatus
} from "../process/ChildProcess.js"
import { exitCodeOf, signalNumber } from "../process/signals.js"

/** A fake child: what it received, and controls to make it produce events. */
export interface FakeChild {
  readonly pid: number
  readonly request: SpawnRequest
  readonly tty: boolean
  /** Bytes written to its stdin, in order. */
  readonly writes: Array<Uint8Array>
  /** Signals sent to its group, in order. */
  readonly signals: Array<NodeJS.Signals>
  readonly resizes: Array<TerminalSize>
  /** Whether the server has paused reading its output (flow control). */
  readonly paused: () => boolean
  readonly stdinClosed: () => boolean
  readonly exited: () => boolean
  /** Emits output on a stream (`"pty"` for terminal children). */
  readonly output: (data: string | Uint8Array, stream?: OutputStream) => void
  /** Reports the exit; `signal` makes the exit code 128 + n. */
  readonly exit: (code: number, signal?: NodeJS.Signals) => void
  /** Ends the output streams: the process is closed once it has also exited. */
  readonly close: () => void
  /** `exit` then `close`. */
  readonly finish: (code: number, signal?: NodeJS.Signals) => void
  /**
   * Whether some process holds the child's process group id apart from the
   * child itself: a background job that outlives it, or (after the group
   * emptied) an unrelated group that took the id. Signals are recorded
   * either way, as `kill(-pgid)` would deliver them.
   */
  readonly holdGroup: (held: boolean) => void
}

/** How a fake child reacts to being started, written to and signalled. */
export interface FakeBehavior {
  readonly onSpawn?: (child: FakeChild) => void
  readonly onWrite?: (child: FakeChild, bytes: Uint8Array) => void
  /** Default: SIGTERM, SIGKILL, SIGINT, SIGHUP and SIGQUIT end the child with that signal. */
  readonly onSignal?: (child: FakeChild, signal: NodeJS.Signals) => void
  /** Makes a spawn fail, as a missing binary would. */
  readonly failSpawn?: (request: SpawnRequest) => InternalError | SpawnNotFound | undefined
}

const FATAL_BY_DEFAULT = new Set<NodeJS.Signals>(["SIGTERM", "SIGKILL", "SIGINT", "SIGHUP", "SIGQUIT"])

/** The test spawner: its layer provides the one Spawner service. */
export interface TestSpawner {
  readonly layer: Layer.Layer<Spawner>
  /** Every child spawned so far, in order. */
  readonly children: ReadonlyArray<FakeChild>
  /** Waits for the next child to be spawned. */
  readonly nextChild: Effect.Effect<FakeChild>
}

let nextFakePid = 100_000

/** Makes a test spawner with an optional behavior for its children. */
export const make = (behavior: FakeBehavior = {}): Effect.Effect<TestSpawner> =>
  Effect.gen(function*() {
    const spawned = yield* Queue.unbounded<FakeChild>()
    const children: Array<FakeChild> = []
    const spawner = (tty: boolean): ProcessSpawner => ({
      spawn: (request) =>
        Effect.gen(function*() {
          const failure = behavior.failSpawn?.(request)
          if (failure !== undefined) return yield* failure
          const events = new ChildEvents()
          yield* Effect.addFinalizer(() => Effect.sync(() => events.close()))
          let exited = false
          let closed = false
          let stdinOpen = tty || request.pipeStdin
          let paused = false
          let groupHeld = false
          const child: FakeChild = {
            pid: nextFakePid++,
            request,
            tty,
            writes: [],
            signals: [],
            resizes: [],
            paused: () => paused,
            stdinClosed: () => !stdinOpen,
            exited: () => exited,
            output: (data, stream = tty ? "pty" : "stdout") => {
              const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
              events.emit({ _tag: "Output", stream, bytes })
            },
            exit: (code, signal) => {
              if (exited) return
              exited = true
              stdinOpen = false
              events.emit({ _tag: "Exited", exitCode: exitCodeOf(code, signal ?? null), signal: signal ?? null })
            },
            close: () => {
              if (closed) return
              closed = true
              events.emit({ _tag: "Closed" })
            },
            finish: (code, signal) => {
              child.exit(code, signal)
              child.close()
            },
            holdGroup: (held) => {
              groupHeld = held
            }
          }
          const handle: ChildProcess = {
            pid: child.pid,
            listen: (sink) => events.listen(sink),
            write: (bytes) =>
              Effect.sync((): StdinStatus => {
                if (!stdinOpen) return "stdinClosed"
                child.writes.push(bytes)
                behavior.onWrite?.(child, bytes)
                return "accepted"
              }),
            closeStdin: Effect.sync((): Exclude<StdinStatus, "backlogFull"> => {
              if (!stdinOpen) return "stdinClosed"
              stdinOpen = tty
              return "accepted"
            }),
            resize: (size) => Effect.sync(() => void child.resizes.push(size)),
            signal: (signal) =>
              Effect.sync(() => {
                if (exited && !groupHeld) return false
                child.signals.push(signal)
                if (behavior.onSignal !== undefined) behavior.onSignal(child, signal)
                else if (FATAL_BY_DEFAULT.has(signal) && signalNumber(signal) !== undefined) child.finish(0, signal)
                return true
              }),
            groupExists: () => !exited || groupHeld,
            endOutput: Effect.sync(() => {
              if (exited) child.close()
            }),
            setPaused: (next) => {
              paused = next
            }
          }
          children.push(child)
          yield* Queue.offer(spawned, child)
          behavior.onSpawn?.(child)
          return handle
        })
    })
    return {
      layer: Layer.succeed(Spawner, { spawn: (request) => spawner(request.tty).spawn(request) }),
      children,
      nextChild: Queue.take(spawned)
    }
  })

/** A behavior whose children echo every write back as output. */
export const echo: FakeBehavior = {
  onWrite: (child, bytes) => child.output(bytes)
}

/** A behavior that fails every spawn as a missing binary does. */
export const missingBinary: FakeBehavior = {
  failSpawn: (request) =>
    new SpawnNotFound({
      message: `cannot spawn ${request.argv[0]}: no such executable file`,
      missing: "program",
      path: request.argv[0]!
    })
}
