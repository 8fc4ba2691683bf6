/**
 * The server's flags, declared once: their name, kind, default, help and
 * bounds, for the settings of `ServerConfig` (whose defaults come from here)
 * and the operator's sandbox. The command's other flags (the listener's,
 * the WebSocket's) are declared the same way in cli/commandFlags.ts, which
 * builds the @effect/cli options and the docs table from all of them. Plain
 * data: a library user who reads `ServerConfig` loads no command-line parser.
 */
import { DEFAULT_MAX_INFLIGHT_REQUEST_BYTES, DEFAULT_MAX_MESSAGE_BYTES } from "../wire/JsonRpc.js"
import { thisMachineLimits } from "./descriptorLimits.js"

/** What every flag declares. */
interface FlagBase {
  /** The name after `--`. */
  readonly name: string
  /** A one-letter name after `-` too (`-c`), where the reference's command line has one. */
  readonly alias?: string
  /** What it does, in Markdown: the docs table's text; `--help` shows it without the backticks. */
  readonly help: string
  /** How the docs table names its value (`N`, `PATH`); none for a switch. */
  readonly metavar?: string
  /**
   * The default as the docs table states it, in Markdown, where the value is
   * not fixed (derived from the machine) or not a value at all (`bwrap` from PATH).
   */
  readonly documentedDefault?: string
  /** An environment variable that sets it too, and the value it takes for the flag. */
  readonly env?: { readonly name: string; readonly value: string; readonly rule: string }
}

/**
 * A whole number with a default, refused below `minimum` (exit 2). A
 * default that depends on the machine is a function, read when the flags
 * are parsed (a startup snapshot holds the modules as they were at build).
 */
export interface IntegerFlag extends FlagBase {
  readonly _tag: "Integer"
  readonly default: number | (() => number)
  readonly minimum: number
}

/** An integer flag's default, read now. */
export const integerDefault = (flag: IntegerFlag): number => typeof flag.default === "function" ? flag.default() : flag.default
/** A whole number that may be absent (its absence means something); `impliedDefault` is what absence amounts to. */
export interface OptionalIntegerFlag extends FlagBase {
  readonly _tag: "OptionalInteger"
  readonly impliedDefault: number
  readonly minimum: number
}
/** Text with a default. */
export interface TextFlag extends FlagBase {
  readonly _tag: "Text"
  readonly default: string
}
/** Text that may be absent. */
export interface OptionalTextFlag extends FlagBase {
  readonly _tag: "OptionalText"
}
/** One of a few words, with a default. */
export interface ChoiceFlag<A extends string = string> extends FlagBase {
  readonly _tag: "Choice"
  readonly choices: ReadonlyArray<A>
  readonly default: A
}
/** One of a few words, or absent. */
export interface OptionalChoiceFlag<A extends string = string> extends FlagBase {
  readonly _tag: "OptionalChoice"
  readonly choices: ReadonlyArray<A>
}
/** The path of a file that must exist, or absent. */
export interface OptionalFileFlag extends FlagBase {
  readonly _tag: "OptionalFile"
}
/** On when given. */
export interface SwitchFlag extends FlagBase {
  readonly _tag: "Switch"
}
/** Text that may be given any number of times. */
export interface RepeatedTextFlag extends FlagBase {
  readonly _tag: "RepeatedText"
}

/** A flag of the server command. */
export type Flag =
  | IntegerFlag
  | OptionalIntegerFlag
  | TextFlag
  | OptionalTextFlag
  | ChoiceFlag
  | OptionalChoiceFlag
  | OptionalFileFlag
  | SwitchFlag
  | RepeatedTextFlag

type Spec<F extends Flag> = Omit<F, "_tag" | "name">

export const integer = (name: string, spec: Omit<Spec<IntegerFlag>, "minimum"> & { readonly minimum?: number }): IntegerFlag => ({
  _tag: "Integer",
  name,
  metavar: "N",
  minimum: 0,
  ...spec
})
export const text = (name: string, spec: Spec<TextFlag>): TextFlag => ({ _tag: "Text", name, ...spec })
export const optionalText = (name: string, spec: Spec<OptionalTextFlag>): OptionalTextFlag => ({ _tag: "OptionalText", name, ...spec })
export const choice = <const A extends string>(name: string, spec: Spec<ChoiceFlag<A>>): ChoiceFlag<A> => ({
  _tag: "Choice",
  name,
  ...spec
})
export const optionalChoice = <const A extends string>(name: string, spec: Spec<OptionalChoiceFlag<A>>): OptionalChoiceFlag<A> => ({
  _tag: "OptionalChoice",
  name,
  ...spec
})
export const optionalFile = (name: string, spec: Spec<OptionalFileFlag>): OptionalFileFlag => ({ _tag: "OptionalFile", name, ...spec })
// Generic in its spec so that a declared `env` stays known to be there.
export const switchFlag = <const S extends Spec<SwitchFlag>>(name: string, spec: S): SwitchFlag & S => ({ _tag: "Switch", name, ...spec })
export const repeatedText = (name: string, spec: Spec<RepeatedTextFlag>): RepeatedTextFlag => ({ _tag: "RepeatedText", name, ...spec })

/** The defaults of `--max-sessions`, `--max-live-processes` and `--max-server-file-handles`, from this machine. */
const machineDefaults = thisMachineLimits

/**
 * The flags that set `ServerConfig`'s numeric settings, by setting: each key
 * is a field of `ServerConfigShape` (its `FlagSettings`), its default in
 * `ServerConfig.defaults`, its row in docs/OPERATIONS.md (`npm run docs:flags`).
 */
export const configFlags = {
  graceMs: integer("grace-ms", {
    default: 2000,
    help: "grace period between SIGTERM and SIGKILL when a process group is terminated, in ms"
  }),
  retainedOutputBytes: integer("retained-output-bytes", {
    default: 1024 * 1024,
    minimum: 1,
    help: "output kept per process for `process/read`, in bytes (oldest whole chunks evicted)"
  }),
  retentionMs: integer("retention-ms", {
    default: 30_000,
    help: "how long a closed process stays readable before its id is freed, in ms"
  }),
  maxRetainedProcesses: integer("max-retained-processes", {
    default: 10_000,
    help: "most closed processes kept readable over all sessions; beyond it the oldest are freed before their retention period (`--retention-ms`) ends"
  }),
  maxRetainedOutputBytes: integer("max-retained-output-bytes", {
    default: 256 * 1024 * 1024,
    help: "most bytes of retained output of closed processes over all sessions; beyond it the oldest are freed before `--retention-ms`"
  }),
  closeDrainMs: integer("close-drain-ms", {
    default: 1000,
    help: "how long after a process exits its descendants may hold its output open before it is closed anyway, in ms"
  }),
  maxMessageBytes: integer("max-message-bytes", {
    default: DEFAULT_MAX_MESSAGE_BYTES,
    minimum: 1024,
    help: "largest accepted JSON-RPC message, in bytes; a larger one gets -32600 and the connection goes on (one over twice this closes a WebSocket, resets a NATS stream); messages still arriving over all connections hold at most four times this before the largest ones wait their turn"
  }),
  maxInflightRequests: integer("max-inflight-requests", {
    default: 4096,
    minimum: 1,
    help: "most requests of one connection in flight, long-polls and requests waiting for their turn included; beyond it a request is answered -32001 (`data.retryable`) at once"
  }),
  maxInflightRequestBytes: integer("max-inflight-request-bytes", {
    default: DEFAULT_MAX_INFLIGHT_REQUEST_BYTES,
    minimum: 1024,
    help: "most bytes of request messages of one connection in flight (requests waiting for their turn included); beyond it a request is answered -32001 (`data.retryable`) at once, but a request alone is always taken"
  }),
  droppedSessionTtlMs: integer("dropped-session-ttl-ms", {
    default: 75_000,
    help: "how long a WebSocket session whose connection closed or dropped is kept for a resume, its processes running, when its client did not ask for a `detachTtlMs` in `initialize`, in ms (as Codex's exec-server keeps one; 0: it ends with its connection)"
  }),
  handshakeTimeoutMs: integer("handshake-timeout-ms", {
    default: 10_000,
    minimum: 1,
    help: "how long a WebSocket or NATS connection may stay open without completing `initialize`, in ms; then it is closed, so idle connections cannot hold the server's places (stdio is exempt)"
  }),
  maxDetachTtlMs: integer("max-detach-ttl-ms", {
    default: 300_000,
    help: "cap of the `detachTtlMs` a client may ask for in `initialize`, in ms (0: disconnect always kills)"
  }),
  maxReadFileBytes: integer("max-read-file-bytes", {
    default: 64 * 1024 * 1024,
    minimum: 1,
    help: "largest file `fs/readFile` returns whole, and the most one ranged read returns, in bytes"
  }),
  maxProcesses: integer("max-processes", {
    default: 256,
    minimum: 1,
    help: "most live processes one session may run (beyond: -32600); counts only this server's processes"
  }),
  maxFileHandles: integer("max-file-handles", {
    default: 64,
    minimum: 1,
    help: "most file handles (`fs/open`) one session may have open (beyond: -32600)"
  }),
  maxSessions: integer("max-sessions", {
    default: () => machineDefaults().maxSessions,
    minimum: 1,
    documentedDefault: "128 per CPU, at most 1024",
    help: "most sessions of the server (by default 128 per CPU, at most 1024), attached and detached; beyond it `initialize` is answered -32001 (`data: {retryable: true, limit: \"sessions\"}`) and the connection stays open to ask again; resuming a session takes no new place"
  }),
  maxLiveProcesses: integer("max-live-processes", {
    default: () => machineDefaults().maxLiveProcesses,
    minimum: 1,
    documentedDefault: "open-file limit / 8 and 256 per CPU, at most 4096",
    help: "most live processes over all sessions, detached ones' included (by default an eighth of the open-file limit and 256 per CPU, at most 4096); beyond it `process/start` is answered -32001 (retryable, `limit: \"liveProcesses\"`); a process frees its place by the time its `process/closed` is sent"
  }),
  maxServerFileHandles: integer("max-server-file-handles", {
    default: () => machineDefaults().maxServerFileHandles,
    minimum: 1,
    documentedDefault: "open-file limit / 4, at most 4096",
    help: "most file handles (`fs/open`) open over all sessions, detached ones' included (by default a quarter of the open-file limit, at most 4096); beyond it `fs/open` is answered -32001 (retryable, `limit: \"fileHandles\"`)"
  }),
  maxHttpRequests: integer("max-http-requests", {
    default: () => machineDefaults().maxHttpRequests,
    minimum: 1,
    documentedDefault: "open-file limit / 16, at most 1024",
    help: "most `http/request`s in flight over all sessions, streamed bodies until they end (each holds a socket; by default a sixteenth of the open-file limit, at most 1024); beyond it `http/request` is answered -32001 (retryable, `limit: \"httpRequests\"`)"
  }),
  maxLiveOutputBytes: integer("max-live-output-bytes", {
    default: 256 * 1024 * 1024,
    help: "most bytes of output retained for `process/read` by processes not yet closed, over all sessions; beyond it the oldest retained chunks of all live processes are evicted first (their reads report `truncated`). Nothing is refused and no notification is held back or dropped: retained output is only the read-back copy"
  }),
  maxHttpResponseBytes: integer("max-http-response-bytes", {
    default: 32 * 1024 * 1024,
    minimum: 1,
    help: "largest body a buffered `http/request` returns, in bytes (larger: -32600; stream it instead)"
  }),
  outboundHighWaterMarkBytes: integer("outbound-high-water-mark-bytes", {
    default: 8 * 1024 * 1024,
    minimum: 1024,
    help: "bytes queued for a slow client above which its processes' output stops being read (resumes below a quarter)"
  })
} as const satisfies Readonly<Record<string, IntegerFlag>>

/** The flags of the operator's sandbox. */
export const sandboxFlags = {
  sandbox: switchFlag("sandbox", {
    help: "run every process and fs call under the operator's sandbox: the file system read-only, no network, unless the `--sandbox-*` flags say more; clients can narrow it, never widen it"
  }),
  sandboxWrite: repeatedText("sandbox-write", {
    metavar: "PATH",
    help: "a writable root of the operator's sandbox (repeatable; implies `--sandbox`); `.git`, `.agents`, `.codex`, `.aws` in it stay read-only"
  }),
  sandboxReadOnly: repeatedText("sandbox-read-only", {
    metavar: "PATH",
    help: "a path kept read-only inside the writable roots, even when missing (repeatable; implies `--sandbox`)"
  }),
  sandboxDeny: repeatedText("sandbox-deny", {
    metavar: "PATH",
    help: "a path neither readable nor writable in the sandbox (repeatable; implies `--sandbox`)"
  }),
  sandboxNetwork: switchFlag("sandbox-network", {
    help: "let sandboxed processes use the network (implies `--sandbox`)"
  }),
  sandboxPolicy: optionalFile("sandbox-policy", {
    metavar: "FILE",
    help: "a JSON file with the operator's policy in our policy form (docs/PROTOCOL.md, \"Sandbox\"); not with the other `--sandbox-*` flags"
  }),
  bwrap: optionalText("bwrap", {
    metavar: "PATH",
    documentedDefault: "`bwrap` in PATH",
    help: "the bubblewrap executable"
  })
} as const

/** Processes kept by holders, which outlive the server (docs/ARCHITECTURE.md, "Processes kept by a holder"). */
export const keepFlags = {
  keepProcesses: switchFlag("keep-processes", {
    help: "start every process through a holder of its own (`exec-server-holder`), whose socket and records are in the state directory: a server that is killed or crashes leaves its processes running and their output kept, and the next server started with the same state directory adopts them, so that clients resume their sessions there (each process is ended once `--orphan-ttl-ms` passes with no server attached). SIGUSR2 starts a new copy of the binary, which adopts them, and exits: a WebSocket listener hands it its listening socket (an upgrade refuses no connection), a NATS executor its environment. A session's end ends them as without it; the server's own end, as `--on-exit` says"
  }),
  onExit: optionalChoice("on-exit", {
    choices: ["keep-processes", "end-processes"],
    documentedDefault: "`end-processes` with `--listen stdio://`, else `keep-processes`",
    help: "with `--keep-processes`: what the server's end (SIGTERM, SIGINT, the end of stdin with `--exit-on-stdin-close`) does to its processes: leave them running for the next server to adopt, or end them (TERM, then KILL after `--grace-ms`) as without `--keep-processes`. A stdio server's processes end with its client whatever this says"
  }),
  stateDir: optionalText("state-dir", {
    metavar: "DIR",
    documentedDefault: "`$XDG_RUNTIME_DIR/effect-exec-server`, else `/tmp/effect-exec-server-UID`",
    help: "with `--keep-processes`: the directory of the holders' sockets, made mode 0700; one that is a symbolic link, another user's, or open to group or others is refused (exit 2). Denied in every sandbox"
  }),
  orphanTtlMs: {
    _tag: "OptionalInteger",
    name: "orphan-ttl-ms",
    metavar: "N",
    impliedDefault: 300_000,
    minimum: 1,
    documentedDefault: "300000",
    help: "with `--keep-processes`: how long a holder with no server attached keeps its process before ending its group (SIGTERM, then SIGKILL after `--grace-ms`) and exiting, in ms"
  } satisfies OptionalIntegerFlag
} as const

/** The operator's resource limits (cgroups; docs/SANDBOX.md, "What is limited"), read by `operatorLimitsOf`. */
export const limitFlags = {
  processMemoryMax: optionalText("process-memory-max", {
    metavar: "SIZE",
    help: "each process's memory, swap included (`512M`, `2G`; K, M, G, T are powers of 1024): the default of a process whose client asks none, and the most a client may ask (`process/start.resources`). Enforced by cgroups; where they cannot be used every start is refused"
  }),
  processPidsMax: optionalText("process-pids-max", {
    metavar: "N",
    help: "each process's count of processes and threads at once: the default and the most a client may ask"
  }),
  processCpuMax: optionalText("process-cpu-max", {
    metavar: "CPUS",
    help: "each process's CPU time in CPUs (`1.5`): the default and the most a client may ask"
  }),
  sessionMemoryMax: optionalText("session-memory-max", {
    metavar: "SIZE",
    help: "the memory (swap included) of all of a session's processes together (`4G`)"
  }),
  sessionPidsMax: optionalText("session-pids-max", {
    metavar: "N",
    help: "the count of processes and threads of all of a session's processes together"
  }),
  noSessionCgroups: switchFlag("no-session-cgroups", {
    help: "leave processes without limits of their own out of their session's cgroup (by default every process is in it where cgroups can be used, v2 groups without controllers included, so that the session's end kills what its processes leave behind, daemons included); a `--session-*-max` keeps them in it all the same, as its limit needs"
  })
} as const
