/** What an attached connection to a holder gives and takes (Holder.ts re-exports them). */
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { HolderDisconnected, HolderRefused, HolderSpawnFailed } from "./holderErrors.js"
import type * as Frames from "./holderFrames.js"

/** Output and what happens to the child, in order. */
export type HolderEvent =
  | { readonly _tag: "Output"; readonly position: number; readonly stream: Frames.HolderStream; readonly bytes: Buffer }
  /** Bytes [from, to) were overwritten in the ring before this connection read them. */
  | { readonly _tag: "Lost"; readonly from: number; readonly to: number }
  | HolderExit
  /** No more output: `end` is one past the last byte. The stream ends after it. */
  | { readonly _tag: "Closed"; readonly end: number }

/** The child's exit: its code or the signal that ended it, and whether all its output had ended by then. */
export interface HolderExit {
  readonly _tag: "Exited"
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Every output stream had ended when the exit was reported (no descendant held one open). */
  readonly complete: boolean
  /** Output before this position was written before the exit. */
  readonly end: number
}

/** A stdin write's outcome, as the server's spawners say it. */
export type StdinStatus = "accepted" | "stdinClosed" | "backlogFull"

/** An attached connection to a holder. */
export interface HolderConnection {
  readonly childPid: number
  readonly terminal: boolean
  /** At attach: the oldest position still in the ring, and one past the newest. */
  readonly oldest: number
  readonly end: number
  /** The ring's size: positions older than the newest this many are gone from it. */
  readonly ringBytes: number
  /**
   * The events from the attach's `from` on, once each. Taking an Output
   * acknowledges it: the holder may then overwrite it, and reads the child
   * on (while attached it never overwrites what was not acknowledged, so a
   * consumer that stops taking stops the child). Fails with
   * HolderDisconnected when the connection ends before Closed. One consumer.
   */
  readonly events: Stream.Stream<HolderEvent, HolderDisconnected | HolderRefused>
  /** Writes to stdin (in pieces of at most 1 MiB; the first refused piece stops it, and says so). */
  readonly write: (bytes: Uint8Array) => Effect.Effect<StdinStatus, HolderDisconnected>
  /** Ends stdin once the backlog is written (a terminal's: ^D). */
  readonly closeStdin: Effect.Effect<Exclude<StdinStatus, "backlogFull">, HolderDisconnected>
  /** Waits until the holder has written the refused backlog (after a `backlogFull`). */
  readonly stdinDrained: Effect.Effect<void, HolderDisconnected>
  readonly resize: (rows: number, cols: number) => Effect.Effect<void, HolderDisconnected>
  /** Signals the child's process group; false when the group is gone. Signal 0 only asks. */
  readonly signal: (signal: NodeJS.Signals | 0) => Effect.Effect<boolean, HolderDisconnected>
  /** After the exit: stop waiting for descendants that hold the output open. */
  readonly endOutput: Effect.Effect<void, HolderDisconnected>
  /** The child's exit, once every byte written before it was received. */
  readonly exit: Effect.Effect<HolderExit, HolderDisconnected | HolderRefused>
  /** The server is done with the process: the holder kills the group if it is there, and exits. */
  readonly done: Effect.Effect<void>
  /** Lets the holder go on without this server (the connection ends; a later server may attach). */
  readonly detach: Effect.Effect<void>
  /** Resolves when the connection has ended (the holder exited, refused, or this end detached). */
  readonly gone: Effect.Effect<void>
  /**
   * Resolves once the holder is bound to its socket, where later servers
   * attach; fails when it could not be bound. At once for `attach`.
   */
  readonly listening: Effect.Effect<void, HolderSpawnFailed | HolderDisconnected>
  /** Whether the output is read from the shared ring (else relayed through the socket). */
  readonly sharedRing: boolean
}

/** How to attach. */
export interface AttachOptions {
  /** The first position wanted (default 0); what the ring no longer has comes as Lost. */
  readonly from?: number | undefined
  /** Displace an attached server (default false: refused as busy). */
  readonly takeover?: boolean | undefined
  /**
   * Each chunk of output as it comes, in order, from a buffer shared by
   * every connection and valid only during the call (copy what is kept), as
   * the pipe spawner's `onOutput`: no buffer is allocated per chunk. Given,
   * `events` carries no Output (the rest as always, Exited after the bytes
   * before it), and a chunk is acknowledged once the call returns.
   */
  readonly onOutput?: ((position: number, stream: Frames.HolderStream, bytes: Buffer) => void) | undefined
  /**
   * Read the output from the holder's ring (its memfd, opened through
   * /proc) instead of as bytes through the socket (default true). Where the
   * ring cannot be opened the holder relays the bytes instead.
   */
  readonly shared?: boolean | undefined
}
