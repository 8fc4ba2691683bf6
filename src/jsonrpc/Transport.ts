/**
 * The server's side of the transport contract (`wire/FrameTransport.ts`,
 * the one both ends implement): what a server's connection says besides,
 * and a `ServerTransport` that accepts connections. `serveConnection` and
 * the server consume them and know nothing else of the transports.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Stream from "effect/Stream"
import type { FrameTransport as Connection } from "../wire/FrameTransport.js"

export type { WriteBatch } from "../wire/writers.js"


/**
 * One connection of the server: a `FrameTransport` of the contract (its
 * `close` lets the channel go once the connection is over; its listeners are
 * detached by then or by the constructor's finalizer), and how long its last
 * messages may take.
 */
export interface FrameTransport extends Connection {
  /**
   * The connection's last messages (its processes' ends among them) are
   * written within 2 s of its end, or given up. With this set, they are
   * written for as long as the peer takes some at least this often (ms):
   * for a peer that goes on reading after it stopped sending (stdio: its
   * stdin closed, its stdout still read), however slowly, while one that
   * stopped reading still cannot hold the server.
   */
  readonly closeFlushStallMs?: number | undefined
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
