/** The typed failures of the exec-server client. */
import * as Data from "effect/Data"
import type { ExecServerError } from "../protocol/errors.js"

/** The transport did not connect in time. */
export class ConnectTimeout extends Data.TaggedError("ExecServer/ConnectTimeout")<{ readonly message: string }> {}

/** The server refused the connection for want of credentials (HTTP 401): no token, a wrong one, or an expired or otherwise invalid signed one. */
export class CredentialsRefused extends Data.TaggedError("ExecServer/CredentialsRefused")<{ readonly message: string }> {}

/** The server refused the connection (HTTP 403), for example for an `Origin` it does not allow. */
export class ConnectionForbidden extends Data.TaggedError("ExecServer/ConnectionForbidden")<{ readonly message: string }> {}

/**
 * No executor serves the environment a client asked for by id (NATS
 * answered "no responders"): unknown, or offline. Known at once, not by a timeout.
 */
export class EnvironmentNotFound extends Data.TaggedError("ExecServer/EnvironmentNotFound")<{
  readonly environmentId: string
  readonly message: string
}> {}

/** The server did not answer `initialize` in time. */
export class InitializeTimeout extends Data.TaggedError("ExecServer/InitializeTimeout")<{ readonly message: string }> {}

/**
 * The client's own configuration is unusable, before any connection is
 * tried: a token file that cannot be read (`reason` is the system's, e.g.
 * `ENOENT: no such file or directory`) or is empty.
 */
export class ConfigError extends Data.TaggedError("ExecServer/ConfigError")<{
  readonly path: string
  readonly reason: string
  readonly message: string
}> {}

/** The connection is gone (or never came up): pending calls and event streams fail with this. */
export class TransportClosed extends Data.TaggedError("ExecServer/TransportClosed")<{ readonly message: string }> {}

/**
 * The connection dropped and the client gave up on getting its session back:
 * every reconnect attempt failed, or the server no longer has the session.
 */
export class ReconnectFailed extends Data.TaggedError("ExecServer/ReconnectFailed")<{
  readonly message: string
  readonly attempts: number
}> {}

/**
 * The server answered a request with a JSON-RPC error whose code is outside
 * the protocol (those of the protocol arrive as its tagged errors:
 * `PathNotFound`, `InvalidParams`, `SandboxDenied`, ...).
 */
export class ServerError extends Data.TaggedError("ExecServer/ServerError")<{
  readonly method: string
  readonly code: number
  readonly message: string
  readonly data?: unknown
}> {}

/** The server's answer did not match the protocol's schema. */
export class ProtocolError extends Data.TaggedError("ExecServer/ProtocolError")<{ readonly message: string }> {}

/** A request larger than the server takes; it was not sent (or, sent, was refused unread). */
export class RequestTooLarge extends Data.TaggedError("ExecServer/RequestTooLarge")<{
  readonly method: string
  readonly bytes: number
  readonly limit: number
  readonly message: string
}> {}

/** The server has no process of this id in the session (never started, or its record is gone). */
export class UnknownProcess extends Data.TaggedError("ExecServer/UnknownProcess")<{
  readonly processId: string
  readonly message: string
}> {}

/** `exec` ran past its `timeout`; the process was terminated. What it wrote until then is kept. */
export class ExecTimeout extends Data.TaggedError("ExecServer/ExecTimeout")<{
  readonly processId: string
  readonly message: string
  readonly stdout: Uint8Array
  readonly stderr: Uint8Array
}> {}

/** Why the connection is unusable: what pending calls and event streams fail with. */
export type ConnectionLost = TransportClosed | ReconnectFailed

/** Any failure of a client call: the protocol's tagged errors, or the client's own. */
export type ClientError =
  | ExecServerError
  | ConnectionLost
  | ServerError
  | ProtocolError
  | RequestTooLarge
  | UnknownProcess

/** Why connecting failed. */
export type ConnectError = ConfigError | ConnectTimeout | CredentialsRefused | ConnectionForbidden | TransportClosed | EnvironmentNotFound
