/**
 * A typed Effect client of exec-server: one method per request, typed by the
 * protocol's schemas; per-process event streams with a bounded buffer each
 * (see `ProcessChannel`); process handles as scoped resources; and, for a
 * session that may detach, reconnection by itself with the session resumed
 * and every process caught up from its last `seq`.
 */
import type * as Rpc from "@effect/rpc/Rpc"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { fromWireError, InternalError } from "../protocol/errors.js"
import { ExecServerRpcs } from "../protocol/rpcs.js"
import type { ExecServerRpcs as ExecServerRpc } from "../protocol/rpcs.js"
import { type CodexSandbox, SandboxRequest, type SandboxPolicy } from "../protocol/sandbox.js"
import type {
  EnvironmentInfo,
  EnvPolicy,
  InitializeResult,
  ProcessInfo,
  ReadResult,
  SignalName,
  StartParams,
  TerminalSize,
  WriteResult
} from "../protocol/schema.js"
import {
  ClosedNotification,
  ExitedNotification,
  ChangedNotification,
  HttpBodyDeltaNotification,
  MissingChangedNotification,
  OutputNotification
} from "../protocol/schema.js"
import { WALK_MAXIMUMS, type WalkOptions, type WalkResult as WireWalkResult } from "../protocol/schema.js"
import {
  type ClientError,
  type ConnectError,
  type ConnectionLost,
  ExecTimeout,
  InitializeTimeout,
  ProtocolError,
  ReconnectFailed,
  RequestTooLarge,
  ServerError,
  TransportClosed
} from "./ClientError.js"
import * as ClientTransport from "./ClientTransport.js"
import { type ExitStatus, ProcessChannel, type ProcessEvent } from "./ProcessChannel.js"

export type { ExitStatus, ProcessEvent } from "./ProcessChannel.js"

type Rpcs = ExecServerRpc
type RpcOf<Tag extends string> = Extract<Rpcs, { readonly _tag: Tag }>
/** The names of the requests. */
export type Method = Rpcs["_tag"]

/** What `exec` and `communicate` return. */
export interface ExecResult extends ExitStatus {
  readonly stdout: Uint8Array
  readonly stderr: Uint8Array
}

/**
 * `process/start` params as the client takes them. The defaults suit a
 * server on another machine: the server's working directory, and the
 * server's environment without the names that look like secrets.
 */
export interface StartOptions {
  readonly argv: ReadonlyArray<string>
  /** Absolute on the server's host; default: the server's working directory. */
  readonly cwd?: string
  /**
   * The child's environment: the whole of it, or what is laid over the
   * server-side `envPolicy` when one is given. Default: none of the client's
   * variables (the server's environment, by the default policy).
   */
  readonly env?: Readonly<Record<string, string>>
  /**
   * Build the environment from the server's own (see PROTOCOL.md); fields
   * default as there. Default when neither this nor `env` is given:
   * `{inherit: "all"}` with the default exclusions (`*KEY*`, `*SECRET*`,
   * `*TOKEN*`).
   */
  readonly envPolicy?: Partial<EnvPolicy>
  readonly tty?: boolean
  readonly pipeStdin?: boolean
  readonly arg0?: string
  readonly size?: TerminalSize
  /** Confine the process (see PROTOCOL.md, "Sandbox"); default: the client's `sandbox` option. */
  readonly sandbox?: SandboxInput
  /** A process id; default: a fresh one. */
  readonly processId?: string
  /**
   * Leave the process running when the scope of `start` closes (it still
   * ends with the session). Default: closing the scope terminates it.
   */
  readonly detached?: boolean
}

/** `exec` options: those of `start` (but `tty`), and what `exec` adds. */
export interface ExecOptions extends Omit<StartOptions, "argv" | "tty" | "pipeStdin" | "detached"> {
  /** Bytes for the process's stdin, which is closed after them (default: no stdin). */
  readonly input?: Uint8Array | string
  /** Terminate the process and fail with `ExecTimeout` after this long. */
  readonly timeout?: Duration.DurationInput
}

/** A process of the client's session. */
export interface ProcessHandle {
  readonly processId: string
  /**
   * Its events in seq order, ending after `Closed`: a `Gap` stands for
   * output the server evicted before the client read it. One consumer.
   */
  readonly events: Stream.Stream<ProcessEvent, ClientError>
  /** Completes with the exit status (without consuming `events`); `UnknownProcess` for an id the server does not know. */
  readonly exited: Effect.Effect<ExitStatus, ClientError>
  readonly write: (data: Uint8Array | string) => Effect.Effect<WriteResult, ClientError>
  readonly closeStdin: Effect.Effect<WriteResult, ClientError>
  readonly terminate: (options?: { readonly mode?: "graceful" | "force"; readonly graceMs?: number }) => Effect.Effect<boolean, ClientError>
  readonly resize: (size: TerminalSize) => Effect.Effect<void, ClientError>
  readonly signal: (signal: SignalName) => Effect.Effect<boolean, ClientError>
  readonly read: (options?: { readonly afterSeq?: number; readonly maxBytes?: number; readonly waitMs?: number }) => Effect.Effect<ReadResult, ClientError>
}

/**
 * An open file on the server (`fs/open`): blocks read or written at offsets.
 * `close` ends it (a replacing handle's file takes its target's place then);
 * a handle whose scope closes first is dropped, its target untouched.
 */
export interface ClientFileHandle {
  readonly handleId: string
  /** Up to `length` bytes from `offset` (fewer at the end, or above the server's block limit); `eof` at the end. */
  readonly readBlock: (offset: number, length: number) => Effect.Effect<{ readonly chunk: Uint8Array; readonly eof: boolean }, ClientError>
  readonly writeBlock: (offset: number, data: Uint8Array | string) => Effect.Effect<void, ClientError>
  readonly close: Effect.Effect<void, ClientError>
}

/** The host filesystem through the server (`fs/*`). Paths are absolute or `file://` URIs. */
export interface ClientFileSystem {
  readonly readFile: (
    path: string,
    range?: { readonly offset?: number; readonly length?: number }
  ) => Effect.Effect<Uint8Array, ClientError>
  /**
   * Written atomically (temporary file and rename). Data too large for one
   * message goes in blocks through a replacing file handle, still atomic.
   */
  readonly writeFile: (path: string, data: Uint8Array | string) => Effect.Effect<void, ClientError>
  /** Opens a file handle for the scope: `read` (default) or `replace`. */
  readonly open: (
    path: string,
    options?: { readonly mode?: "read" | "replace" }
  ) => Effect.Effect<ClientFileHandle, ClientError, Scope.Scope>
  /** A file's contents as a stream of blocks, through a file handle (for files of any size). */
  readonly readFileStream: (path: string, options?: { readonly blockBytes?: number }) => Stream.Stream<Uint8Array, ClientError>
  /** The path with every symlink and `..` resolved. */
  readonly canonicalize: (path: string) => Effect.Effect<string, ClientError>
  /**
   * A tree, breadth first (`fs/walk`); the options default to the server's
   * maximums, links not followed, hidden directories descended.
   */
  readonly walk: (path: string, options?: Partial<WalkOptions>) => Effect.Effect<WalkResult, ClientError>
  /**
   * Watches paths believed missing (and one believed present) for the scope
   * (`fs/watchMissing`). `watching` is false when the server would not
   * watch (one of them exists already, `present` does not, too many paths);
   * `changed` completes once one of them may have appeared, the directory it
   * would appear in went away, or `present` changed (at once when not
   * watching). One watch per client: a new one replaces it.
   */
  readonly watchMissing: (
    missing: ReadonlyArray<string>,
    options?: { readonly present?: string }
  ) => Effect.Effect<MissingWatch, ClientError, Scope.Scope>
  /**
   * The changes under a path (`fs/watch`), in batches as the server
   * coalesces them; the watch starts when the stream is run (changes from
   * then on are seen) and ends with it.
   */
  readonly watch: (path: string, options?: { readonly recursive?: boolean }) => Stream.Stream<PathChanges, ClientError>
  readonly createDirectory: (path: string, options?: { readonly recursive?: boolean }) => Effect.Effect<void, ClientError>
  readonly getMetadata: (path: string) => Effect.Effect<Rpc.Success<RpcOf<"fs/getMetadata">>, ClientError>
  readonly readDirectory: (path: string) => Effect.Effect<Rpc.Success<RpcOf<"fs/readDirectory">>["entries"], ClientError>
  readonly remove: (
    path: string,
    options?: { readonly recursive?: boolean; readonly force?: boolean }
  ) => Effect.Effect<void, ClientError>
  readonly copy: (
    sourcePath: string,
    destinationPath: string,
    options?: { readonly recursive?: boolean }
  ) => Effect.Effect<void, ClientError>
}

/** The client of one session. */
export interface ExecServerClientShape {
  /** What the server answered to the first `initialize`. */
  readonly server: InitializeResult
  /** The session's id: pass it as `resumeSessionId` to take the session over from another client. */
  readonly sessionId: string
  /** Sends any request, typed by its schema. */
  readonly call: <Tag extends Method>(
    method: Tag,
    params: Rpc.Payload<RpcOf<Tag>>
  ) => Effect.Effect<Rpc.Success<RpcOf<Tag>>, ClientError>
  /** Starts a process owned by the scope: closing it terminates the process, unless `detached`. */
  readonly start: (options: StartOptions) => Effect.Effect<ProcessHandle, ClientError, Scope.Scope>
  /**
   * The handle of a process of the session that this client did not start
   * (one started before a resume, or through `call`): its events are read
   * from the server's retained output; an unknown id fails with `UnknownProcess`.
   */
  readonly process: (processId: string) => ProcessHandle
  readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>, ClientError>
  /** Waits for a process to exit. */
  readonly wait: (processId: string) => Effect.Effect<ExitStatus, ClientError>
  /** Writes `input`, closes stdin and collects the output until the process closes (consumes its events). */
  readonly communicate: (processId: string, input?: Uint8Array | string) => Effect.Effect<ExecResult, ClientError>
  /**
   * Runs a command with pipes and collects its exit status and output.
   * Interrupting it (or its `timeout`) terminates the process.
   */
  readonly exec: (
    argv: ReadonlyArray<string>,
    options?: ExecOptions
  ) => Effect.Effect<ExecResult, ClientError | ExecTimeout>
  readonly fs: ClientFileSystem
  /** HTTP requests the server makes on the client's behalf (`http/request`). */
  readonly http: ClientHttp
  /** The server's host (`environment/info`). */
  readonly environment: Effect.Effect<EnvironmentInfo, ClientError>
}

/** A batch of changes under a watched path: paths as `file://` URIs; `overflow` when some were left out (look again). */
export interface PathChanges {
  readonly changes: ReadonlyArray<{ readonly path: string; readonly kind: "created" | "modified" | "removed" }>
  readonly overflow: boolean
}

/** A missing-path watch (see `ClientFileSystem.watchMissing`). */
export interface MissingWatch {
  readonly watching: boolean
  readonly changed: Effect.Effect<void, ClientError>
}

/** An HTTP request for the server to make. */
export interface HttpRequest {
  readonly method?: string
  readonly url: string
  /** In order; `valueEnvVar` appends a variable of the server's environment. */
  readonly headers?: ReadonlyArray<{ readonly name: string; readonly value?: string; readonly valueEnvVar?: string }>
  readonly body?: Uint8Array | string
  /** One deadline for the whole exchange, body included. */
  readonly timeoutMs?: number
  readonly redirectPolicy?: "follow" | "stop"
}

/** An HTTP response, its body whole or as a stream. */
export interface HttpResponse<Body> {
  readonly status: number
  readonly headers: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly body: Body
}

/** `http/request`, buffered or streamed. */
export interface ClientHttp {
  readonly request: (request: HttpRequest) => Effect.Effect<HttpResponse<Uint8Array>, ClientError>
  /**
   * The response as soon as its headers are in, its body a stream of the
   * server's `http/request/bodyDelta`s (failing when the body did); closing
   * the scope stops listening.
   */
  readonly stream: (request: HttpRequest) => Effect.Effect<HttpResponse<Stream.Stream<Uint8Array, ClientError>>, ClientError, Scope.Scope>
}

/** The exec-server client. */
export class ExecServerClient extends Context.Tag("effect-exec-server/ExecServerClient")<
  ExecServerClient,
  ExecServerClientShape
>() {}

/** How the client gets its connection back after a drop. */
export interface ReconnectOptions {
  /**
   * Attempts before giving up with `ReconnectFailed` (default: as many as
   * fit in the session's `detachTtlMs`, after which the server has ended it).
   */
  readonly maxAttempts?: number
  /** Delay before the first attempt, doubled for each next one (default 100 ms). */
  readonly initialDelayMs?: number
  /** The longest delay between attempts (default 5000 ms). */
  readonly maxDelayMs?: number
}

/** Options shared by every way of connecting. */
export interface ClientOptions {
  readonly clientName?: string
  readonly initializeTimeoutMs?: number
  /** The sandbox of every process this client starts and every fs call it makes, unless a start says otherwise. */
  readonly sandbox?: SandboxInput
  /**
   * Keep the session's processes running this long after the connection
   * drops (capped by the server's `--max-detach-ttl-ms`), so that the client
   * can reconnect and resume. Default 0: a dropped connection ends them.
   */
  readonly detachTtlMs?: number
  /** Take over this detached session instead of starting a new one. */
  readonly resumeSessionId?: string
  /**
   * Reconnect by itself when the connection drops, for a session that
   * outlives its connection (`detachTtlMs` > 0): default on with the
   * defaults of `ReconnectOptions`; `false` turns it off.
   */
  readonly reconnect?: false | ReconnectOptions
  /** Output bytes held per process for its consumer at most (default 4 MiB); the rest is read later. */
  readonly maxBufferedBytesPerProcess?: number
  /** The largest message the client sends (default: the server's limit, else 16 MiB). */
  readonly maxMessageBytes?: number
}

/** A `sandbox` as a client writes it: either form, with its optional fields left out. */
export type SandboxInput = typeof CodexSandbox.Encoded | typeof SandboxPolicy.Encoded
const decodeSandbox = Schema.decodeUnknown(SandboxRequest)

const decodeOutput = Schema.decodeUnknownOption(OutputNotification)
const decodeExited = Schema.decodeUnknownOption(ExitedNotification)
const decodeClosed = Schema.decodeUnknownOption(ClosedNotification)
const decodeBodyDelta = Schema.decodeUnknownOption(HttpBodyDeltaNotification)
const decodeMissingChanged = Schema.decodeUnknownOption(MissingChangedNotification)
const decodeChanged = Schema.decodeUnknownOption(ChangedNotification)

/** What `fs/walk` found: paths as `file://` URIs. */
export type WalkResult = typeof WireWalkResult.Type

const toBytes = (data: Uint8Array | string) => typeof data === "string" ? new TextEncoder().encode(data) : data

/**
 * Requests whose second sending does what the first did: re-sent after a
 * reconnect when the first one's answer was lost. (`process/write` is among
 * them because the client gives every write a `writeId`.) The outcome of any
 * other request in flight at a drop is unknown, and it fails.
 */
const RETRY_SAFE = new Set<string>([
  "process/read",
  "process/write",
  "process/list",
  "process/resize",
  "fs/readFile",
  "fs/getMetadata",
  "fs/readDirectory",
  "fs/writeFile",
  "fs/readBlock",
  "fs/writeBlock"
])

const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024

let nextProcessNumber = 1
let nextWriteNumber = 1
let nextHandleNumber = 1

/** A connection the client has, or had. */
interface Link {
  readonly transport: ClientTransport.ClientTransport
  readonly generation: number
  readonly scope: Scope.CloseableScope
}

interface PendingRequest {
  readonly method: string
  readonly text: string
  readonly bytes: number
  readonly reply: Deferred.Deferred<unknown, ClientError>
  /** The link it went out on; undefined: not sent yet (it goes out once a link is up). */
  sentOn: number | undefined
}

/** How to reach the server: each evaluation makes a new connection, closed with its scope. */
export type Connector = Effect.Effect<ClientTransport.ClientTransport, ConnectError, Scope.Scope>

/**
 * Makes a client: connects, performs the handshake, routes responses and
 * events, and (when the session may detach) reconnects on a drop.
 */
export const make = (
  connector: Connector,
  options: ClientOptions = {}
): Effect.Effect<ExecServerClientShape, InitializeTimeout | ClientError | ConnectError, Scope.Scope> =>
  Effect.gen(function*() {
    const clientScope = yield* Effect.scope
    const fibers = yield* FiberSet.make()
    const runFork = yield* FiberSet.runtime(fibers)<never>()
    const fork = (effect: Effect.Effect<void>) => void runFork(effect)

    const pending = new Map<number, PendingRequest>()
    const channels = new Map<string, ProcessChannel>()
    // The server applies a writeId once per process: ids must not repeat across clients of a session.
    const writeIdPrefix = randomUUID()
    /** Where each streamed HTTP body's deltas go, by request id. */
    const bodyStreams = new Map<string, (delta: typeof HttpBodyDeltaNotification.Type) => void>()
    /** Where each path watch's changes go, by watch id. */
    const pathWatches = new Map<string, Mailbox.Mailbox<PathChanges, ClientError>>()
    /** The missing-path watch waiting for its notification, by watch id. */
    const missingWatches = new Map<number, (outcome: Exit.Exit<void, ClientError>) => void>()

    /**
     * What lives only as long as a connection on the server (streamed HTTP
     * bodies, the missing-path watch) fails when it drops, resumed or not.
     */
    const endConnectionScoped = (error: ClientError) => {
      for (const deliver of [...bodyStreams.values()]) {
        deliver({ requestId: "", seq: 1, deltaBase64: new Uint8Array(0), done: true, error: error.message })
      }
      bodyStreams.clear()
      for (const settle of [...missingWatches.values()]) settle(Exit.fail(error))
      missingWatches.clear()
      for (const changes of pathWatches.values()) changes.unsafeDone(Exit.fail(error))
      pathWatches.clear()
    }
    const maxBufferedBytes = options.maxBufferedBytesPerProcess ?? 4 * 1024 * 1024
    const detachTtlMs = options.detachTtlMs ?? 0
    const reconnect = options.reconnect === false || detachTtlMs <= 0 ? undefined : options.reconnect ?? {}
    let maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    let closedBy: ConnectionLost | undefined
    let link: Link | undefined
    let generation = 0
    let nextId = 1
    let sessionId = options.resumeSessionId

    // --- incoming -----------------------------------------------------------

    const routeEvent = (processId: string, event: ProcessEvent) => channels.get(processId)?.offer(event)

    const onResponse = (m: { id?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } }) => {
      if (m.id === null && m.error !== undefined) {
        // Refused unread (too large): its size tells which request it was.
        const data = m.error.data as { bytes?: unknown; limit?: unknown } | undefined
        if (typeof data?.bytes !== "number" || typeof data.limit !== "number") return
        for (const [id, request] of pending) {
          if (request.bytes !== data.bytes || request.sentOn === undefined) continue
          pending.delete(id)
          maxMessageBytes = Math.min(maxMessageBytes, data.limit - 1)
          Deferred.unsafeDone(
            request.reply,
            Exit.fail(
              new RequestTooLarge({
                method: request.method,
                bytes: data.bytes,
                limit: data.limit,
                message: `${request.method}: the server refused a message of ${data.bytes} bytes (its limit is ${data.limit})`
              })
            )
          )
          return
        }
        return
      }
      if (typeof m.id !== "number") return
      const request = pending.get(m.id)
      if (request === undefined) return
      pending.delete(m.id)
      if (m.error !== undefined) {
        const error = fromWireError(m.error) ?? new ServerError({ method: request.method, ...m.error })
        Deferred.unsafeDone(request.reply, Exit.fail(error))
      } else {
        Deferred.unsafeDone(request.reply, Exit.succeed(m.result))
      }
    }

    const onMessage = (message: unknown) => {
      if (typeof message !== "object" || message === null) return
      const m = message as { method?: unknown; params?: unknown }
      if (typeof m.method !== "string") return onResponse(message as Parameters<typeof onResponse>[0])
      switch (m.method) {
        case "process/output": {
          const output = decodeOutput(m.params)
          if (Option.isNone(output)) return
          const p = output.value
          return routeEvent(p.processId, { _tag: "Output", seq: p.seq, stream: p.stream, bytes: p.chunk })
        }
        case "process/exited": {
          const exited = decodeExited(m.params)
          if (Option.isNone(exited)) return
          const p = exited.value
          return routeEvent(p.processId, {
            _tag: "Exited",
            seq: p.seq,
            exitCode: p.exitCode,
            signal: p.signal ?? null,
            sandboxDenied: p.sandboxDenied
          })
        }
        case "process/closed": {
          const closed = decodeClosed(m.params)
          if (Option.isSome(closed)) routeEvent(closed.value.processId, { _tag: "Closed", seq: closed.value.seq })
          return
        }
        case "http/request/bodyDelta": {
          const delta = decodeBodyDelta(m.params)
          if (Option.isSome(delta)) bodyStreams.get(delta.value.requestId)?.(delta.value)
          return
        }
        case "fs/changed": {
          const changed = decodeChanged(m.params)
          if (Option.isSome(changed)) pathWatches.get(changed.value.watchId)?.unsafeOffer(changed.value)
          return
        }
        case "fs/missingChanged": {
          const changed = decodeMissingChanged(m.params)
          if (Option.isSome(changed)) missingWatches.get(changed.value.watchId)?.(Exit.void)
          return
        }
      }
    }

    const onText = (text: string) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        return
      }
      if (Array.isArray(parsed)) parsed.forEach(onMessage)
      else onMessage(parsed)
    }

    // --- the connection ------------------------------------------------------

    /** Nothing more can be done: every call and event stream fails with `error`. */
    const shutDown = (error: ConnectionLost) => {
      if (closedBy !== undefined) return
      closedBy = error
      for (const request of pending.values()) Deferred.unsafeDone(request.reply, Exit.fail(error))
      pending.clear()
      for (const channel of [...channels.values()]) channel.fail(error)
      channels.clear()
      endConnectionScoped(error)
    }

    const sendOn = (current: Link, requests: ReadonlyArray<PendingRequest>) => {
      for (const request of requests) request.sentOn = current.generation
      // A failed write is the drop the link's reader reports: nothing to do here.
      fork(Effect.ignore(current.transport.send(requests.map((request) => request.text))))
    }

    /** The link `current` is gone (its reader ended). */
    const onDrop = (current: Link, reason: string) => {
      if (link !== current) return
      link = undefined
      fork(Scope.close(current.scope, Exit.void))
      if (closedBy !== undefined) return
      endConnectionScoped(new TransportClosed({ message: `${reason}; what the connection held on the server ended with it` }))
      if (reconnect === undefined || sessionId === undefined) {
        shutDown(new TransportClosed({ message: reason }))
        return
      }
      for (const [id, request] of pending) {
        if (request.sentOn !== current.generation) continue
        if (RETRY_SAFE.has(request.method)) {
          request.sentOn = undefined
          continue
        }
        pending.delete(id)
        Deferred.unsafeDone(
          request.reply,
          Exit.fail(new TransportClosed({ message: `${reason}, with ${request.method} in flight: its outcome is unknown` }))
        )
      }
      fork(reconnectLoop(reason, reconnect))
    }

    /** Sends one request on a link that is not the client's yet (the handshake). */
    const handshakeCall = (current: Link, method: string, params: unknown): Effect.Effect<unknown, ClientError> =>
      Effect.suspend(() => {
        const id = nextId++
        const text = JSON.stringify({ id, method, params })
        const reply = Deferred.unsafeMake<unknown, ClientError>(FiberId.none)
        const request: PendingRequest = { method, text, bytes: Buffer.byteLength(text), reply, sentOn: current.generation }
        pending.set(id, request)
        return current.transport.send([text]).pipe(
          Effect.zipRight(Deferred.await(reply)),
          Effect.ensuring(Effect.sync(() => pending.delete(id)))
        )
      })

    const initializeTimeoutMs = options.initializeTimeoutMs ?? 10_000
    const decodeInitialize = Schema.decodeUnknown(
      (ExecServerRpcs.requests.get("initialize") as unknown as Rpc.AnyWithProps).successSchema as Schema.Schema<
        InitializeResult,
        unknown
      >
    )

    /** Connects and performs the handshake (a resume once the session exists); the link becomes the client's. */
    const connect = Effect.gen(function*() {
      const scope = yield* Scope.fork(clientScope, ExecutionStrategy.sequential)
      const opened = yield* Effect.exit(
        Effect.gen(function*() {
          const transport = yield* Scope.extend(connector, scope)
          const current: Link = { transport, generation: ++generation, scope }
          // Read from the start, so that the handshake's answer is seen.
          fork(
            transport.incoming.pipe(
              Stream.runForEach((text) => Effect.sync(() => onText(text))),
              Effect.match({
                onFailure: (error) => error.message,
                onSuccess: () => "the server closed the connection"
              }),
              Effect.flatMap((reason) =>
                Effect.sync(() => {
                  if (link === current) return onDrop(current, reason)
                  // Dropped during its handshake: the handshake fails, and the caller decides.
                  for (const [id, request] of pending) {
                    if (request.sentOn !== current.generation) continue
                    pending.delete(id)
                    Deferred.unsafeDone(request.reply, Exit.fail(new TransportClosed({ message: reason })))
                  }
                  fork(Scope.close(current.scope, Exit.void))
                })
              )
            )
          )
          const result = yield* handshakeCall(current, "initialize", {
            clientName: options.clientName ?? "effect-exec-server-client",
            ...(sessionId === undefined ? {} : { resumeSessionId: sessionId }),
            ...(detachTtlMs > 0 ? { detachTtlMs } : {})
          }).pipe(
            Effect.timeoutFail({
              duration: initializeTimeoutMs,
              onTimeout: () => new InitializeTimeout({ message: `no initialize response within ${initializeTimeoutMs} ms` })
            }),
            Effect.flatMap((raw) =>
              Effect.mapError(decodeInitialize(raw), (error) =>
                new ProtocolError({ message: `unexpected initialize result: ${error.message}` }))
            )
          )
          yield* current.transport.send([JSON.stringify({ method: "initialized", params: {} })])
          return { current, result }
        })
      )
      if (Exit.isFailure(opened)) {
        yield* Scope.close(scope, Exit.void)
        return yield* Effect.failCause(opened.cause)
      }
      const { current, result } = opened.value
      sessionId = result.sessionId
      if (result.limits !== undefined && options.maxMessageBytes === undefined) {
        maxMessageBytes = result.limits.maxMessageBytes
      }
      link = current
      // What waited for a link goes out now, in the order it was asked.
      sendOn(current, [...pending.values()].filter((request) => request.sentOn === undefined))
      return result
    })

    /** The server still sees an earlier connection holding the session (it has not noticed the drop yet). */
    const isHeldElsewhere = (error: { readonly _tag: string; readonly message: string }) =>
      error._tag === "InvalidRequest" && error.message.includes("held by another connection")

    /**
     * Connects again after a drop, with backoff, until it works, the
     * attempts run out, or the session's TTL has passed (the server has
     * ended it by then). A server that answers that it does not know the
     * session, or refuses the credentials, ends the attempts at once.
     */
    const reconnectLoop = (reason: string, settings: ReconnectOptions): Effect.Effect<void> =>
      Effect.gen(function*() {
        const maxAttempts = settings.maxAttempts ?? Number.POSITIVE_INFINITY
        const deadline = (yield* Clock.currentTimeMillis) + detachTtlMs
        let delay = settings.initialDelayMs ?? 100
        let lastError = reason
        let attempt = 0
        while (attempt < maxAttempts && (yield* Clock.currentTimeMillis) + delay < deadline) {
          attempt++
          yield* Effect.sleep(Duration.millis(delay))
          delay = Math.min(delay * 2, settings.maxDelayMs ?? 5000)
          if (closedBy !== undefined) return
          const outcome = yield* Effect.either(connect)
          if (outcome._tag === "Right") {
            for (const channel of channels.values()) channel.resync()
            return
          }
          const error = outcome.left
          lastError = error.message
          const retryable = error._tag === "ConnectTimeout" || error._tag === "TransportClosed" ||
            error._tag === "InitializeTimeout" || isHeldElsewhere(error)
          if (!retryable) {
            shutDown(new ReconnectFailed({ message: `cannot resume session ${sessionId}: ${error.message}`, attempts: attempt }))
            return
          }
        }
        shutDown(
          new ReconnectFailed({
            message: `the connection dropped (${reason}) and ${attempt} attempts to reconnect failed; the last: ${lastError}`,
            attempts: attempt
          })
        )
      })

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        const current = link
        shutDown(new TransportClosed({ message: "the client was closed" }))
        link = undefined
        return current
      }).pipe(Effect.flatMap((current) => current === undefined ? Effect.void : Scope.close(current.scope, Exit.void)))
    )

    // A session another client just let go may still be held on the server
    // for a moment (its close is on the way): a resume tries again then.
    const server = yield* connect.pipe(
      Effect.retry({
        while: (error) => options.resumeSessionId !== undefined && isHeldElsewhere(error),
        schedule: Schedule.exponential("50 millis").pipe(Schedule.upTo("10 seconds"))
      })
    )

    // --- requests ------------------------------------------------------------

    const request = (method: string, params: unknown): Effect.Effect<unknown, ClientError> =>
      Effect.suspend(() => {
        if (closedBy !== undefined) return Effect.fail(closedBy)
        const id = nextId++
        const text = JSON.stringify({ id, method, params })
        // Exact: the server's id-less refusal of an oversized message names its size.
        const bytes = Buffer.byteLength(text)
        if (bytes > maxMessageBytes) {
          return Effect.fail(
            new RequestTooLarge({
              method,
              bytes,
              limit: maxMessageBytes,
              message: `${method}: a message of ${bytes} bytes exceeds the server's limit of ${maxMessageBytes} bytes; nothing was sent`
            })
          )
        }
        const reply = Deferred.unsafeMake<unknown, ClientError>(FiberId.none)
        const entry: PendingRequest = { method, text, bytes, reply, sentOn: undefined }
        pending.set(id, entry)
        if (link !== undefined) sendOn(link, [entry])
        return Deferred.await(reply).pipe(Effect.onInterrupt(() => Effect.sync(() => pending.delete(id))))
      })

    const call = <Tag extends Method>(method: Tag, params: Rpc.Payload<RpcOf<Tag>>) => {
      const rpc = ExecServerRpcs.requests.get(method) as unknown as Rpc.AnyWithProps
      const payloadSchema = rpc.payloadSchema as Schema.Schema<unknown, unknown>
      const successSchema = rpc.successSchema as Schema.Schema<unknown, unknown>
      return Schema.encode(payloadSchema)(params).pipe(
        Effect.mapError((error) => new ProtocolError({ message: `cannot encode ${method} params: ${error.message}` })),
        Effect.flatMap((encoded) => request(method, encoded)),
        Effect.flatMap((result) =>
          Schema.decodeUnknown(successSchema)(result).pipe(
            Effect.mapError((error) => new ProtocolError({ message: `unexpected ${method} result: ${error.message}` }))
          )
        )
      ) as Effect.Effect<Rpc.Success<RpcOf<Tag>>, ClientError>
    }

    // --- processes -------------------------------------------------------------

    const newChannel = (processId: string): ProcessChannel => {
      const channel: ProcessChannel = new ProcessChannel({
        processId,
        maxBufferedBytes,
        read: (params) => call("process/read", { processId, ...params }),
        fork,
        onClosed: () => {
          if (channels.get(processId) === channel) channels.delete(processId)
        }
      })
      return channel
    }

    const handleOf = (channel: ProcessChannel): ProcessHandle => {
      const processId = channel.processId
      return {
        processId,
        events: channel.events,
        exited: channel.exited,
        write: (data) => call("process/write", { processId, chunk: toBytes(data), writeId: `${writeIdPrefix}-${nextWriteNumber++}` }),
        closeStdin: call("process/closeStdin", { processId }),
        terminate: (terminateOptions = {}) =>
          Effect.map(
            call("process/terminate", {
              processId,
              mode: terminateOptions.mode ?? "graceful",
              ...(terminateOptions.graceMs === undefined ? {} : { graceMs: terminateOptions.graceMs })
            }),
            (result) => result.running
          ),
        resize: (size) => Effect.asVoid(call("process/resize", { processId, ...size })),
        signal: (signal) => Effect.map(call("process/signal", { processId, signal }), (result) => result.delivered),
        read: (readOptions = {}) => call("process/read", { processId, ...readOptions })
      }
    }

    const attach = (processId: string): ProcessHandle => {
      let channel = channels.get(processId)
      if (channel === undefined) {
        channel = newChannel(processId)
        if (closedBy !== undefined) channel.fail(closedBy)
        else {
          channels.set(processId, channel)
          channel.resync()
        }
      }
      return handleOf(channel)
    }

    /** The `sandbox` field of a request: the one given, else the client's default, else none. */
    const sandbox = (given: SandboxInput | undefined): Effect.Effect<{ readonly sandbox?: SandboxRequest }, ProtocolError> => {
      const chosen = given ?? options.sandbox
      return chosen === undefined ? Effect.succeed({}) : decodeSandbox(chosen).pipe(
        Effect.map((decoded) => ({ sandbox: decoded })),
        Effect.mapError((error) => new ProtocolError({ message: `invalid sandbox: ${error.message}` }))
      )
    }

    const envFields = (startOptions: StartOptions): Pick<StartParams, "env" | "envPolicy"> => {
      const policy = startOptions.envPolicy ?? (startOptions.env === undefined ? {} : undefined)
      return {
        env: startOptions.env ?? {},
        ...(policy === undefined ? {} : {
          envPolicy: {
            inherit: policy.inherit ?? "all",
            ignoreDefaultExcludes: policy.ignoreDefaultExcludes ?? false,
            exclude: policy.exclude ?? [],
            includeOnly: policy.includeOnly ?? [],
            set: policy.set ?? {}
          }
        })
      }
    }

    const startUnscoped = (startOptions: StartOptions): Effect.Effect<ProcessHandle, ClientError> =>
      Effect.gen(function*() {
        const processId = startOptions.processId ?? `client-${process.pid}-${nextProcessNumber++}`
        const params: StartParams = {
          processId,
          argv: startOptions.argv,
          ...(startOptions.cwd === undefined ? {} : { cwd: startOptions.cwd }),
          ...envFields(startOptions),
          tty: startOptions.tty ?? false,
          pipeStdin: startOptions.pipeStdin ?? false,
          ...(startOptions.arg0 === undefined ? {} : { arg0: startOptions.arg0 }),
          ...(startOptions.size === undefined ? {} : { size: startOptions.size }),
          ...(yield* sandbox(startOptions.sandbox))
        }
        const previous = channels.get(processId)
        // Registered before the request, so that no early event is missed;
        // a channel of an earlier process of that id stays until the server says.
        const channel = newChannel(processId)
        if (previous === undefined) channels.set(processId, channel)
        yield* call("process/start", params).pipe(
          Effect.tapError(() =>
            Effect.sync(() => {
              if (channels.get(processId) === channel) channels.delete(processId)
            })
          )
        )
        if (previous !== undefined) {
          // The server took the id again, so the earlier process is gone: its events were read or are lost.
          previous.fail(new TransportClosed({ message: `process id ${processId} was reused` }))
          channels.set(processId, channel)
          channel.resync()
        }
        return handleOf(channel)
      })

    /** Terminates a process whose owner is done with it, unless it already closed. */
    const release = (handle: ProcessHandle): Effect.Effect<void> =>
      Effect.suspend(() => {
        const channel = channels.get(handle.processId)
        if (channel === undefined || channel.finished || closedBy !== undefined) return Effect.void
        return handle.terminate().pipe(Effect.timeout("5 seconds"), Effect.ignore)
      })

    const start = (startOptions: StartOptions): Effect.Effect<ProcessHandle, ClientError, Scope.Scope> =>
      startOptions.detached === true
        ? startUnscoped(startOptions)
        : Effect.acquireRelease(startUnscoped(startOptions), release)

    const collect = (handle: ProcessHandle, sink: { stdout: Array<Uint8Array>; stderr: Array<Uint8Array> }) =>
      handle.events.pipe(
        Stream.runFold(undefined as ExitStatus | undefined, (status, event) => {
          if (event._tag === "Output") (event.stream === "stderr" ? sink.stderr : sink.stdout).push(event.bytes)
          return event._tag === "Exited"
            ? { exitCode: event.exitCode, signal: event.signal, sandboxDenied: event.sandboxDenied }
            : status
        }),
        Effect.zipWith(handle.exited, (seen, status) => seen ?? status),
        Effect.map((status): ExecResult => ({
          ...status,
          stdout: Buffer.concat(sink.stdout),
          stderr: Buffer.concat(sink.stderr)
        }))
      )

    const communicate = (processId: string, input?: Uint8Array | string) =>
      Effect.gen(function*() {
        const handle = attach(processId)
        if (input !== undefined) yield* handle.write(input)
        yield* handle.closeStdin
        return yield* collect(handle, { stdout: [], stderr: [] })
      })

    const exec = (argv: ReadonlyArray<string>, execOptions: ExecOptions = {}) =>
      Effect.scoped(Effect.gen(function*() {
        const { input, timeout, ...startOptions } = execOptions
        const handle = yield* start({ ...startOptions, argv, tty: false, pipeStdin: input !== undefined })
        if (input !== undefined) {
          yield* handle.write(input)
          yield* handle.closeStdin
        }
        const sink = { stdout: [] as Array<Uint8Array>, stderr: [] as Array<Uint8Array> }
        const collected = collect(handle, sink)
        if (timeout === undefined) return yield* collected
        return yield* collected.pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () =>
              new ExecTimeout({
                processId: handle.processId,
                message: `${argv[0]} ran longer than ${Duration.format(Duration.decode(timeout))}; it was terminated`,
                stdout: Buffer.concat(sink.stdout),
                stderr: Buffer.concat(sink.stderr)
              })
          })
        )
      }))

    const fsSandbox = yield* sandbox(undefined)

    /** The largest block whose `fs/writeBlock` message fits the server's limit. */
    const blockBytesFor = () => Math.max(1, Math.min(4 * 1024 * 1024, Math.floor((maxMessageBytes - 4096) * 3 / 4)))

    const open = (path: string, openOptions: { readonly mode?: "read" | "replace" } = {}) =>
      Effect.acquireRelease(
        Effect.gen(function*() {
          const handleId = `h-${process.pid}-${nextHandleNumber++}`
          yield* call("fs/open", { handleId, path, mode: openOptions.mode ?? "read", ...fsSandbox })
          let closed = false
          const handle: ClientFileHandle & { readonly closed: () => boolean } = {
            handleId,
            closed: () => closed,
            readBlock: (offset, length) =>
              Effect.map(call("fs/readBlock", { handleId, offset, len: length }), ({ chunk, eof }) => ({ chunk, eof })),
            writeBlock: (offset, data) => Effect.asVoid(call("fs/writeBlock", { handleId, offset, chunk: toBytes(data) })),
            close: Effect.suspend(() => {
              closed = true
              return Effect.asVoid(call("fs/close", { handleId, discard: false }))
            })
          }
          return handle
        }),
        // Not closed by its owner: dropped (a replacing handle leaves its target as it was).
        (handle) =>
          handle.closed() || closedBy !== undefined
            ? Effect.void
            : call("fs/close", { handleId: handle.handleId, discard: true }).pipe(Effect.timeout("5 seconds"), Effect.ignore)
      )

    const writeFileInBlocks = (path: string, data: Uint8Array) =>
      Effect.scoped(Effect.gen(function*() {
        const handle = yield* open(path, { mode: "replace" })
        const block = blockBytesFor()
        for (let offset = 0; offset < data.byteLength; offset += block) {
          yield* handle.writeBlock(offset, data.subarray(offset, offset + block))
        }
        yield* handle.close
      }))

    const readFileStream = (path: string, streamOptions: { readonly blockBytes?: number } = {}) =>
      Stream.unwrapScoped(Effect.map(open(path), (handle) => {
        const block = streamOptions.blockBytes ?? 4 * 1024 * 1024
        return Stream.paginateChunkEffect(0, (offset: number) =>
          Effect.map(handle.readBlock(offset, block), ({ chunk, eof }) => [
            chunk.byteLength === 0 ? Chunk.empty<Uint8Array>() : Chunk.of(chunk),
            eof ? Option.none<number>() : Option.some(offset + chunk.byteLength)
          ]))
      }))

    let lastWatchId = 0
    const watchMissing = (missing: ReadonlyArray<string>, watchOptions: { readonly present?: string } = {}) =>
      Effect.gen(function*() {
        const watchId = ++lastWatchId
        const changed = Deferred.unsafeMake<void, ClientError>(FiberId.none)
        let settled = false
        const settle = (outcome: Exit.Exit<void, ClientError>) => {
          settled = true
          Deferred.unsafeDone(changed, outcome)
        }
        yield* Effect.acquireRelease(
          Effect.sync(() => missingWatches.set(watchId, settle)),
          // Done with: a watch still installed is replaced by none.
          () =>
            Effect.suspend(() => {
              missingWatches.delete(watchId)
              return lastWatchId !== watchId || settled || closedBy !== undefined
                ? Effect.void
                : Effect.ignore(Effect.timeout(call("fs/watchMissing", { watchId: ++lastWatchId, missing: [] }), "5 seconds"))
            })
        )
        const { watching } = yield* call("fs/watchMissing", {
          watchId,
          missing,
          ...(watchOptions.present === undefined ? {} : { present: watchOptions.present })
        })
        if (!watching) settle(Exit.void)
        return { watching, changed: Deferred.await(changed) }
      })

    let nextPathWatch = 1
    const watch = (path: string, watchOptions: { readonly recursive?: boolean } = {}) =>
      Stream.unwrapScoped(Effect.gen(function*() {
        const watchId = `pw-${process.pid}-${nextPathWatch++}`
        const changes = yield* Mailbox.make<PathChanges, ClientError>()
        yield* Effect.acquireRelease(
          Effect.sync(() => pathWatches.set(watchId, changes)),
          () =>
            Effect.suspend(() => {
              pathWatches.delete(watchId)
              return closedBy !== undefined
                ? Effect.void
                : Effect.ignore(Effect.timeout(call("fs/unwatch", { watchId }), "5 seconds"))
            })
        )
        yield* call("fs/watch", { watchId, path, recursive: watchOptions.recursive ?? false, ...fsSandbox })
        return Mailbox.toStream(changes).pipe(
          Stream.map((batch): PathChanges => ({ changes: batch.changes, overflow: batch.overflow }))
        )
      }))

    const fs: ClientFileSystem = {
      watch,
      canonicalize: (path) =>
        Effect.map(call("fs/canonicalize", { path, ...fsSandbox }), (result) =>
          result.path.startsWith("file:") ? fileURLToPath(result.path) : result.path),
      walk: (path, walkOptions = {}) =>
        call("fs/walk", {
          path,
          options: {
            maxDepth: walkOptions.maxDepth ?? WALK_MAXIMUMS.maxDepth,
            maxDirectories: walkOptions.maxDirectories ?? WALK_MAXIMUMS.maxDirectories,
            maxEntries: walkOptions.maxEntries ?? WALK_MAXIMUMS.maxEntries,
            followDirectorySymlinks: walkOptions.followDirectorySymlinks ?? false,
            pruneHiddenDirectories: walkOptions.pruneHiddenDirectories ?? false
          },
          ...fsSandbox
        }),
      watchMissing,
      readFile: (path, range = {}) =>
        Effect.map(call("fs/readFile", { path, ...range, ...fsSandbox }), (result) => result.dataBase64),
      writeFile: (path, data) => {
        const bytes = toBytes(data)
        // Base64 takes 4 bytes for 3, and the message has a few hundred more.
        return Math.ceil(bytes.byteLength / 3) * 4 + 4096 > maxMessageBytes
          ? writeFileInBlocks(path, bytes)
          : Effect.asVoid(call("fs/writeFile", { path, dataBase64: bytes, ...fsSandbox }))
      },
      open,
      readFileStream,
      createDirectory: (path, createOptions = {}) =>
        Effect.asVoid(call("fs/createDirectory", { path, recursive: createOptions.recursive ?? true, ...fsSandbox })),
      getMetadata: (path) => call("fs/getMetadata", { path, ...fsSandbox }),
      readDirectory: (path) => Effect.map(call("fs/readDirectory", { path, ...fsSandbox }), (result) => result.entries),
      remove: (path, removeOptions = {}) =>
        Effect.asVoid(call("fs/remove", {
          path,
          recursive: removeOptions.recursive ?? false,
          force: removeOptions.force ?? false,
          ...fsSandbox
        })),
      copy: (sourcePath, destinationPath, copyOptions = {}) =>
        Effect.asVoid(call("fs/copy", { sourcePath, destinationPath, recursive: copyOptions.recursive ?? false, ...fsSandbox }))
    }

    let nextRequestNumber = 1
    const httpParams = (request: HttpRequest, requestId: string, streamResponse: boolean) => ({
      method: request.method ?? "GET",
      url: request.url,
      headers: (request.headers ?? []).map((header) => ({ name: header.name, value: header.value ?? "", ...(header.valueEnvVar === undefined ? {} : { valueEnvVar: header.valueEnvVar }) })),
      ...(request.body === undefined ? {} : { bodyBase64: toBytes(request.body) }),
      ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
      redirectPolicy: request.redirectPolicy ?? "follow",
      requestId,
      streamResponse
    })
    const http: ClientHttp = {
      request: (request) =>
        Effect.map(call("http/request", httpParams(request, `q-${nextRequestNumber++}`, false)), (result) => ({
          status: result.status,
          headers: result.headers,
          body: result.bodyBase64
        })),
      stream: (request) =>
        Effect.gen(function*() {
          const requestId = `s-${process.pid}-${nextRequestNumber++}`
          const body = yield* Mailbox.make<Uint8Array, ClientError>()
          // Listening before the request goes out: no delta can come first and be lost.
          yield* Effect.acquireRelease(
            Effect.sync(() =>
              bodyStreams.set(requestId, (delta) => {
                if (delta.deltaBase64.byteLength > 0) body.unsafeOffer(delta.deltaBase64)
                if (!delta.done) return
                bodyStreams.delete(requestId)
                body.unsafeDone(
                  delta.error === null
                    ? Exit.void
                    : Exit.fail(new InternalError({ message: `http/request body failed: ${delta.error}` }))
                )
              })
            ),
            () => Effect.sync(() => bodyStreams.delete(requestId))
          )
          const result = yield* call("http/request", httpParams(request, requestId, true)).pipe(
            Effect.tapError(() => Effect.sync(() => bodyStreams.delete(requestId)))
          )
          return { status: result.status, headers: result.headers, body: Mailbox.toStream(body) }
        })
    }

    const client: ExecServerClientShape = {
      server,
      http,
      environment: call("environment/info", {}),
      get sessionId() {
        return sessionId ?? server.sessionId
      },
      fs,
      call,
      start,
      process: attach,
      list: Effect.map(call("process/list", {}), (result) => result.processes),
      wait: (processId) => attach(processId).exited,
      communicate,
      exec
    }
    return client
  })

/** A client connected over WebSocket (reconnecting to the same URL). */
export const layerWebSocket = (
  options: ClientTransport.WebSocketClientOptions & ClientOptions
): Layer.Layer<ExecServerClient, ClientError | InitializeTimeout | ConnectError> =>
  Layer.scoped(ExecServerClient, make(ClientTransport.webSocket(options), options))

/**
 * A client of a server it spawns and owns (killed with its process group
 * when the layer closes). A server that dies takes its processes with it,
 * so this client does not reconnect.
 */
export const layerSpawnLocal = (
  options: ClientTransport.SpawnLocalOptions & Omit<ClientOptions, "reconnect" | "resumeSessionId"> = {}
): Layer.Layer<ExecServerClient, ClientError | InitializeTimeout | ConnectError> =>
  Layer.scoped(ExecServerClient, make(ClientTransport.spawnLocal(options), { ...options, reconnect: false }))
