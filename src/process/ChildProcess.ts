/**
 * The spawner abstraction: what a process actor needs from a running child,
 * whatever backs it (node-pty, child_process, or a test fake). A spawner
 * guarantees the order of a child's events; the actor adds sequencing,
 * retention and policy on top.
 */
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import type { InternalError } from "../protocol/errors.js"
import type { OutputStream, TerminalSize } from "../protocol/schema.js"

/** What to run and how. `env` is the child's whole environment. */
export interface SpawnRequest {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  /** argv[0] as the program sees it, when it differs from the program name. */
  readonly arg0?: string | undefined
  /** Pipe children only: give the child a writable stdin (else /dev/null). */
  readonly pipeStdin: boolean
  /** PTY children only: the initial terminal size. */
  readonly size: TerminalSize
}

/** An event of a child, in the order the spawner guarantees. */
export type ChildEvent =
  | { readonly _tag: "Output"; readonly stream: OutputStream; readonly bytes: Uint8Array }
  | { readonly _tag: "Exited"; readonly exitCode: number; readonly signal: string | null }

/** The outcome of handing bytes (or EOF) to a child's stdin. */
export type StdinStatus = "accepted" | "stdinClosed"

/** A running child process, owned by one process actor. */
export interface ChildProcess {
  readonly pid: number
  /**
   * Waits for output or exit and takes every event queued, for a single
   * consumer; `done` is true once no more will come (the child has exited
   * and every output stream has ended: the process is closed). `Exited`
   * comes after every chunk the child wrote before it exited.
   */
  readonly takeEvents: Effect.Effect<readonly [events: ReadonlyArray<ChildEvent>, done: boolean]>
  readonly write: (bytes: Uint8Array) => Effect.Effect<StdinStatus>
  readonly closeStdin: Effect.Effect<StdinStatus>
  /** Resizes the terminal; a no-op for pipe children and after exit. */
  readonly resize: (size: TerminalSize) => Effect.Effect<void>
  /** Sends a signal to the child's process group; false when the group is gone. */
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<boolean>
  /**
   * Stops (or resumes) reading the child's output, so that a child that keeps
   * writing blocks instead of the server buffering without bound. Must not
   * lose or reorder output, including what the child wrote before exiting.
   */
  readonly setPaused: (paused: boolean) => void
}

/**
 * Starts children. Closing the spawn's scope releases the child's resources
 * and kills its process group if it is still there (the actor terminates
 * gracefully before that).
 */
export interface ProcessSpawner {
  readonly spawn: (request: SpawnRequest) => Effect.Effect<ChildProcess, InternalError, Scope.Scope>
}

/** Spawns children on a pseudo-terminal (`tty: true`). */
export class PtySpawner extends Context.Tag("effect-exec-server/PtySpawner")<PtySpawner, ProcessSpawner>() {}

/** Spawns children with pipes for stdin, stdout and stderr (`tty: false`). */
export class PipeSpawner extends Context.Tag("effect-exec-server/PipeSpawner")<PipeSpawner, ProcessSpawner>() {}

/**
 * `takeEvents` over a mailbox the spawner fills, telling `onOutputTaken`
 * about every chunk taken (spawners bound what they queue by it).
 */
export const takeEventsFrom = (
  events: Mailbox.ReadonlyMailbox<ChildEvent>,
  onOutputTaken: () => void = () => {}
): ChildProcess["takeEvents"] =>
  Effect.map(events.takeAll, ([chunk, done]) => {
    const taken = Chunk.toReadonlyArray(chunk)
    for (const event of taken) if (event._tag === "Output") onOutputTaken()
    return [taken, done] as const
  })
