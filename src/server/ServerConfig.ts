/** Server-wide settings: limits, grace and retention periods, and what `initialize` reports. */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import type { SandboxPolicy } from "../protocol/sandbox.js"
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/JsonRpc.js"

const packageJson = createRequire(import.meta.url)("../../package.json") as {
  readonly name: string
  readonly version: string
}

/** The settings of an exec-server. */
export interface ServerConfigShape {
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
  /**
   * Bytes queued for a client above which its session's processes stop being
   * read (they resume below a quarter of it).
   */
  readonly outboundHighWaterMarkBytes: number
  /** Most live processes one session may run. */
  readonly maxProcesses: number
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
  /**
   * Most bytes of output retained by live processes over all sessions;
   * beyond it their oldest retained chunks are evicted (reads report `truncated`).
   */
  readonly maxLiveOutputBytes: number
  /** Largest response body a buffered `http/request` returns, in bytes (larger: ask for a streamed one). */
  readonly maxHttpResponseBytes: number
  /**
   * The operator's sandbox: every process and fs call runs under it, and a
   * client's sandbox can only narrow it. Undefined: clients choose.
   */
  readonly sandboxPolicy?: SandboxPolicy | undefined
  /** The bubblewrap executable (default: `bwrap` from PATH). */
  readonly bwrapPath?: string | undefined
  /** The environment an `envPolicy` builds on (default: the server's own, `process.env`). */
  readonly environment?: Readonly<Record<string, string | undefined>> | undefined
  /** A span per request and per process lifetime, for the tracer in the context (OpenTelemetry when the CLI finds OTEL_* settings). */
  readonly tracing?: boolean | undefined
  /** `serverInfo` returned by `initialize`. */
  readonly serverName: string
  readonly serverVersion: string
}

/** The settings of the running server. */
export class ServerConfig extends Context.Tag("effect-exec-server/ServerConfig")<ServerConfig, ServerConfigShape>() {}

/**
 * This process's soft limit of open files (RLIMIT_NOFILE), read from
 * `/proc/self/limits` (Node has no getrlimit; at start-up it raises the soft
 * limit to the hard one). Undefined where that file cannot be read (not
 * Linux) or says `unlimited`.
 */
export const openFileLimit = (limits?: string): number | undefined => {
  let text = limits
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/limits", "utf8")
    } catch {
      return undefined
    }
  }
  const match = /^Max open files\s+(\d+)/m.exec(text)
  return match === null ? undefined : Number(match[1])
}

/** The open-file limit assumed where it cannot be read. */
const ASSUMED_OPEN_FILES = 8192
/** Most descriptors a live process holds in the server: stdin, stdout and stderr pipes and a pidfd (a terminal: 2). */
const DESCRIPTORS_PER_PROCESS = 4
/** The highest derived default of the server-wide process and handle limits. */
const MAX_DERIVED_LIMIT = 4096

/**
 * The server-wide limits of live processes and file handles for an
 * open-file limit: processes may take half of the descriptors (4 each), file
 * handles a quarter, and a quarter is left for connections, watchers, HTTP
 * requests, sandboxed file workers and Node itself; each at most 4096 (and at
 * least 1).
 */
export const descriptorLimits = (openFiles: number | undefined): {
  readonly maxLiveProcesses: number
  readonly maxServerFileHandles: number
} => {
  const files = openFiles ?? ASSUMED_OPEN_FILES
  const bounded = (value: number) => Math.max(1, Math.min(MAX_DERIVED_LIMIT, Math.floor(value)))
  return {
    maxLiveProcesses: bounded(files / 2 / DESCRIPTORS_PER_PROCESS),
    maxServerFileHandles: bounded(files / 4)
  }
}

/** The defaults of PROTOCOL.md (the process and handle limits derived from this process's open-file limit). */
export const defaults: ServerConfigShape = {
  graceMs: 2000,
  retainedOutputBytes: 1024 * 1024,
  retentionMs: 30_000,
  maxRetainedProcesses: 10_000,
  maxRetainedOutputBytes: 256 * 1024 * 1024,
  closeDrainMs: 1000,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxInflightRequests: 4096,
  maxDetachTtlMs: 300_000,
  maxProcesses: 256,
  outboundHighWaterMarkBytes: 8 * 1024 * 1024,
  maxReadFileBytes: 64 * 1024 * 1024,
  maxFileHandles: 64,
  maxSessions: 1024,
  ...descriptorLimits(openFileLimit()),
  maxLiveOutputBytes: 256 * 1024 * 1024,
  maxHttpResponseBytes: 32 * 1024 * 1024,
  serverName: packageJson.name,
  serverVersion: packageJson.version
}

/** The package version, as `--version` and `serverInfo` report it. */
export const version: string = packageJson.version

/** Provides the defaults with some settings overridden. */
export const layer = (overrides: Partial<ServerConfigShape> = {}): Layer.Layer<ServerConfig> =>
  Layer.succeed(ServerConfig, { ...defaults, ...overrides })
