/** The typed failures of the exec-server client. */
import * as Data from "effect/Data"
import type { ExecServerError } from "../protocol/errors.js"

/** The transport did not connect in time. */
export class ConnectTimeout extends Data.TaggedError("ConnectTimeout")<{ readonly message: string }> {}

/** The server did not answer `initialize` in time. */
export class InitializeTimeout extends Data.TaggedError("InitializeTimeout")<{ readonly message: string }> {}

/** The connection is gone (or never came up): pending calls and event streams fail with this. */
export class TransportClosed extends Data.TaggedError("TransportClosed")<{ readonly message: string }> {}

/**
 * The server answered a request with a JSON-RPC error whose code is outside
 * the protocol (those of the protocol arrive as its tagged errors:
 * `NotFound`, `InvalidParams`, `SandboxDenied`, ...).
 */
export class ServerError extends Data.TaggedError("ServerError")<{
  readonly method: string
  readonly code: number
  readonly message: string
  readonly data?: unknown
}> {}

/** The server's answer did not match the protocol's schema. */
export class ProtocolError extends Data.TaggedError("ProtocolError")<{ readonly message: string }> {}

/** Any failure of a client call: the protocol's tagged errors, or the client's own. */
export type ClientError = ExecServerError | TransportClosed | ServerError | ProtocolError
