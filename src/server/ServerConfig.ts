/** Server-wide settings: limits, grace and retention periods, and what `initialize` reports. */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Record from "effect/Record"
import { packageInfo } from "./packageInfo.js"
import type { SandboxPolicy } from "../protocol/sandbox.js"
import type { OperatorLimits } from "../limits/ResourceLimits.js"
import type { TcpUpstreamProxy } from "../network/tcpUpstream.js"
import { configFlags, integerDefault } from "./ServerFlags.js"

/**
 * A number for each integer flag of the server's (`configFlags` of
 * ServerFlags.ts): a flag declared there is a setting here, with the flag's
 * default in `defaults`. The fields below say what the older ones mean; a
 * new setting needs only its flag.
 */
export type FlagSettings = { readonly [Setting in keyof typeof configFlags]: number }

/** The settings of an exec-server. */
export interface ServerConfigShape extends FlagSettings {
  /** Default SIGTERM → SIGKILL grace period, in ms. */
  readonly graceMs: number
  /** Cap of each process's retained output, in bytes. */
  readonly retainedOutputBytes: number
  /** How long a closed process stays readable before its id is freed, in ms. */
  readonly retentionMs: number
  /** Most closed processes kept readable over all sessions; beyond it the oldest go before `retentionMs`. */
  readonly maxRetainedProcesses: number
  /** Most bytes of retained output of closed processes over all sessions; beyond it the oldest go before `retentionMs`. */
  readonly maxRetainedOutputBytes: number
  /**
   * How long after a process's exit its descendants may hold its output open
   * before it is closed all the same (what they write later is not read), in ms.
   */
  readonly closeDrainMs: number
  /** Largest accepted message (line or frame), in bytes. */
  readonly maxMessageBytes: number
  /** Most requests of one connection in flight; more are answered -32001 (retryable). */
  readonly maxInflightRequests: number
  /** Most bytes of request messages of one connection in flight; more are answered -32001 (retryable). */
  readonly maxInflightRequestBytes: number
  /**
   * Bytes queued for a client above which its session's processes stop being
   * read (they resume below a quarter of it).
   */
  readonly outboundHighWaterMarkBytes: number
  /** Most live processes one session may run. */
  readonly maxProcesses: number
  /**
   * How long a WebSocket session whose connection closed or dropped is kept
   * when its client did not ask for a `detachTtlMs`, in ms (0: it ends with
   * its connection). Capped by `maxDetachTtlMs`.
   */
  readonly droppedSessionTtlMs: number
  /** How long a WebSocket or NATS connection may stay without completing `initialize`, in ms; then it is closed. */
  readonly handshakeTimeoutMs: number
  /** Cap of the `detachTtlMs` a client may ask for, in ms. */
  readonly maxDetachTtlMs: number
  /** Largest file `fs/readFile` returns whole (without offset/length), and the most one read returns, in bytes. */
  readonly maxReadFileBytes: number
  /** Most file handles (`fs/open`) one session may have open. */
  readonly maxFileHandles: number
  /** Most sessions, attached and detached, over the server; more `initialize`s are answered -32001 (retryable). */
  readonly maxSessions: number
  /** Most live (not yet closed) processes over all sessions; more starts are answered -32001 (retryable). */
  readonly maxLiveProcesses: number
  /** Most file handles open over all sessions; more `fs/open`s are answered -32001 (retryable). */
  readonly maxServerFileHandles: number
  /** Most `http/request`s in flight over all sessions (streamed ones until their body ends); more are answered -32001 (retryable). */
  readonly maxHttpRequests: number
  /**
   * Most bytes of output retained by live processes over all sessions;
   * beyond it their oldest retained chunks are evicted (reads report `truncated`).
   */
  readonly maxLiveOutputBytes: number
  /**
   * Files the server read its own secrets from (tokens, shared secrets,
   * NATS credentials): denied in every sandbox, and refused by `fs/*`.
   */
  readonly secretFiles?: ReadonlyArray<string> | undefined
  /**
   * Why no sandbox may have network here, or undefined: an executor that
   * asks nothing of who opens its streams (no token, no NATS credentials)
   * could not tell a sandboxed process's stream through nats-server from a
   * client's.
   */
  readonly sandboxNetworkRefusal?: string | undefined
  /** The variables of the server's environment an `http/request` header may take its value from (`valueEnvVar`); none by default. */
  readonly httpHeaderEnvVars: ReadonlyArray<string>
  /** Largest response body a buffered `http/request` returns, in bytes (larger: ask for a streamed one). */
  readonly maxHttpResponseBytes: number
  /**
   * The operator's sandbox: every process and fs call runs under it, and a
   * client's sandbox can only narrow it. Undefined: clients choose.
   */
  readonly sandboxPolicy?: SandboxPolicy | undefined
  /** The bubblewrap executable (default: `bwrap` from PATH). */
  readonly bwrapPath?: string | undefined
  /** The operator's resource limits (`--process-*-max`, `--session-*-max`): each process's default and ceiling, each session's. */
  readonly operatorLimits?: OperatorLimits | undefined
  /**
   * Whether a process without limits is in its session's cgroup all the same,
   * so that the session's end kills what it left behind (default true;
   * `--no-session-cgroups` turns it off, which a session limit overrides).
   */
  readonly sessionCgroups?: boolean | undefined
  /**
   * Every process started through a holder whose socket is in `stateDir`
   * (`--keep-processes`; the directory already made the server's user's
   * alone), kept `orphanTtlMs` with no server attached. Undefined: processes
   * are the server's children.
   */
  readonly keptProcesses?: {
    readonly stateDir: string
    readonly orphanTtlMs: number
    /** The pid of a server handing its processes over to this one (an upgrade): its records are adopted though it runs. */
    readonly handingOver?: number | undefined
  } | undefined
  /** The environment an `envPolicy` builds on (default: the server's own, `process.env`). */
  readonly environment?: Readonly<Record<string, string | undefined>> | undefined
  /** A span per request and per process lifetime, for the tracer in the context (OpenTelemetry when the CLI finds OTEL_* settings). */
  readonly tracing?: boolean | undefined
  /**
   * The operator's mandatory HTTP CONNECT proxy for the managed SOCKS5
   * proxies' TCP (`--tcp-upstream-proxy`): a process whose config allows an
   * upstream reaches its destinations only through it, the others' TCP is
   * refused, and a start that must use a managed network names its proxy.
   */
  readonly tcpUpstreamProxy?: TcpUpstreamProxy | undefined
  /** Private destinations may use `tcpUpstreamProxy` too (`--proxy-private-ips-via-upstream`); loopback never does. */
  readonly proxyPrivateIpsViaUpstream?: boolean | undefined
  /**
   * `--linux-sandbox-transparent-tcp`: sandboxes whose client runs the
   * managed network itself (`enforceManagedNetwork` without `networkProxy`)
   * get transparent TCP to the SOCKS5 endpoint their `ALL_PROXY` names
   * (network/clientProxies.ts). `networkProxy` launches ask for it with
   * `networkProxy.proxy.transparentTcp`.
   */
  readonly sandboxTransparentTcp?: boolean | undefined
  /**
   * `--linux-sandbox-pid-namespace`: `isolate` (the default) gives each
   * sandbox a PID namespace of its own; `inherit` asks for the host's.
   */
  readonly sandboxPidNamespace?: "isolate" | "inherit" | undefined
  /** `serverInfo` returned by `initialize`. */
  readonly serverName: string
  readonly serverVersion: string
}

/** The settings of the running server. */
export class ServerConfig extends Context.Service<ServerConfig, ServerConfigShape>()("effect-exec-server/ServerConfig") {}

export { descriptorLimits, machineLimits, openFileLimit } from "./descriptorLimits.js"

/** The defaults of the flags (the process and handle limits derived from this process's open-file limit). */
export const defaults: ServerConfigShape = {
  ...Record.map(configFlags, integerDefault),
  serverName: packageInfo.name,
  serverVersion: packageInfo.version,
  httpHeaderEnvVars: []
}

/** The package version, as `--version` and `serverInfo` report it. */
export const version: string = packageInfo.version

/** The defaults with some settings overridden. */
export const make = (overrides: Partial<ServerConfigShape> = {}): ServerConfigShape => ({ ...defaults, ...overrides })

/** Provides the defaults with some settings overridden (none: `layerDefaults`). */
export const layer = (overrides: Partial<ServerConfigShape> = {}): Layer.Layer<ServerConfig> =>
  Layer.succeed(ServerConfig, make(overrides))

/** Provides the defaults (`defaults`): `layer` with nothing overridden. */
export const layerDefaults: Layer.Layer<ServerConfig> = layer()
