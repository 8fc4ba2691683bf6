/**
 * The spawner abstraction: what a process actor needs from a running child,
 * whatever backs it (node-pty, child_process, or a test fake). A spawner
 * guarantees the order of a child's events; the actor adds sequencing,
 * retention and policy on top.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { InternalError, SpawnNotFound } from "../protocol/errors.js"
import type { OutputStream, TerminalSize } from "../protocol/schema.js"
import type { SandboxedLaunch } from "../sandbox/Sandbox.js"

/** What to run and how. `env` is the child's whole environment. */
export interface SpawnRequest {
  /** On a pseudo-terminal; else with pipes for stdin, stdout and stderr. */
  readonly tty: boolean
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  /** argv[0] as the program sees it, when it differs from the program name. */
  readonly arg0?: string | undefined
  /** Pipe children only: give the child a writable stdin (else /dev/null). */
  readonly pipeStdin: boolean
  /** PTY children only: the initial terminal size. */
  readonly size: TerminalSize
  /**
   * Run confined: the launcher's argv is executed instead (it carries `argv`
   * and `arg0`), and signals go to the confined command's process group.
   */
  readonly sandbox?: SandboxedLaunch | undefined
  /**
   * The `cgroup.procs` files of the child's cgroups (limits/): the child
   * joins them before it runs anything (through limits/launcher.ts).
   */
  readonly joinCgroups?: ReadonlyArray<string> | undefined
  /** For a spawner that keeps processes beyond the server (HeldSpawner): what it records of this one, or which one to adopt. */
  readonly keep?: KeptProcess | undefined
}

/** What a spawner that keeps processes beyond the server records of one, so that a later server adopts it. */
export interface KeptProcess {
  readonly sessionKey: string
  readonly processId: string
  /** How long its session outlives its connection. */
  readonly detachTtlMs: number
  /** How long a closed process stays readable: its holder keeps it that long for a later server. */
  readonly retentionMs: number
  /**
   * Whether its closed record is kept (false while its session ends: its
   * holder then ends too); when it is, `release` is called once the record
   * is gone, so that what was kept of it for a later server goes too.
   */
  readonly retained: (release: () => void) => boolean
  /** Attach to the holder at this socket rather than start a process: adopted from a server that is gone. */
  readonly adoptSocket?: string | undefined
}

/** What a seq was given to (ChildProcess.sequenced). */
export type SequencedKind = "output" | "exited" | "closed"

/**
 * An event of a child, in the order the spawner guarantees. An `Output`'s
 * bytes may be a view of a read buffer the spawner reuses once the sink
 * returns: a sink that keeps them past its call must copy them.
 */
export type ChildEvent =
  | { readonly _tag: "Output"; readonly stream: OutputStream; readonly bytes: Uint8Array }
  | { readonly _tag: "Exited"; readonly exitCode: number; readonly signal: string | null }
  /** The last event: the child has exited and every output stream has ended. */
  | { readonly _tag: "Closed" }

/** Takes a child's events as they happen; it runs in the spawner's callbacks, so it must not block. */
export type ChildEventSink = (event: ChildEvent) => void

/**
 * The outcome of handing bytes (or EOF) to a child's stdin: `backlogFull`
 * when the child has not read `MAX_STDIN_BACKLOG_BYTES` already (nothing was
 * taken: the server must not hold without bound what a child does not read).
 */
export type StdinStatus = "accepted" | "stdinClosed" | "backlogFull"

/** Bytes a child's stdin (a pipe's or a terminal's) may hold that the child has not read yet. */
export const MAX_STDIN_BACKLOG_BYTES = 16 * 1024 * 1024

/** Whether a write of `bytes` onto `backlog` unread bytes is refused: beyond the bound, but never onto an empty backlog. */
export const stdinBacklogFull = (backlog: number, bytes: number): boolean =>
  backlog > 0 && backlog + bytes > MAX_STDIN_BACKLOG_BYTES

/** A running child process, owned by one process actor. */
export interface ChildProcess {
  readonly pid: number
  /**
   * Kept by a holder that outlives the server (HeldSpawner): a server that
   * dies leaves it to its holder, so the reaper must not end its group.
   */
  readonly outlivesServer?: true | undefined
  /** Told each seq the actor gives this child's events, in order, before the event can reach a client. */
  readonly sequenced?: ((kind: SequencedKind, seq: number) => void) | undefined
  /**
   * Adopted from a server that is gone: the seq its first event follows (its
   * events are numbered on from there, as that server numbered them), and
   * the output it retains (as much as its keeper kept, beyond the usual cap:
   * what its client had not read when the server went is in it).
   */
  readonly adopted?: { readonly lastSeq: number; readonly retainBytes: number } | undefined
  /**
   * Hands the child's events to `sink` (once, to the one owner): first those
   * that happened before, then each as it happens, synchronously and in
   * order. `Exited` comes after every chunk the child wrote before it exited;
   * `Closed` comes last. Nothing is queued between the child and its owner:
   * flow control (`setPaused`) is what bounds the output in flight.
   */
  readonly listen: (sink: ChildEventSink) => void
  readonly write: (bytes: Uint8Array) => Effect.Effect<StdinStatus>
  readonly closeStdin: Effect.Effect<Exclude<StdinStatus, "backlogFull">>
  /** Resizes the terminal; a no-op for pipe children and after exit. */
  readonly resize: (size: TerminalSize) => Effect.Effect<void>
  /** Sends a signal to the child's process group; false when the group is gone. */
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<boolean>
  /**
   * True while any process of the child's group is left (the child or
   * descendants that stayed in it). Synchronous: a check the actor makes as
   * the exit is reported, in the spawner's callback.
   */
  readonly groupExists: () => boolean
  /**
   * After the exit: stops waiting for descendants that still hold the output
   * open; what they write later is not read, and `Closed` follows at once.
   * A no-op once closed.
   */
  readonly endOutput: Effect.Effect<void>
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
 * gracefully before that). A missing cwd or program fails with SpawnNotFound.
 */
export interface ProcessSpawner {
  readonly spawn: (request: SpawnRequest) => Effect.Effect<ChildProcess, InternalError | SpawnNotFound, Scope.Scope>
}

/**
 * Starts the server's children, on a terminal or with pipes as each
 * request says: one service, chosen by Layer (Node's: `NodeSpawner.layer`;
 * scripted: `TestSpawner`), resolved once by the session store.
 */
export class Spawner extends Context.Service<Spawner, ProcessSpawner>()("effect-exec-server/Spawner") {}

/** A spawner that gives terminal requests to `pty` and the others to `pipe`. */
export const byTerminal = (spawners: { readonly pty: ProcessSpawner; readonly pipe: ProcessSpawner }): ProcessSpawner => ({
  spawn: (request) => request.tty ? spawners.pty.spawn(request) : spawners.pipe.spawn(request)
})

/**
 * A child's events on their way to its owner: held until the owner listens,
 * then handed over as they happen. An event raised while the sink is still
 * busy with the previous one (the sink paused or resumed the child) waits
 * for it, so the order holds. Closing it drops whatever comes later.
 */
export class ChildEvents {
  private sink: ChildEventSink | undefined
  private backlog: Array<ChildEvent> = []
  private delivering = false
  private closed = false
  private finished = false

  /** Hands `event` on, or holds it until there is a listener; nothing after `Closed` is. */
  emit(event: ChildEvent): void {
    if (this.closed || this.finished) return
    if (event._tag === "Closed") this.finished = true
    // Held past this call: output bytes may be in a read buffer that is about to be reused.
    const waits = this.sink === undefined || this.delivering
    this.backlog.push(waits && event._tag === "Output" ? { ...event, bytes: event.bytes.slice() } : event)
    if (this.sink !== undefined && !this.delivering) this.drain(this.sink)
  }

  /** `ChildProcess.listen`. */
  listen(sink: ChildEventSink): void {
    if (this.sink !== undefined) throw new Error("a child's events have one listener")
    this.sink = sink
    this.drain(sink)
  }

  /** Drops the listener and every later event (the child's resources are being released). */
  close(): void {
    this.closed = true
    this.sink = undefined
    this.backlog = []
  }

  private drain(sink: ChildEventSink): void {
    this.delivering = true
    try {
      while (this.backlog.length > 0 && !this.closed) sink(this.backlog.shift()!)
    } finally {
      this.delivering = false
    }
  }
}
