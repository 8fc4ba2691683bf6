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
import * as Context from "effect/Context";
import * as Data from "effect/Data";
/** A failure of a transport as a whole (not of one connection), such as an address in use. */
export class TransportError extends Data.TaggedError("TransportError") {
}
/** Accepts client connections: one for stdio, many for a socket server. */
export class ServerTransport extends Context.Tag("effect-exec-server/ServerTransport")() {
}
//# sourceMappingURL=Transport.js.map