/**
 * The shapes of exec-server.v0 (see PROTOCOL.md): params, results and
 * notification payloads as `effect/Schema` values. Decoding a request's params
 * with these schemas is the whole of input validation.
 */
import * as Schema from "effect/Schema"

/** The protocol version string returned by `initialize`. */
export const PROTOCOL_VERSION = "exec-server.v0"

export { AbsolutePath, Base64Bytes, Environment, OsString, ProcessId } from "./primitives.js"
import {
  AbsolutePath,
  Base64Bytes,
  Environment,
  NonNegativeInt,
  OptionalNullable,
  OptionalNullableWithDefault,
  OptionalWithDefault,
  OsString,
  PositiveInt,
  ProcessId
} from "./primitives.js"
import { SandboxRequest, SandboxType } from "./sandbox.js"
import { NetworkProxyLaunch } from "./networkSchema.js"
export * from "./networkSchema.js"
export * from "./configSchema.js"
export * from "./capabilitiesSchema.js"
import { ResourceLimitsInfo, ResourceRequest } from "./resourcesSchema.js"
export * from "./resourcesSchema.js"


// ---------------------------------------------------------------------------
// Handshake

/** `initialize` params. */
export const InitializeParams = Schema.Struct({
  clientName: Schema.String,
  resumeSessionId: OptionalNullable(Schema.String),
  detachTtlMs: OptionalNullable(NonNegativeInt),
  /**
   * (ours) The extension notifications the client wants (those the
   * reference does not send, annotated `Extension` in `rpcs.ts`): the
   * server sends one only to a connection that named it here.
   */
  notifications: OptionalNullable(Schema.Array(Schema.String))
})

/**
 * What the server offers beyond the base protocol, by the reference's flag
 * names: a client turns features on from these, so a flag is true only for
 * what this server implements.
 */
export const EnvironmentCapabilities = Schema.Struct({
  networkProxyLaunch: Schema.Boolean,
  networkProxyReviewDomains: Schema.Boolean,
  /** `networkProxy.proxy.transparentTcp` (direct TCP connects routed through the managed SOCKS5 proxy): where a transparent sandbox can be built. */
  networkProxyTransparentTcp: Schema.Boolean,
  credentialMasking: Schema.Boolean,
  credentialMaskingCustomProviders: Schema.Boolean,
  capabilityDiscoverySandbox: Schema.Boolean,
  fsWatchMissing: Schema.Boolean,
  capabilityDiscoveryV2: Schema.Boolean,
  environmentConfigRead: Schema.Boolean,
  httpHeaderEnvVars: Schema.Boolean,
  sandboxedFileStreaming: Schema.Boolean,
  fileWriteStreaming: Schema.Boolean,
  shellSnapshotV2: Schema.Boolean,
  windowsMxc: Schema.Boolean,
  /** A sandbox whose policy makes `/` writable still has real devices (`/dev/null`); left off when false, as the reference. */
  linuxRootWritePreservesDevices: Schema.optional(Schema.Boolean),
  /** `sandbox.sandboxOverride` is understood: an approved escalation keeps the restrictions inside it; left off when false. */
  linuxApprovedRootWritePreservesRestrictions: Schema.optional(Schema.Boolean)
})
/** @see EnvironmentCapabilities */
export type EnvironmentCapabilities = typeof EnvironmentCapabilities.Type

/** The host a server runs on, as `environment/info` and `initialize` describe it (the reference's shape). */
export const EnvironmentInfo = Schema.Struct({
  /** The user's login shell: `path` is a program path, not a URI. */
  shell: Schema.Struct({ name: Schema.String, path: Schema.String }),
  /** The reference version whose protocol is spoken (Codex gates features on it); the package's own is `serverInfo.version`. */
  executorVersion: Schema.String,
  /** `sha256:` + 64 hex: the same for one host and install (the reference's opaque identity of the provider). */
  providerId: Schema.optional(Schema.String),
  /** The server's working directory, a `file://` URI. */
  cwd: Schema.String,
  userHomeDir: Schema.String,
  platformOs: Schema.String,
  /** Directories to put in front of `PATH`: none here (the reference lists its bundled tools). */
  prependPathDirs: Schema.optional(Schema.Array(Schema.String)),
  /** `$TMPDIR` when set, as `file://` URIs (what `:tmpdir` in a sandbox policy means). */
  temporaryDirectories: Schema.Array(Schema.String),
  tempDir: Schema.String,
  capabilities: EnvironmentCapabilities
})
/** @see EnvironmentInfo */
export type EnvironmentInfo = typeof EnvironmentInfo.Type

/** `environment/status` result. */
export const EnvironmentStatus = Schema.Struct({ status: Schema.Literal("ready") })

/** `initialize` result. */
export const InitializeResult = Schema.Struct({
  protocolVersion: Schema.String,
  sessionId: Schema.String,
  /** As the reference: the host, so that a client needs no `environment/info` round trip. */
  environmentInfo: Schema.optional(EnvironmentInfo),
  serverInfo: Schema.Struct({ name: Schema.String, version: Schema.String }),
  /**
   * (ours) Limits a client should check before sending: a larger message is
   * refused unread; `resources`, whether `process/start.resources` can be
   * enforced here (cgroups) and the operator's ceilings.
   */
  limits: Schema.optional(Schema.Struct({ maxMessageBytes: PositiveInt, resources: Schema.optional(ResourceLimitsInfo) })),
  /**
   * (ours) How long the session outlives its connection, in ms: the
   * `detachTtlMs` asked for (or the server's default) capped by its
   * `--max-detach-ttl-ms`. Absent from older servers and the reference.
   */
  detachTtlMs: Schema.optional(NonNegativeInt),
  /**
   * (ours) Of the `notifications` asked for, those this server sends (the
   * extension notifications it has); absent when none were asked for.
   */
  notifications: Schema.optional(Schema.Array(Schema.String))
})
/** @see InitializeResult */
export type InitializeResult = typeof InitializeResult.Type

// ---------------------------------------------------------------------------
// Processes

/** Terminal size in character cells. */
export const TerminalSize = Schema.Struct({
  rows: PositiveInt.pipe(Schema.check(Schema.isLessThanOrEqualTo(10_000))),
  cols: PositiveInt.pipe(Schema.check(Schema.isLessThanOrEqualTo(10_000)))
})
/** @see TerminalSize */
export type TerminalSize = typeof TerminalSize.Type

/**
 * How to build a child's environment from the server's own (`inherit`), minus
 * names matching the default secret patterns (`*KEY*`, `*SECRET*`, `*TOKEN*`,
 * unless `ignoreDefaultExcludes`) and `exclude`, plus `set`, restricted to
 * `includeOnly` when given; the request's `env` is laid over the result.
 */
export const EnvPolicy = Schema.Struct({
  inherit: OptionalWithDefault(Schema.Literals(["all", "none", "core"]), "all"),
  ignoreDefaultExcludes: OptionalWithDefault(Schema.Boolean, false),
  exclude: OptionalWithDefault(Schema.Array(Schema.String), []),
  includeOnly: OptionalWithDefault(Schema.Array(Schema.String), []),
  set: OptionalWithDefault(Environment, ({}))
})
/** @see EnvPolicy */
export type EnvPolicy = typeof EnvPolicy.Type

/**
 * Run `shell -lc SCRIPT` from a snapshot of the login shell kept for
 * `scopeId` (docs/PROTOCOL.md, "Shell snapshots"); `shell` is the one
 * `environment/info` names.
 */
export const ShellSnapshotRequest = Schema.Struct({
  scopeId: Schema.String,
  shell: Schema.Struct({ name: Schema.String, path: Schema.String })
})
/** @see ShellSnapshotRequest */
export type ShellSnapshotRequest = typeof ShellSnapshotRequest.Type

/**
 * The reference's `managedNetwork` (its `ManagedNetworkSandboxContext`): the
 * host loopback ports of the proxies a client runs itself, which a
 * sandboxed process with `enforceManagedNetwork` may reach (docs/PROTOCOL.md,
 * "A network the client manages"). Unknown fields are ignored, as it ignores them.
 */
export const ManagedNetworkContext = Schema.Struct({
  loopbackPorts: Schema.optional(Schema.Array(NonNegativeInt.check(Schema.isLessThanOrEqualTo(65535))))
})

/** `process/start` params. */
export const StartParams = Schema.Struct({
  processId: ProcessId,
  argv: Schema.Array(OsString).pipe(
    Schema.check(Schema.isMinLength(1, { message: "argv must not be empty" }))
  ),
  /** (ours: optional) Absent: the server's own working directory. */
  cwd: OptionalNullable(AbsolutePath),
  env: Environment,
  tty: Schema.Boolean,
  pipeStdin: OptionalWithDefault(Schema.Boolean, false),
  arg0: OptionalNullable(OsString),
  size: Schema.optional(TerminalSize),
  envPolicy: OptionalNullable(EnvPolicy),
  /** Confine the process (see docs/PROTOCOL.md, "Sandbox"); the operator's sandbox applies as well. */
  sandbox: OptionalNullable(SandboxRequest),
  /**
   * The reference's "only through the managed network": a sandboxed process
   * reaches its `networkProxy`, or without one the client's proxies that its
   * proxy variables name within `managedNetwork.loopbackPorts`, and nothing else.
   */
  enforceManagedNetwork: OptionalNullable(Schema.Boolean),
  /** The client's own proxies' loopback ports, for a sandboxed start with `enforceManagedNetwork` and no `networkProxy`. */
  managedNetwork: OptionalNullable(ManagedNetworkContext),
  /** A proxy of the process's own that decides its connections by host (docs/PROTOCOL.md, "The managed network proxy"). */
  networkProxy: OptionalNullable(NetworkProxyLaunch),
  shellSnapshot: OptionalNullable(ShellSnapshotRequest),
  /** (ours) Limits of the process's resources (docs/PROTOCOL.md, "Resource limits"). */
  resources: OptionalNullable(ResourceRequest)
})
/** @see StartParams */
export type StartParams = typeof StartParams.Type

/** `process/start` result. */
export const StartResult = Schema.Struct({ processId: Schema.String, sandboxType: SandboxType })

/** How a write (or stdin close) to a process ended. */
export const WriteStatus = Schema.Literals(["accepted", "unknownProcess", "stdinClosed", "starting"])
/** @see WriteStatus */
export type WriteStatus = typeof WriteStatus.Type

/** `process/write` params. */
export const WriteParams = Schema.Struct({
  processId: ProcessId,
  chunk: Base64Bytes,
  writeId: OptionalNullable(Schema.String)
})

/** `process/write` and `process/closeStdin` result. */
export const WriteResult = Schema.Struct({ accepted: Schema.Boolean, status: WriteStatus })
/** @see WriteResult */
export type WriteResult = typeof WriteResult.Type

/** Which stream of a process a chunk came from. */
export const OutputStream = Schema.Literals(["stdout", "stderr", "pty"])
/** @see OutputStream */
export type OutputStream = typeof OutputStream.Type

/** `process/read` params. */
export const ReadParams = Schema.Struct({
  processId: ProcessId,
  afterSeq: OptionalNullable(NonNegativeInt),
  maxBytes: OptionalNullable(NonNegativeInt),
  waitMs: OptionalNullable(NonNegativeInt)
})
/** @see ReadParams */
export type ReadParams = typeof ReadParams.Type

/** One retained output chunk. */
export const OutputChunk = Schema.Struct({
  seq: PositiveInt,
  stream: OutputStream,
  chunk: Base64Bytes
})
/** @see OutputChunk */
export type OutputChunk = typeof OutputChunk.Type

/** `process/read` result. */
export const ReadResult = Schema.Struct({
  chunks: Schema.Array(OutputChunk),
  nextSeq: PositiveInt,
  exited: Schema.Boolean,
  exitCode: Schema.NullOr(Schema.Int),
  closed: Schema.Boolean,
  failure: Schema.NullOr(Schema.String),
  truncated: Schema.Boolean,
  /** True when the process exited and the sandbox likely refused it something (see PROTOCOL.md). */
  sandboxDenied: Schema.Boolean,
  /** (ours) The name of the signal that ended the process, as on `process/exited`. */
  signal: OptionalWithDefault(Schema.NullOr(Schema.String), null),
  /** (ours) The seq of the process's `exited` event once it has exited, so a reader can place it among the output. */
  exitedSeq: OptionalWithDefault(Schema.NullOr(PositiveInt), null)
})
/** @see ReadResult */
export type ReadResult = typeof ReadResult.Type

/** How `process/terminate` stops a process. */
export const TerminateMode = Schema.Literals(["graceful", "force"])

/** `process/terminate` params. */
export const TerminateParams = Schema.Struct({
  processId: ProcessId,
  mode: OptionalWithDefault(TerminateMode, "graceful"),
  graceMs: OptionalNullable(NonNegativeInt)
})

/** `process/terminate` result. */
export const TerminateResult = Schema.Struct({ running: Schema.Boolean })

/** `process/resize` params. */
export const ResizeParams = Schema.Struct({
  processId: ProcessId,
  rows: TerminalSize.fields.rows,
  cols: TerminalSize.fields.cols
})

/** `process/closeStdin` params. */
export const CloseStdinParams = Schema.Struct({ processId: ProcessId })

/** The signals a client may send, by POSIX name, plus the reference's `"interrupt"`. */
export const SignalName = Schema.Literals([
  "SIGINT",
  "SIGTERM",
  "SIGKILL",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGSTOP",
  "SIGCONT",
  "SIGWINCH",
  "interrupt"
])
/** @see SignalName */
export type SignalName = typeof SignalName.Type

/** `process/signal` params. */
export const SignalParams = Schema.Struct({ processId: ProcessId, signal: SignalName })

/** `process/signal` result. */
export const SignalResult = Schema.Struct({
  /** Whether the signal reached the process group; absent for a process the session does not know (the reference's `{}`). */
  delivered: Schema.optional(Schema.Boolean)
})

/** One entry of `process/list`. */
export const ProcessInfo = Schema.Struct({
  processId: Schema.String,
  pid: Schema.Int,
  argv: Schema.Array(Schema.String),
  tty: Schema.Boolean,
  running: Schema.Boolean,
  exitCode: Schema.NullOr(Schema.Int),
  startedAtMs: Schema.Number,
  /** (ours) The memory its cgroup holds now, in bytes: a running process in a cgroup only. */
  memoryBytes: Schema.optional(Schema.Number),
  /** (ours) The CPU time its cgroup's processes used so far, in milliseconds: a running process in a cgroup only. */
  cpuTimeMs: Schema.optional(Schema.Number)
})
/** @see ProcessInfo */
export type ProcessInfo = typeof ProcessInfo.Type

/** `process/list` result. */
export const ListResult = Schema.Struct({ processes: Schema.Array(ProcessInfo) })

/** A result with no fields. */
export const EmptyResult = Schema.Struct({})

/** The params of a method that takes none (absent, `null` or `{}`). */
export const EmptyParams = Schema.Struct({})

// ---------------------------------------------------------------------------
// Server notifications

/**
 * The fields every `process/*` notification starts with: the process, and
 * the notification's place among its events (one counter per process, from
 * 1, shared by output, exited and closed). A client orders a process's
 * notifications, and reads on after a gap (`process/read`'s `afterSeq`), by
 * `seq` alone; `rpcs.ts` refuses to compile a `process/*` notification
 * without it.
 */
export const ProcessEventFields = {
  processId: Schema.String,
  seq: PositiveInt
} as const

/** `process/output` payload. */
export const OutputNotification = Schema.Struct({
  ...ProcessEventFields,
  stream: OutputStream,
  chunk: Base64Bytes
})

/** `process/exited` payload: `exitCode` is 128 + n when signal n ended the process. */
export const ExitedNotification = Schema.Struct({
  ...ProcessEventFields,
  exitCode: Schema.Int,
  signal: Schema.NullOr(Schema.String),
  sandboxDenied: Schema.Boolean,
  /** (ours) For a process in a cgroup of its own: the kernel's OOM killer ended a process of it for its memory limit. */
  oomKilled: Schema.optional(Schema.Boolean),
  /** (ours) For a process in a cgroup of its own: the most memory it held at once, in bytes. */
  peakMemoryBytes: Schema.optional(NonNegativeInt),
  /** (ours) For a process in a cgroup of its own: the CPU time its processes used, in ms. */
  cpuTimeMs: Schema.optional(NonNegativeInt)
})

/** `process/closed` payload: the last event of a process. */
export const ClosedNotification = Schema.Struct(ProcessEventFields)

// ---------------------------------------------------------------------------
// Filesystem and file handles: fsSchema.ts

export * from "./fsSchema.js"

// ---------------------------------------------------------------------------
// HTTP on the client's behalf

/** A header as the reference carries it; `valueEnvVar` appends a variable of the server's environment. */
export const HttpHeader = Schema.Struct({
  name: Schema.String,
  value: OptionalWithDefault(Schema.String, ""),
  valueEnvVar: OptionalNullable(Schema.String)
})

/** `http/request` params (the reference's). */
export const HttpRequestParams = Schema.Struct({
  method: Schema.String,
  url: Schema.String,
  headers: OptionalNullableWithDefault(Schema.Array(HttpHeader), []),
  bodyBase64: OptionalNullable(Base64Bytes),
  /** One deadline for the whole exchange, body included; absent: none. */
  timeoutMs: OptionalNullable(NonNegativeInt),
  redirectPolicy: OptionalNullableWithDefault(Schema.Literals(["follow", "stop"]), "follow"),
  /** Names the `http/request/bodyDelta` stream: unique among the connection's active streams. */
  requestId: Schema.String,
  streamResponse: OptionalNullableWithDefault(Schema.Boolean, false)
})
/** @see HttpRequestParams */
export type HttpRequestParams = typeof HttpRequestParams.Type

/** `http/request` result: the body is empty when it is streamed. */
export const HttpRequestResult = Schema.Struct({
  status: Schema.Int,
  headers: Schema.Array(Schema.Struct({ name: Schema.String, value: Schema.String })),
  bodyBase64: Base64Bytes
})

/** `http/request/bodyDelta` payload: `seq` from 1; the last one has `done` (and `error` when the body failed). */
export const HttpBodyDeltaNotification = Schema.Struct({
  requestId: Schema.String,
  seq: PositiveInt,
  deltaBase64: Base64Bytes,
  done: Schema.Boolean,
  error: Schema.NullOr(Schema.String)
})

/** One session of the server, as `session/list` and the console list it. */
export const SessionSummary = Schema.Struct({
  sessionId: Schema.String,
  /** The `clientName` of the `initialize` that made or last resumed it. */
  clientName: Schema.String,
  /** Held by a connection (else detached, its processes kept until `detachExpiresAtMs`). */
  attached: Schema.Boolean,
  /** The holding (or last) connection's transport and peer address. */
  transport: Schema.String,
  peer: Schema.NullOr(Schema.String),
  createdAtMs: Schema.Number,
  detachTtlMs: NonNegativeInt,
  detachExpiresAtMs: Schema.NullOr(Schema.Number),
  /** Processes in its table, running or retained. */
  processes: NonNegativeInt,
  /** Made by a web console (its New shell sessions). */
  console: Schema.Boolean
})
/** @see SessionSummary */
export type SessionSummary = typeof SessionSummary.Type

/** `session/list` result; `sessionId` is the asking connection's own. */
export const SessionListResult = Schema.Struct({
  sessions: Schema.Array(SessionSummary),
  sessionId: Schema.NullOr(Schema.String)
})
