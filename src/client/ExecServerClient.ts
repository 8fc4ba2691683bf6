/**
 * A typed Effect client of exec-server: one method per request, typed by the
 * protocol's schemas, per-process event streams demultiplexed from the
 * connection, and helpers (`exec`, `wait`, `communicate`) on top.
 */
import type * as Rpc from "@effect/rpc/Rpc"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { fromWireError } from "../protocol/errors.js"
import { ExecServerRpcs } from "../protocol/rpcs.js"
import type { ExecServerRpcs as ExecServerRpc } from "../protocol/rpcs.js"
import type {
  EnvPolicy,
  InitializeResult,
  OutputStream,
  ProcessInfo,
  ReadResult,
  SignalName,
  StartParams,
  TerminalSize,
  WriteResult
} from "../protocol/schema.js"
import { type CodexSandbox, SandboxRequest, type SandboxPolicy } from "../protocol/sandbox.js"
import { ClosedNotification, ExitedNotification, OutputNotification } from "../protocol/schema.js"
import { type ClientError, type ConnectTimeout, InitializeTimeout, ProtocolError, ServerError, TransportClosed } from "./ClientError.js"
import * as ClientTransport from "./ClientTransport.js"

type Rpcs = ExecServerRpc
type RpcOf<Tag extends string> = Extract<Rpcs, { readonly _tag: Tag }>
/** The names of the requests. */
export type Method = Rpcs["_tag"]

/** An event of one process, as the client delivers it. */
export type ProcessEvent =
  | { readonly _tag: "Output"; readonly seq: number; readonly stream: OutputStream; readonly bytes: Uint8Array }
  | {
    readonly _tag: "Exited"
    readonly seq: number
    readonly exitCode: number
    readonly signal: string | null
    readonly sandboxDenied: boolean
  }
  | { readonly _tag: "Closed"; readonly seq: number }

/** How a process ended. */
export interface ExitStatus {
  readonly exitCode: number
  readonly signal: string | null
  /** The process was sandboxed and most likely failed because the sandbox refused it something. */
  readonly sandboxDenied: boolean
}

/** What `exec` and `communicate` return. */
export interface ExecResult extends ExitStatus {
  readonly stdout: Uint8Array
  readonly stderr: Uint8Array
}

/** `process/start` params as the client takes them: `env`, `cwd` and `tty` have defaults. */
export interface StartOptions {
  readonly argv: ReadonlyArray<string>
  readonly cwd?: string
  /**
   * The child's environment: the whole of it, or what is laid over the
   * server-side `envPolicy` when one is given. Default: this process's
   * environment when there is no policy, nothing extra when there is one.
   */
  readonly env?: Readonly<Record<string, string>>
  /** Build the environment from the server's own (see PROTOCOL.md); fields default as there. */
  readonly envPolicy?: Partial<EnvPolicy>
  readonly tty?: boolean
  readonly pipeStdin?: boolean
  readonly arg0?: string
  readonly size?: TerminalSize
  /** Confine the process (see PROTOCOL.md, "Sandbox"); default: the client's `sandbox` option. */
  readonly sandbox?: SandboxInput
  /** A process id; default: a fresh one. */
  readonly processId?: string
}

/** A process of the client's session. */
export interface ProcessHandle {
  readonly processId: string
  /**
   * Its events in seq order, ending after `Closed`; fails with
   * `TransportClosed` if the connection goes first. One consumer.
   */
  readonly events: Stream.Stream<ProcessEvent, TransportClosed>
  /** Completes with the exit status (without consuming `events`). */
  readonly exited: Effect.Effect<ExitStatus, TransportClosed>
  readonly write: (data: Uint8Array | string) => Effect.Effect<WriteResult, ClientError>
  readonly closeStdin: Effect.Effect<WriteResult, ClientError>
  readonly terminate: (options?: { readonly mode?: "graceful" | "force"; readonly graceMs?: number }) => Effect.Effect<boolean, ClientError>
  readonly resize: (size: TerminalSize) => Effect.Effect<void, ClientError>
  readonly signal: (signal: SignalName) => Effect.Effect<boolean, ClientError>
  readonly read: (options?: { readonly afterSeq?: number; readonly maxBytes?: number; readonly waitMs?: number }) => Effect.Effect<ReadResult, ClientError>
}

/** The host filesystem through the server (`fs/*`). Paths are absolute or `file://` URIs. */
export interface ClientFileSystem {
  readonly readFile: (
    path: string,
    range?: { readonly offset?: number; readonly length?: number }
  ) => Effect.Effect<Uint8Array, ClientError>
  /** Written atomically (temporary file and rename). */
  readonly writeFile: (path: string, data: Uint8Array | string) => Effect.Effect<void, ClientError>
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

/** The client of one connection. */
export interface ExecServerClientShape {
  /** What the server answered to `initialize`. */
  readonly server: InitializeResult
  /** Sends any request, typed by its schema. */
  readonly call: <Tag extends Method>(
    method: Tag,
    params: Rpc.Payload<RpcOf<Tag>>
  ) => Effect.Effect<Rpc.Success<RpcOf<Tag>>, ClientError>
  readonly start: (options: StartOptions) => Effect.Effect<ProcessHandle, ClientError>
  /** The handle of a process of the session (for example one started before a resume). */
  readonly process: (processId: string) => ProcessHandle
  readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>, ClientError>
  /** Waits for a process to exit. */
  readonly wait: (processId: string) => Effect.Effect<ExitStatus, TransportClosed>
  /** Writes `input`, closes stdin and collects the output until the process closes (consumes its events). */
  readonly communicate: (processId: string, input?: Uint8Array | string) => Effect.Effect<ExecResult, ClientError>
  /** Runs a command with pipes and collects its exit status and output. */
  readonly exec: (argv: ReadonlyArray<string>, options?: Omit<StartOptions, "argv" | "tty">) => Effect.Effect<ExecResult, ClientError>
  readonly fs: ClientFileSystem
}

/** The exec-server client. */
export class ExecServerClient extends Context.Tag("effect-exec-server/ExecServerClient")<
  ExecServerClient,
  ExecServerClientShape
>() {}

/** Options shared by every way of connecting. */
export interface ClientOptions {
  readonly clientName?: string
  readonly initializeTimeoutMs?: number
  /** The sandbox of every process this client starts and every fs call it makes, unless a start says otherwise. */
  readonly sandbox?: SandboxInput
}

interface ProcessState {
  readonly events: Mailbox.Mailbox<ProcessEvent, TransportClosed>
  readonly exited: Deferred.Deferred<ExitStatus, TransportClosed>
  /** Events that came ahead of a missing seq, delivered once the gap fills. */
  readonly held: Map<number, ProcessEvent>
  nextSeq: number
}

/** A `sandbox` as a client writes it: either form, with its optional fields left out. */
export type SandboxInput = typeof CodexSandbox.Encoded | typeof SandboxPolicy.Encoded
const decodeSandbox = Schema.decodeUnknown(SandboxRequest)

const decodeOutput = Schema.decodeUnknownOption(OutputNotification)
const decodeExited = Schema.decodeUnknownOption(ExitedNotification)
const decodeClosed = Schema.decodeUnknownOption(ClosedNotification)

const toBytes = (data: Uint8Array | string) => typeof data === "string" ? new TextEncoder().encode(data) : data

let nextProcessNumber = 1

/** Makes a client over a connected transport: performs the handshake, routes responses and events. */
export const make = (
  transport: ClientTransport.ClientTransport,
  options: ClientOptions = {}
): Effect.Effect<ExecServerClientShape, InitializeTimeout | ClientError, Scope.Scope> =>
  Effect.gen(function*() {
    const pending = new Map<number, { readonly method: string; readonly reply: Deferred.Deferred<unknown, ClientError> }>()
    const processes = new Map<string, ProcessState>()
    let closedBy: TransportClosed | undefined
    let nextId = 1

    const stateOf = (processId: string): ProcessState => {
      let state = processes.get(processId)
      if (state === undefined) {
        state = {
          events: Effect.runSync(Mailbox.make<ProcessEvent, TransportClosed>()),
          exited: Deferred.unsafeMake<ExitStatus, TransportClosed>(FiberId.none),
          held: new Map(),
          nextSeq: 1
        }
        processes.set(processId, state)
      }
      return state
    }

    const deliver = (state: ProcessState, event: ProcessEvent) => {
      state.events.unsafeOffer(event)
      if (event._tag === "Exited") {
        Deferred.unsafeDone(
          state.exited,
          Exit.succeed({ exitCode: event.exitCode, signal: event.signal, sandboxDenied: event.sandboxDenied })
        )
      }
      if (event._tag === "Closed") state.events.unsafeDone(Exit.void)
    }

    // Delivers in seq order even from a server that sends events out of order.
    const route = (processId: string, event: ProcessEvent) => {
      const state = stateOf(processId)
      if (event.seq < state.nextSeq) return
      state.held.set(event.seq, event)
      let next: ProcessEvent | undefined
      while ((next = state.held.get(state.nextSeq)) !== undefined) {
        state.held.delete(state.nextSeq)
        state.nextSeq++
        deliver(state, next)
      }
      if (event._tag === "Closed" && state.held.size > 0) {
        for (const seq of [...state.held.keys()].sort((a, b) => a - b)) deliver(state, state.held.get(seq)!)
        state.held.clear()
      }
    }

    const onMessage = (message: unknown) => {
      if (typeof message !== "object" || message === null) return
      const m = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } }
      if (typeof m.method === "string") {
        const output = m.method === "process/output" ? decodeOutput(m.params) : Option.none()
        if (Option.isSome(output)) {
          const p = output.value
          return route(p.processId, { _tag: "Output", seq: p.seq, stream: p.stream, bytes: p.chunk })
        }
        const exited = m.method === "process/exited" ? decodeExited(m.params) : Option.none()
        if (Option.isSome(exited)) {
          const p = exited.value
          return route(p.processId, {
            _tag: "Exited",
            seq: p.seq,
            exitCode: p.exitCode,
            signal: p.signal ?? null,
            sandboxDenied: p.sandboxDenied
          })
        }
        const closed = m.method === "process/closed" ? decodeClosed(m.params) : Option.none()
        if (Option.isSome(closed)) return route(closed.value.processId, { _tag: "Closed", seq: closed.value.seq })
        return
      }
      if (typeof m.id !== "number") return
      const waiter = pending.get(m.id)
      if (waiter === undefined) return
      pending.delete(m.id)
      if (m.error !== undefined) {
        const error = fromWireError(m.error) ?? new ServerError({ method: waiter.method, ...m.error })
        Deferred.unsafeDone(waiter.reply, Exit.fail(error))
      } else {
        Deferred.unsafeDone(waiter.reply, Exit.succeed(m.result))
      }
    }

    const failEverything = (error: TransportClosed) =>
      Effect.sync(() => {
        closedBy = error
        for (const { reply } of pending.values()) Deferred.unsafeDone(reply, Exit.fail(error))
        pending.clear()
        for (const state of processes.values()) {
          state.events.unsafeDone(Exit.fail(error))
          Deferred.unsafeDone(state.exited, Exit.fail(error))
        }
      })

    yield* transport.incoming.pipe(
      Stream.runForEach((text) =>
        Effect.sync(() => {
          let parsed: unknown
          try {
            parsed = JSON.parse(text)
          } catch {
            return
          }
          if (Array.isArray(parsed)) parsed.forEach(onMessage)
          else onMessage(parsed)
        })
      ),
      Effect.flatMap(() => failEverything(new TransportClosed({ message: "the server closed the connection" }))),
      Effect.catchAll(failEverything),
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() => failEverything(new TransportClosed({ message: "the client was closed" })))

    const request = (method: string, params: unknown): Effect.Effect<unknown, ClientError> =>
      Effect.suspend(() => {
        if (closedBy !== undefined) return Effect.fail(closedBy)
        const id = nextId++
        const reply = Deferred.unsafeMake<unknown, ClientError>(FiberId.none)
        pending.set(id, { method, reply })
        return transport.send([JSON.stringify({ id, method, params })]).pipe(
          Effect.zipRight(Deferred.await(reply)),
          Effect.onInterrupt(() => Effect.sync(() => pending.delete(id)))
        )
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
            Effect.mapError((error) =>
              new ProtocolError({ message: `unexpected ${method} result: ${error.message}` })
            )
          )
        )
      ) as Effect.Effect<Rpc.Success<RpcOf<Tag>>, ClientError>
    }

    const server = yield* call("initialize", { clientName: options.clientName ?? "effect-exec-server-client" }).pipe(
      Effect.timeoutFail({
        duration: options.initializeTimeoutMs ?? 10_000,
        onTimeout: () => new InitializeTimeout({ message: `no initialize response within ${options.initializeTimeoutMs ?? 10_000} ms` })
      })
    )
    yield* transport.send([JSON.stringify({ method: "initialized", params: {} })])

    const handle = (processId: string): ProcessHandle => {
      const state = stateOf(processId)
      return {
        processId,
        events: Mailbox.toStream(state.events),
        exited: Deferred.await(state.exited),
        write: (data) => call("process/write", { processId, chunk: toBytes(data) }),
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

    /** The `sandbox` field of a request: the one given, else the client's default, else none. */
    const sandbox = (given: SandboxInput | undefined): Effect.Effect<{ readonly sandbox?: SandboxRequest }, ProtocolError> => {
      const chosen = given ?? options.sandbox
      return chosen === undefined ? Effect.succeed({}) : decodeSandbox(chosen).pipe(
        Effect.map((decoded) => ({ sandbox: decoded })),
        Effect.mapError((error) => new ProtocolError({ message: `invalid sandbox: ${error.message}` }))
      )
    }

    const start = (startOptions: StartOptions) =>
      Effect.gen(function*() {
        const processId = startOptions.processId ?? `client-${process.pid}-${nextProcessNumber++}`
        // Registered before the request, so no early event is missed.
        stateOf(processId)
        const params: StartParams = {
          processId,
          argv: startOptions.argv,
          cwd: startOptions.cwd ?? process.cwd(),
          env: startOptions.env ?? (startOptions.envPolicy === undefined ? process.env as Record<string, string> : {}),
          ...(startOptions.envPolicy === undefined ? {} : {
            envPolicy: {
              inherit: startOptions.envPolicy.inherit ?? "all",
              ignoreDefaultExcludes: startOptions.envPolicy.ignoreDefaultExcludes ?? false,
              exclude: startOptions.envPolicy.exclude ?? [],
              includeOnly: startOptions.envPolicy.includeOnly ?? [],
              set: startOptions.envPolicy.set ?? {}
            }
          }),
          tty: startOptions.tty ?? false,
          pipeStdin: startOptions.pipeStdin ?? false,
          ...(startOptions.arg0 === undefined ? {} : { arg0: startOptions.arg0 }),
          ...(startOptions.size === undefined ? {} : { size: startOptions.size }),
          ...(yield* sandbox(startOptions.sandbox))
        }
        yield* call("process/start", params).pipe(
          Effect.tapError(() => Effect.sync(() => processes.delete(processId)))
        )
        return handle(processId)
      })

    const collect = (processHandle: ProcessHandle): Effect.Effect<ExecResult, TransportClosed> =>
      processHandle.events.pipe(
        Stream.runFold(
          { stdout: [] as Array<Uint8Array>, stderr: [] as Array<Uint8Array>, status: undefined as ExitStatus | undefined },
          (acc, event) => {
            if (event._tag === "Output") (event.stream === "stderr" ? acc.stderr : acc.stdout).push(event.bytes)
            if (event._tag === "Exited") {
              acc.status = { exitCode: event.exitCode, signal: event.signal, sandboxDenied: event.sandboxDenied }
            }
            return acc
          }
        ),
        Effect.map((acc) => ({
          exitCode: acc.status?.exitCode ?? -1,
          signal: acc.status?.signal ?? null,
          sandboxDenied: acc.status?.sandboxDenied ?? false,
          stdout: Buffer.concat(acc.stdout),
          stderr: Buffer.concat(acc.stderr)
        }))
      )

    const communicate = (processId: string, input?: Uint8Array | string) =>
      Effect.gen(function*() {
        const processHandle = handle(processId)
        if (input !== undefined) yield* processHandle.write(input)
        yield* processHandle.closeStdin
        return yield* collect(processHandle)
      })

    const fsSandbox = yield* sandbox(undefined)
    const fs: ClientFileSystem = {
      readFile: (path, range = {}) =>
        Effect.map(call("fs/readFile", { path, ...range, ...fsSandbox }), (result) => result.dataBase64),
      writeFile: (path, data) => Effect.asVoid(call("fs/writeFile", { path, dataBase64: toBytes(data), ...fsSandbox })),
      createDirectory: (path, options = {}) =>
        Effect.asVoid(call("fs/createDirectory", { path, recursive: options.recursive ?? true, ...fsSandbox })),
      getMetadata: (path) => call("fs/getMetadata", { path, ...fsSandbox }),
      readDirectory: (path) => Effect.map(call("fs/readDirectory", { path, ...fsSandbox }), (result) => result.entries),
      remove: (path, options = {}) =>
        Effect.asVoid(call("fs/remove", {
          path,
          recursive: options.recursive ?? false,
          force: options.force ?? false,
          ...fsSandbox
        })),
      copy: (sourcePath, destinationPath, options = {}) =>
        Effect.asVoid(call("fs/copy", { sourcePath, destinationPath, recursive: options.recursive ?? false, ...fsSandbox }))
    }

    const client: ExecServerClientShape = {
      server,
      fs,
      call,
      start,
      process: handle,
      list: Effect.map(call("process/list", {}), (result) => result.processes),
      wait: (processId) => handle(processId).exited,
      communicate,
      exec: (argv, execOptions = {}) =>
        Effect.flatMap(start({ ...execOptions, argv, tty: false }), (processHandle) => collect(processHandle))
    }
    return client
  })

/** A client connected over WebSocket. */
export const layerWebSocket = (
  options: ClientTransport.WebSocketClientOptions & ClientOptions
): Layer.Layer<ExecServerClient, ClientError | InitializeTimeout | ConnectTimeout> =>
  Layer.scoped(ExecServerClient, Effect.flatMap(ClientTransport.webSocket(options), (transport) => make(transport, options)))

/** A client of a server it spawns and owns (killed with its process group when the layer closes). */
export const layerSpawnLocal = (
  options: ClientTransport.SpawnLocalOptions & ClientOptions = {}
): Layer.Layer<ExecServerClient, ClientError | InitializeTimeout> =>
  Layer.scoped(ExecServerClient, Effect.flatMap(ClientTransport.spawnLocal(options), (transport) => make(transport, options)))

