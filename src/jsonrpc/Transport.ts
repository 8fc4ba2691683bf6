/**
 * The transport contract of the JSON-RPC layer, in one module (as
 * @effect/rpc keeps `RpcServer.Protocol` beside its protocol layers): a
 * `FrameTransport` is one connection, frames in and batches of messages
 * out; a `ServerTransport` accepts connections. Stdio, WebSocket and the
 * in-memory test transports implement it; `serveConnection` and the server
 * consume it and know nothing else of them.
 *
 * What an implementation promises:
 * - its listeners are attached before the transport is handed over, so no
 *   frame that arrives before the connection is served is lost;
 * - it is built by a scoped constructor whose finalizer detaches the
 *   listeners it attached to anything that outlives it (the process's stdin,
 *   a shared stream) and closes what it opened (a listening socket, accepted
 *   sockets), whether or not a connection was ever served;
 * - `write` keeps batches in order, never throws, and reports a failed write
 *   through `done` (that ends the connection, not the server);
 * - `close` is idempotent and safe after the peer is gone.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Mailbox from "effect/Mailbox"
import type * as Stream from "effect/Stream"
import type { Frame } from "../wire/JsonRpc.js"
import type { WriteBatch } from "../wire/writers.js"

export type { WriteBatch } from "../wire/writers.js"


/** A bidirectional channel of frames (stdio lines, WebSocket messages): one connection. */
export interface FrameTransport {
  /** Incoming frames, in order; done when the peer closes the connection, failed when reading fails. */
  readonly frames: Mailbox.ReadonlyMailbox<Frame, unknown>
  /** Writes batches of serialized messages, in order. */
  readonly write: WriteBatch
  /**
   * Lets the channel go once the connection is over (closes a socket, stops
   * reading a stream); its listeners are detached by then or by the
   * constructor's finalizer.
   */
  readonly close: Effect.Effect<void>
  /**
   * The connection's last messages (its processes' ends among them) are
   * written within 2 s of its end, or given up. With this set, they are
   * written for as long as the peer takes some at least this often (ms):
   * for a peer that goes on reading after it stopped sending (stdio: its
   * stdin closed, its stdout still read), however slowly, while one that
   * stopped reading still cannot hold the server.
   */
  readonly closeFlushStallMs?: number | undefined
  /**
   * Who is on the other end, for logs: the transport's name, the peer's
   * address when it has one, and the path it asked for (a WebSocket's request
   * path, which a gateway routes by).
   */
  readonly peer?: {
    readonly transport: string
    readonly address?: string | undefined
    readonly path?: string | undefined
  } | undefined
}

/** A failure of a transport as a whole (not of one connection), such as an address in use. */
export class TransportError extends Data.TaggedError("TransportError")<{ readonly message: string }> {}

/** Accepts client connections: one for stdio, many for a socket server. */
export class ServerTransport extends Context.Tag("effect-exec-server/ServerTransport")<ServerTransport, {
  /** Where clients connect: `stdio://` or `ws://IP:PORT`. */
  readonly url: string
  /** The connections, as they are accepted; ends when no more can come. */
  readonly connections: Stream.Stream<FrameTransport, TransportError>
}>() {}
