/**
 * Our extension for the web console (docs/PROTOCOL.md, "The console"):
 * `console/createLink` on any connection of a server started with
 * `--console`; the rest only on a console's own connections
 * (`/console/ws`), which see every session of the server. None of it is
 * in the reference's protocol.
 */
import * as Rpc from "effect/rpc/Rpc"
import * as RpcGroup from "effect/rpc/RpcGroup"
import * as Schema from "effect/Schema"
import { ExecServerError } from "./errors.js"
import { RequiresHandshake } from "./rpcs.js"
import { PolicyDecisionNotification } from "./networkSchema.js"
import { OptionalWithDefault, ProcessId } from "./primitives.js"
import { SandboxType } from "./sandbox.js"
import { EmptyParams, ProcessInfo, SessionListResult, SessionSummary, ReadResult, SignalName, SignalResult, TerminalSize, TerminateMode, TerminateResult } from "./schema.js"

/** The name of the surface the console's connections are served (`Surface.name`): the sessions they make are listed `console: true`. */
export const CONSOLE_SURFACE = "console"

const NonNegativeInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
const PositiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

/** `console/createLink` result: a one-time login link's path (the secret in its fragment) and when it expires. */
export const CreateLinkResult = Schema.Struct({
  /** `/console/#<secret>`: the caller prefixes the server's `http://HOST:PORT`. */
  path: Schema.String,
  expiresAtMs: Schema.Number
})

/** One session of the server, as the console lists it (the same as `session/list` does). */
export const ConsoleSession = SessionSummary
/** @see ConsoleSession */
export type ConsoleSession = SessionSummary

/** `console/sessions` result; `sessionId` is the asking connection's own, if it has one. */
export const SessionsResult = SessionListResult

/** A terminal size from an output seq on: the size output from `fromSeq` on was written at. */
export const SizeFrom = Schema.Struct({
  fromSeq: PositiveInt,
  rows: TerminalSize.fields.rows,
  cols: TerminalSize.fields.cols
})
/** @see SizeFrom */
export type SizeFrom = typeof SizeFrom.Type

/** What a process tells the console of itself. */
export const ProcessDetails = Schema.Struct({
  ...ProcessInfo.fields,
  signal: Schema.NullOr(Schema.String),
  sandboxType: SandboxType,
  /** Output bytes held for reads now. */
  retainedBytes: NonNegativeInt,
  /** The seq the next event will get. */
  nextSeq: PositiveInt,
  /** The terminal's size now (a PTY's), else null. */
  size: Schema.NullOr(TerminalSize),
  /** With a managed network proxy: its latest decisions, oldest first. */
  networkDecisions: Schema.optional(Schema.Array(PolicyDecisionNotification)),
  /**
   * Once a process in a cgroup of its own has exited: the most memory it
   * held at once (its `process/exited`'s); `cpuTimeMs` is then its total.
   */
  peakMemoryBytes: Schema.optional(NonNegativeInt)
})
/** @see ProcessDetails */
export type ProcessDetails = typeof ProcessDetails.Type

/** One process of a session, as the console lists it. */
export const ConsoleProcess = Schema.Struct({
  sessionId: Schema.String,
  ...ProcessDetails.fields
})
/** @see ConsoleProcess */
export type ConsoleProcess = typeof ConsoleProcess.Type

/** Names a process of any session. */
const ProcessOfSession = { sessionId: Schema.String, processId: ProcessId }

/** `console/processes` params (without a session: every session's) and result. */
export const ProcessesParams = Schema.Struct({ sessionId: Schema.optional(Schema.String) })
export const ProcessesResult = Schema.Struct({ processes: Schema.Array(ConsoleProcess) })

/**
 * `console/read` params: `process/read` of any session's process. It reads
 * the retained output only, so a watcher never slows the process's owner;
 * one that falls behind the retained output gets `truncated`.
 */
export const ConsoleReadParams = Schema.Struct({
  ...ProcessOfSession,
  afterSeq: OptionalWithDefault(NonNegativeInt, 0),
  maxBytes: OptionalWithDefault(PositiveInt, 256 * 1024),
  waitMs: OptionalWithDefault(NonNegativeInt, 0)
})

/** `console/read` result: `process/read`'s, and the terminal sizes the returned output was written at. */
export const ConsoleReadResult = Schema.Struct({
  ...ReadResult.fields,
  /** The size in effect at the first returned chunk, then every change up to the last (empty for pipes). */
  sizes: Schema.Array(SizeFrom)
})
/** @see ConsoleReadResult */
export type ConsoleReadResult = typeof ConsoleReadResult.Type

/** `console/signal` and `console/terminate` params: theirs in `process/*`, with the session. */
export const ConsoleSignalParams = Schema.Struct({ ...ProcessOfSession, signal: SignalName })
export const ConsoleTerminateParams = Schema.Struct({
  ...ProcessOfSession,
  mode: OptionalWithDefault(TerminateMode, "graceful")
})

/**
 * `console/ack` params: output bytes of this connection's own processes
 * that the page has shown. A console connection stops reading its
 * processes' output while more than a window of it is unacknowledged
 * (a browser takes frames off the socket at once, so the socket's own
 * watermark never sees a terminal that cannot keep up).
 */
export const AckParams = Schema.Struct({ bytes: PositiveInt })

/**
 * `console/createLink` params: the operator's console key (what
 * `exec-server console-url` reads from the server's key file), unless the
 * connection's credential grants the console (a signed token's claim).
 */
export const CreateLinkParams = Schema.Struct({ consoleKey: Schema.optional(Schema.String) })

/** `console/createLink`: on any connection of a server with the console on, granted to the operator only (docs/CONSOLE.md). */
export class ConsoleLinkRpcs extends RpcGroup.make(
  Rpc.make("console/createLink", { payload: CreateLinkParams, success: CreateLinkResult, error: ExecServerError })
).middleware(RequiresHandshake) {}

/** What only a console's connection may ask. */
export class ConsoleRpcs extends RpcGroup.make(
  Rpc.make("console/sessions", { payload: EmptyParams, success: SessionsResult, error: ExecServerError }),
  Rpc.make("console/processes", { payload: ProcessesParams, success: ProcessesResult, error: ExecServerError }),
  Rpc.make("console/read", { payload: ConsoleReadParams, success: ConsoleReadResult, error: ExecServerError }),
  Rpc.make("console/signal", { payload: ConsoleSignalParams, success: SignalResult, error: ExecServerError }),
  Rpc.make("console/terminate", { payload: ConsoleTerminateParams, success: TerminateResult, error: ExecServerError })
).middleware(RequiresHandshake) {}

/** What only a console's connection may send without an answer. */
export class ConsoleNotificationRpcs extends RpcGroup.make(
  Rpc.make("console/ack", { payload: AckParams })
) {}
