/**
 * The one transport contract of both ends: a `FrameTransport` is one
 * connection, frames in and batches of serialized messages out. The
 * server's transports (stdio, WebSocket, a NATS stream, in memory) and the
 * client's (WebSocket, a spawned server's stdio, a NATS stream, in
 * process) implement it, and the connection loop on either side knows
 * nothing else of them, so a pair of in-memory ends joins a client to a
 * server. `jsonrpc/Transport.ts` adds what only a server's end says.
 *
 * What an implementation promises:
 * - its listeners are attached before the transport is handed over, so no
 *   frame that arrives before it is read is lost;
 * - `frames` is bounded: while its consumer does not take them, the
 *   connection is no longer read (so the peer's flow control sees a slow
 *   reader);
 * - it is built by a scoped constructor whose finalizer detaches the
 *   listeners it attached to anything that outlives it and closes what it
 *   opened, whether or not the connection was ever read;
 * - `write` keeps batches in order, never throws, and reports a failed
 *   write through `done`;
 * - `close` is idempotent and safe after the peer is gone.
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import type { Frame } from "./JsonRpc.js"
import type { WriteBatch } from "./writers.js"

/** A right a credential may grant beyond the protocol: `console`, minting web console links. */
export type CredentialGrant = "console"

/**
 * The signed bearer token's claim that grants `console` (minting web
 * console links, which show every session of the server):
 * `"exec_server_console": true`. Without it a client sees its own sessions
 * only (docs/CONSOLE.md).
 */
export const CONSOLE_CLAIM = "exec_server_console"

/** A bidirectional channel of frames (stdio lines, WebSocket messages, a NATS stream's messages): one connection. */
export interface FrameTransport<E = unknown> {
  /** Incoming frames, in order; ended (`Cause.Done`) when the peer closes the connection, failed (with `E`) when reading fails. */
  readonly frames: Queue.Dequeue<Frame, E | Cause.Done>
  /** Writes batches of serialized messages, in order. */
  readonly write: WriteBatch
  /** Lets the connection go (closes a socket, ends a pipe, stops reading a stream). */
  readonly close: Effect.Effect<void>
  /**
   * Who is on the other end, for logs: the transport's name, the peer's
   * address when it has one, and the path it asked for (a WebSocket's request
   * path, which a gateway routes by).
   */
  readonly peer?: {
    readonly transport: string
    readonly address?: string | undefined
    readonly path?: string | undefined
    /** What the peer's credential grants beyond the protocol (a signed bearer token's claims; docs/CONSOLE.md). */
    readonly grants?: ReadonlyArray<CredentialGrant> | undefined
  } | undefined
}

/** The frames of a source that can be paused, as a transport delivers them. */
export interface Inbox<E> {
  /** What the transport hands over as its `frames`. */
  readonly frames: Queue.Dequeue<Frame, E | Cause.Done>
  /** A frame arrived (callable from any callback). */
  readonly deliver: (frame: Frame) => void
  /** The source ended: after the frames still waiting, `frames` ends with `exit`. */
  readonly end: (exit: Exit.Exit<void, E>) => void
  /** Whether frames wait for room (the source is paused meanwhile). */
  readonly behind: () => boolean
  /** Stops moving waiting frames in (the transport is closed). */
  readonly stop: () => void
}

/**
 * Frames into a queue of `capacity`: those that find it full wait in
 * order, the source paused (`pause`) until the consumer has made room for
 * them all (`resume`). A source that delivers a few more after its pause
 * (ws emits what it had already read) loses none.
 */
export const makeInbox = <E>(options: {
  readonly capacity?: number | undefined
  readonly pause: () => void
  readonly resume: () => void
}): Inbox<E> => {
  const frames = Effect.runSync(
    Queue.make<Frame, E | Cause.Done>(options.capacity === undefined ? undefined : { capacity: options.capacity })
  )
  const overflow: Array<Frame> = []
  let ending: Exit.Exit<void, E> | undefined
  let drainer: Fiber.Fiber<void> | undefined
  /** Ends the queue as the source ended: done (`Cause.Done`) after a clean end, failed with its cause otherwise. */
  const finish = (exit: Exit.Exit<void, E>): void => {
    if (Exit.isSuccess(exit)) Queue.endUnsafe(frames)
    else Queue.failCauseUnsafe(frames, exit.cause)
  }
  /** Moves the overflow into the queue as the consumer makes room, then reads the source again. */
  const drain = Effect.gen(function*() {
    while (overflow.length > 0) {
      yield* Queue.offer(frames, overflow[0]!)
      overflow.shift()
    }
    drainer = undefined
    if (ending !== undefined) finish(ending)
    else options.resume()
  })
  return {
    frames,
    deliver: (frame) => {
      if (overflow.length === 0 && Queue.offerUnsafe(frames, frame)) return
      overflow.push(frame)
      if (overflow.length === 1) {
        options.pause()
        drainer = Effect.runFork(drain)
      }
    },
    end: (exit) => {
      if (ending !== undefined) return
      ending = exit
      // Frames still waiting come first.
      if (overflow.length === 0) finish(exit)
    },
    behind: () => overflow.length > 0,
    stop: () => {
      if (drainer !== undefined) Effect.runFork(Fiber.interrupt(drainer))
    }
  }
}
