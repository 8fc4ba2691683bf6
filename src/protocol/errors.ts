/**
 * Typed errors of the exec-server protocol. Each carries the JSON-RPC error
 * code it is reported with, so handlers fail with domain values and the codec
 * turns them into wire errors without a lookup table.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { OptionalWithDefault } from "./primitives.js"

/** JSON-RPC error codes used by exec-server.v0. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  PathNotFound: -32004,
  /** A session being resumed is attached to another connection (the reference's code; Codex retries on it). */
  SessionHeld: -32010,
  /** (ours) A limit of the server's is reached (requests in flight, sessions, processes, file handles): retry later. */
  ServerBusy: -32001,
  /**
   * (ours) A failure an application's own method declares (its Rpc's error
   * schema), when the error carries no `code` of its own; `data` is the
   * error as that schema encodes it.
   */
  ApplicationError: -32000
} as const

/** The error object of a JSON-RPC response, as it travels. */
export const WireErrorSchema = Schema.Struct({
  code: Schema.Int,
  message: Schema.String,
  data: Schema.optional(Schema.Unknown)
})
/** @see WireErrorSchema */
export interface WireError {
  readonly code: number
  readonly message: string
  readonly data?: unknown
}

/**
 * (ours) Why a request was refused with -32600, for a client to act on
 * without reading the message; `data.reason` on the wire. Refusals a client
 * can only report (a path of the wrong kind, bad walk limits, ...) have none.
 */
export const InvalidRequestReason = Schema.Literals([/** A method before `initialize` and `initialized`. */
  "notInitialized", /** A second `initialize` on the connection. */
  "alreadyInitialized", /** A resumed session the server does not have (never, expired or closed). */
  "unknownSession", /** The session ended while the request was made. */
  "sessionClosed", /** No process of that id in the session. */
  "unknownProcess", /** `process/start` with the id of a process the session still has. */
  "processIdInUse", /** `process/resize` of a process started without a terminal. */
  "notATerminal", /** No file handle of that id in the session. */
  "unknownFileHandle", /** `fs/open` with the id of a handle still open. */
  "fileHandleInUse", /** A message over `--max-message-bytes`, answered unread (`data.bytes`, `data.limit`). */
  "messageTooLarge", /** `process/start.resources` above the operator's ceiling (a client may narrow, never widen). */
  "resourcesAboveCeiling", /** Limits asked (by the client or the operator) where the server cannot enforce them. */
  "resourcesUnavailable", /** `process/start.resources` (or its `session`) above the session's limit, which an earlier request narrowed. */
  "resourcesAboveSessionLimit", /** `resources.session` while processes of the session run outside its cgroup, where no limit of it reaches them. */
  "sessionProcessesOutsideCgroup", /** `resources.session.memoryBytes` below what the session holds, where the kernel cannot reclaim it (cgroup v1). */
  "resourcesBelowSessionUsage"])
/** @see InvalidRequestReason */
export type InvalidRequestReason = typeof InvalidRequestReason.Type

/** -32600: a well-formed request that the server refuses in its current state; `reason` says which refusal when a client may act on it. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("ExecServer/InvalidRequest", {
  message: Schema.String,
  reason: Schema.optional(InvalidRequestReason)
}) {
  get code(): number {
    return ErrorCode.InvalidRequest
  }
  get data(): unknown {
    return this.reason === undefined ? undefined : { reason: this.reason }
  }
}

/**
 * -32010: `initialize` resumes a session still attached to another
 * connection. The code and the message's wording are the reference's: Codex
 * matches "is already attached to another connection" and retries.
 */
export class SessionHeld extends Schema.TaggedError<SessionHeld>()("ExecServer/SessionHeld", {
  message: Schema.String
}) {
  get code(): number {
    return ErrorCode.SessionHeld
  }
}

/** -32602: params that do not match the method's schema or its rules. */
export class InvalidParams extends Schema.TaggedError<InvalidParams>()("ExecServer/InvalidParams", {
  message: Schema.String
}) {
  get code(): number {
    return ErrorCode.InvalidParams
  }
}

/** -32601: a method the server does not know. */
export class MethodNotFound extends Schema.TaggedError<MethodNotFound>()("ExecServer/MethodNotFound", {
  message: Schema.String
}) {
  get code(): number {
    return ErrorCode.MethodNotFound
  }
}

/**
 * Why `process/start` started nothing, `data.kind` on the wire (the
 * reference's since 0.171): a missing program or cwd, a program that may not
 * be run, any other failure to start, a sandbox that cannot be had here, or
 * one that could not be prepared.
 */
export const SpawnErrorKind = Schema.Literals([
  "spawnNotFound",
  "spawnPermissionDenied",
  "spawnFailed",
  "sandboxUnavailable",
  "sandboxPreparation"
])
/** @see SpawnErrorKind */
export type SpawnErrorKind = typeof SpawnErrorKind.Type

/**
 * -32603: an operating-system or internal failure; `errno` names the OS error
 * when there is one, and `kind` what failed when it is a `process/start`'s
 * (see `withSpawnKind`).
 */
export class InternalError extends Schema.TaggedError<InternalError>()("ExecServer/InternalError", {
  message: Schema.String,
  errno: Schema.optional(Schema.String),
  kind: Schema.optional(SpawnErrorKind)
}) {
  get code(): number {
    return ErrorCode.InternalError
  }
  get data(): unknown {
    return this.kind === undefined
      ? undefined
      : { ...(this.errno === undefined ? {} : { errno: this.errno }), kind: this.kind }
  }
}

/** The kind of a failed start's OS error, by its errno, as the reference's io::ErrorKind gives it. */
const kindOfErrno = (errno: string | undefined): SpawnErrorKind =>
  errno === "ENOENT" ? "spawnNotFound" : errno === "EACCES" || errno === "EPERM" ? "spawnPermissionDenied" : "spawnFailed"

/**
 * A `process/start`'s failure with its kind: an InternalError that has none
 * gets `fallback`, or, for a spawn's OS error, the kind of its errno. The
 * other errors know their own.
 */
export const withSpawnKind = (fallback: "spawnFailed" | "sandboxPreparation") => <E>(error: E): E =>
  error instanceof InternalError && error.kind === undefined
    ? new InternalError({
      message: error.message,
      ...(error.errno === undefined ? {} : { errno: error.errno }),
      kind: fallback === "spawnFailed" ? kindOfErrno(error.errno) : fallback
    }) as E
    : error

/** -32004: a filesystem path that does not exist. */
export class PathNotFound extends Schema.TaggedError<PathNotFound>()("ExecServer/PathNotFound", {
  message: Schema.String
}) {
  get code(): number {
    return ErrorCode.PathNotFound
  }
}

/**
 * -32603: the sandbox refused the operation (a write outside the writable
 * roots, into a read-only path, or a read of a denied path). `data` carries
 * the errno (`EROFS`, `EACCES`) and `sandboxDenied: true` for clients to test.
 */
export class SandboxDenied extends Schema.TaggedError<SandboxDenied>()("ExecServer/SandboxDenied", {
  message: Schema.String,
  errno: Schema.String
}) {
  get code(): number {
    return ErrorCode.InternalError
  }
  get data(): unknown {
    return { errno: this.errno, sandboxDenied: true }
  }
}

/**
 * -32603: a sandbox was asked for and cannot be applied here (no bubblewrap,
 * no user namespaces, ...): nothing was run. `data.sandbox` is
 * `"unavailable"`, and `data.kind` `"sandboxUnavailable"` (for `fs/*` too).
 */
export class SandboxUnavailable extends Schema.TaggedError<SandboxUnavailable>()("ExecServer/SandboxUnavailable", {
  message: Schema.String
}) {
  get code(): number {
    return ErrorCode.InternalError
  }
  get kind(): "sandboxUnavailable" {
    return "sandboxUnavailable"
  }
  get data(): unknown {
    return { sandbox: "unavailable", kind: this.kind }
  }
}

/**
 * -32603: `process/start` found no working directory (`missing: "cwd"`) or
 * no program (`missing: "program"`; the name searched in the child's PATH,
 * or the path given) at `path`, and started nothing. The code is the
 * reference's; `data` is `{errno: "ENOENT", missing, path, kind}` so a client
 * can tell it from other failures, and `errno` stays `"ENOENT"` for those
 * that test it. `kind` is `"spawnNotFound"`, but `"spawnFailed"` for a
 * terminal's bare name not found in PATH, as the reference says it (its
 * terminal spawner looks the name up itself and fails plainly).
 */
export class SpawnNotFound extends Schema.TaggedError<SpawnNotFound>()("ExecServer/SpawnNotFound", {
  message: Schema.String,
  missing: Schema.Literals(["cwd", "program"]),
  path: Schema.String,
  kind: OptionalWithDefault(Schema.Literals(["spawnNotFound", "spawnFailed"]), "spawnNotFound").pipe(
    Schema.withConstructorDefault(Effect.succeed("spawnNotFound" as const))
  )
}) {
  get code(): number {
    return ErrorCode.InternalError
  }
  get errno(): "ENOENT" {
    return "ENOENT"
  }
  get data(): unknown {
    return { errno: this.errno, missing: this.missing, path: this.path, kind: this.kind }
  }
}

/**
 * What a -32001 says ran out (its `data.limit`): each is named in
 * docs/PROTOCOL.md's table of codes (test/unit/protocolDocs.test.ts). A new
 * limit is added here; the refusals are made with `serverBusy`, which takes
 * only these.
 */
export const BUSY_LIMITS = [
  "inflightRequests",
  "inflightRequestBytes",
  "stdinBacklog",
  "sessions",
  "liveProcesses",
  "fileHandles",
  "watchedDirectories",
  "httpRequests"
] as const

/** A limit a -32001 names. */
export type BusyLimit = typeof BUSY_LIMITS[number]

/**
 * -32001 **(ours)**: a limit of the server's is reached and nothing was done
 * (a connection's, or one over all sessions: `BUSY_LIMITS`). Retry once
 * something ends. `data` is `{retryable: true, limit}`, `limit` naming what
 * ran out. The field is any text, so that a client reads a newer server's
 * limits too.
 */
export class ServerBusy extends Schema.TaggedError<ServerBusy>()("ExecServer/ServerBusy", {
  message: Schema.String,
  limit: Schema.optional(Schema.String)
}) {
  get code(): number {
    return ErrorCode.ServerBusy
  }
  get data(): unknown {
    return this.limit === undefined ? { retryable: true } : { retryable: true, limit: this.limit }
  }
}

/** The refusal at a limit of the server's: `limit` is one of `BUSY_LIMITS`. */
export const serverBusy = (message: string, limit: BusyLimit): ServerBusy => new ServerBusy({ message, limit })

/** Every error a method of the protocol may fail with. */
export const ExecServerError = Schema.Union([
  InvalidRequest,
  InvalidParams,
  MethodNotFound,
  InternalError,
  PathNotFound,
  SandboxDenied,
  SandboxUnavailable,
  SpawnNotFound,
  ServerBusy,
  SessionHeld
])
/** @see ExecServerError */
export type ExecServerError = typeof ExecServerError.Type

const isInvalidRequestReason = Schema.is(InvalidRequestReason)
const isSpawnErrorKind = Schema.is(SpawnErrorKind)

const dataField = (data: unknown, name: string): unknown =>
  typeof data === "object" && data !== null && name in data ? (data as Record<string, unknown>)[name] : undefined

/**
 * The typed error of a wire error, by its code (and, for -32603, its data:
 * a sandbox refusal, an unavailable sandbox, a missing cwd or program, an
 * errno), as a client decodes
 * what the server encoded; undefined for a code outside the protocol.
 */
export const fromWireError = (error: WireError): ExecServerError | undefined => {
  const { message } = error
  switch (error.code) {
    case ErrorCode.InvalidRequest: {
      const reason = dataField(error.data, "reason")
      return new InvalidRequest({ message, ...(isInvalidRequestReason(reason) ? { reason } : {}) })
    }
    case ErrorCode.InvalidParams:
      return new InvalidParams({ message })
    case ErrorCode.MethodNotFound:
      return new MethodNotFound({ message })
    case ErrorCode.PathNotFound:
      return new PathNotFound({ message })
    case ErrorCode.SessionHeld:
      return new SessionHeld({ message })
    case ErrorCode.ServerBusy: {
      const limit = dataField(error.data, "limit")
      return new ServerBusy({ message, ...(typeof limit === "string" ? { limit } : {}) })
    }
    case ErrorCode.InternalError: {
      const errno = dataField(error.data, "errno")
      if (dataField(error.data, "sandboxDenied") === true && typeof errno === "string") {
        return new SandboxDenied({ message, errno })
      }
      if (dataField(error.data, "sandbox") === "unavailable") return new SandboxUnavailable({ message })
      const missing = dataField(error.data, "missing")
      const path = dataField(error.data, "path")
      const kind = dataField(error.data, "kind")
      if ((missing === "cwd" || missing === "program") && typeof path === "string") {
        return new SpawnNotFound({ message, missing, path, ...(kind === "spawnFailed" ? { kind } : {}) })
      }
      return new InternalError({
        message,
        ...(typeof errno === "string" ? { errno } : {}),
        ...(isSpawnErrorKind(kind) ? { kind } : {})
      })
    }
    default:
      return undefined
  }
}

/**
 * The wire form of a typed protocol error (or any error with a code): its
 * own `data` when it has one, else its errno, when it has one, in `data`.
 */
export const toWireError = (
  error: { readonly code: number; readonly message: string; readonly errno?: unknown; readonly data?: unknown }
): WireError =>
  error.data !== undefined
    ? { code: error.code, message: error.message, data: error.data }
    : typeof error.errno === "string"
    ? { code: error.code, message: error.message, data: { errno: error.errno } }
    : { code: error.code, message: error.message }

/** Whether a failure is one of the protocol's errors (those keep the form `toWireError` gives them, which Codex reads). */
export const isProtocolError: (error: unknown) => error is ExecServerError = Schema.is(ExecServerError)

/**
 * The wire form of an application's own failure that `encoded` is, as its
 * Rpc's error schema encodes it: its `code` and `message` when it has them,
 * and itself in `data`, which the client decodes with the same schema.
 */
export const declaredWireError = (error: unknown, encoded: unknown): WireError => {
  const code = dataField(error, "code")
  const message = dataField(error, "message")
  const tag = dataField(error, "_tag")
  return {
    code: typeof code === "number" && Number.isInteger(code) ? code : ErrorCode.ApplicationError,
    message: typeof message === "string" ? message : typeof tag === "string" ? tag : "the method failed",
    data: encoded
  }
}

/** The `code` of a Node system error (`"ENOENT"`, `"EACCES"`, ...), if it has one. */
export const errnoOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

/** Wraps a Node system error (spawn, I/O) as -32603 carrying its errno. */
export const internalErrorFrom = (error: unknown, context: string): InternalError => {
  const errno = errnoOf(error)
  const detail = error instanceof Error ? error.message : String(error)
  return new InternalError({ message: `${context}: ${detail}`, ...(errno === undefined ? {} : { errno }) })
}
