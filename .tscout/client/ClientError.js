/** The typed failures of the exec-server client. */
import * as Data from "effect/Data";
/** The transport did not connect in time. */
export class ConnectTimeout extends Data.TaggedError("ConnectTimeout") {
}
/** The server refused the connection for want of credentials (HTTP 401): no token, a wrong one, or an expired or otherwise invalid signed one. */
export class Unauthorized extends Data.TaggedError("Unauthorized") {
}
/** The server refused the connection (HTTP 403), for example for an `Origin` it does not allow. */
export class Forbidden extends Data.TaggedError("Forbidden") {
}
/**
 * No executor serves the environment a client asked for by id (NATS
 * answered "no responders"): unknown, or offline. Known at once, not by a timeout.
 */
export class EnvironmentNotFound extends Data.TaggedError("EnvironmentNotFound") {
}
/** The server did not answer `initialize` in time. */
export class InitializeTimeout extends Data.TaggedError("InitializeTimeout") {
}
/** The connection is gone (or never came up): pending calls and event streams fail with this. */
export class TransportClosed extends Data.TaggedError("TransportClosed") {
}
/**
 * The connection dropped and the client gave up on getting its session back:
 * every reconnect attempt failed, or the server no longer has the session.
 */
export class ReconnectFailed extends Data.TaggedError("ReconnectFailed") {
}
/**
 * The server answered a request with a JSON-RPC error whose code is outside
 * the protocol (those of the protocol arrive as its tagged errors:
 * `NotFound`, `InvalidParams`, `SandboxDenied`, ...).
 */
export class ServerError extends Data.TaggedError("ServerError") {
}
/** The server's answer did not match the protocol's schema. */
export class ProtocolError extends Data.TaggedError("ProtocolError") {
}
/** A request larger than the server takes; it was not sent (or, sent, was refused unread). */
export class RequestTooLarge extends Data.TaggedError("RequestTooLarge") {
}
/** The server has no process of this id in the session (never started, or its record is gone). */
export class UnknownProcess extends Data.TaggedError("UnknownProcess") {
}
/** `exec` ran past its `timeout`; the process was terminated. What it wrote until then is kept. */
export class ExecTimeout extends Data.TaggedError("ExecTimeout") {
}
//# sourceMappingURL=ClientError.js.map