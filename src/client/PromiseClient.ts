/**
 * The exec-server client for code that does not use Effect: every method
 * runs the Effect client's own effect to a Promise (one implementation of
 * the protocol). Rejections are the Effect client's tagged errors as they
 * are (`err._tag === "ExecServer/PathNotFound"`); an aborted `signal` rejects with an
 * `AbortError`.
 */
import type * as Rpc from "effect/rpc/Rpc"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Methods from "./methods.js"
import type {
  EnvironmentInfo,
  InitializeResult,
  PolicyDecisionNotification,
  ProcessInfo,
  ReadResult,
  SignalName,
  TerminalSize,
  WriteResult
} from "../protocol/schema.js"
import type { ClientError } from "./ClientError.js"
import * as ClientTransport from "./ClientTransport.js"
import * as ExecServerClient from "./ExecServerClient.js"
import { effectDecider, type PromisePolicyDecider } from "./network.js"
import type { ExitStatus, ProcessEvent } from "./ProcessChannel.js"
import { AbortError, type Abortable, asyncDispose, type Promised, promised, rejectionOf, run } from "./promiseRun.js"

export type { ExitStatus, ProcessEvent } from "./ProcessChannel.js"
export type { ExecResult, ManagedNetworkOptions, NetworkProxyInput } from "./ExecServerClient.js"
export { managedNetwork, PolicyDecisions, type PromisePolicyDecider } from "./network.js"
export { AbortError, type Abortable, isClientError, type PromiseClientError } from "./promiseRun.js"

/** The Effect client's options, with a decider that may answer with a Promise. */
export interface ClientOptions extends Omit<ExecServerClient.ClientOptions, "networkPolicyDecider"> {
  /** Answers the server's `network/policyRequest`; without it, the client answers that it serves none (a denial). */
  readonly networkPolicyDecider?: PromisePolicyDecider
}

/** The Effect client's options of these. */
const effectOptions = <Own extends Rpc.Any>(
  options: ClientOptions & ExecServerClient.OwnRpcs<Own>
): ExecServerClient.ClientOptions & ExecServerClient.OwnRpcs<Own> => {
  const { networkPolicyDecider, ...rest } = options
  return networkPolicyDecider === undefined ? rest : { ...rest, networkPolicyDecider: effectDecider(networkPolicyDecider) }
}


type FileSystemMethod =
  | "readFile"
  | "writeFile"
  | "createDirectory"
  | "getMetadata"
  | "readDirectory"
  | "remove"
  | "copy"
  | "canonicalize"
  | "walk"

/**
 * The host filesystem through the server (`fs/*`). Paths are absolute or
 * `file://` URIs. `writeFile` sends data too large for one message in
 * blocks (still atomic); `readFileStream` reads a file of any size in blocks.
 */
export type ClientFileSystem = { readonly [K in FileSystemMethod]: Promised<ExecServerClient.ClientFileSystem[K]> } & {
  readonly readFileStream: (path: string, options?: { readonly blockBytes?: number }) => AsyncIterable<Uint8Array>
  /** The changes under a path, in batches, for as long as the loop over them runs. */
  readonly watch: (path: string, options?: { readonly recursive?: boolean }) => AsyncIterable<ExecServerClient.PathChanges>
  /**
   * Watches paths believed missing (and one believed present): `changed`
   * resolves once that belief may be wrong (at once when not `watching`);
   * `close()` ends the watch.
   */
  readonly watchMissing: (
    missing: ReadonlyArray<string>,
    options?: { readonly present?: string }
  ) => Promise<{ readonly watching: boolean; readonly changed: Promise<void>; close(): Promise<void> }>
}

/** `http/request` through the server. */
export interface ClientHttp {
  readonly request: (request: ExecServerClient.HttpRequest) => Promise<ExecServerClient.HttpResponse<Uint8Array>>
  /** The response once its headers are in; its body as an `AsyncIterable`; `close()` stops listening. */
  readonly stream: (
    request: ExecServerClient.HttpRequest
  ) => Promise<ExecServerClient.HttpResponse<AsyncIterable<Uint8Array>> & { close(): Promise<void> }>
}

/** `start` options: the Effect client's, and a `signal` whose abort closes the handle (as `close()`). */
export type StartOptions = ExecServerClient.StartOptions & Abortable

/** `exec` options: the Effect client's (`timeout` in milliseconds or a duration string), and a `signal` whose abort terminates the process. */
export type ExecOptions = ExecServerClient.ExecOptions & Abortable

/** A process of the client's session. */
export interface Process {
  readonly processId: string
  /**
   * Its events in seq order, ending after `Closed` (a `Gap` stands for output
   * the server evicted before the client read it). One loop at a time;
   * leaving a loop early keeps the events it had not reached for the next one.
   */
  events(): AsyncIterable<ProcessEvent>
  /** The exit status, without consuming `events()`. */
  readonly exited: Promise<ExitStatus>
  write(data: Uint8Array | string): Promise<WriteResult>
  closeStdin(): Promise<WriteResult>
  /** Resolves with whether the process is still running (a graceful terminate gives it `graceMs`). */
  terminate(options?: Parameters<ExecServerClient.ProcessHandle["terminate"]>[0]): Promise<boolean>
  resize(size: TerminalSize): Promise<void>
  /** Resolves with whether the signal was delivered. */
  signal(signal: SignalName): Promise<boolean>
  read(options?: Parameters<ExecServerClient.ProcessHandle["read"]>[0]): Promise<ReadResult>
  /**
   * Its managed proxy's decisions (`network/policyDecision`) as they arrive,
   * the loop ending when the process closes; one loop at a time. Not
   * retained by the server (see the Effect client's `networkDecisions`).
   */
  networkDecisions(): AsyncIterable<PolicyDecisionNotification>
  /**
   * Terminates a process this handle started, unless it was `detached`;
   * a handle from `client.process(id)` owns nothing, and this does nothing.
   */
  close(): Promise<void>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * The client of one session; close it (or `await using` it) to let the
 * connection go. `Own`: the Rpcs of the application's own group (the option
 * `rpcs`), which `call` sends beside the protocol's.
 */
export interface Client<Own extends Rpc.Any = never> {
  /** The session's id: pass it as `resumeSessionId` to take the session over from another client. */
  readonly sessionId: string
  /** What the server answered to `initialize`. */
  readonly server: InitializeResult
  /**
   * Runs a command with pipes and collects its exit status and output (bytes,
   * or text with `encoding: "utf8"`); aborting `signal` terminates it.
   */
  exec(argv: ReadonlyArray<string>, options: ExecOptions & { readonly encoding: "utf8" }): Promise<ExecServerClient.ExecResult<string>>
  exec(argv: ReadonlyArray<string>, options?: ExecOptions & { readonly encoding?: undefined }): Promise<ExecServerClient.ExecResult>
  exec(argv: ReadonlyArray<string>, options?: ExecOptions): Promise<ExecServerClient.ExecResult<Uint8Array | string>>
  /** Starts a process owned by the returned handle: closing the handle, or the client, terminates it unless `detached`. */
  start(options: StartOptions): Promise<Process>
  /** The handle of a process of the session that this client did not start. */
  process(processId: string): Process
  list(): Promise<ReadonlyArray<ProcessInfo>>
  wait(processId: string): Promise<ExitStatus>
  /** Writes `input`, closes stdin and collects the output until the process closes (consumes its events). */
  communicate(processId: string, input?: Uint8Array | string): Promise<ExecServerClient.ExecResult>
  readonly fs: ClientFileSystem
  /** HTTP requests the server makes on the client's behalf. */
  readonly http: ClientHttp
  /** The server's host (`environment/info`). */
  environment(): Promise<EnvironmentInfo>
  /**
   * Sends any request of the protocol or of `Own`, its params in their
   * wire form (sent as given, see `ExecServerClient.call`) and its result
   * typed by its schema; a failure an `Own` method declares rejects as its
   * error schema decodes it.
   */
  call<Tag extends ExecServerClient.Method<Own>>(method: Tag, params: Methods.ParamsOf<Tag, Own>): Promise<Methods.ResultOf<Tag, Own>>
  /**
   * Every `method` notification while the loop over them runs, its params
   * decoded and typed by the protocol's schema (the Effect client's
   * `notifications`): `for await (const d of client.notifications("network/policyDecision"))`.
   * Each loop gets every notification from its start; leaving it stops
   * listening. An extension notification needs the `notifications` option.
   */
  notifications<Tag extends ExecServerClient.NotificationMethod>(method: Tag): AsyncIterable<ExecServerClient.NotificationPayload<Tag>>
  /** Terminates the processes it started (but detached ones) and closes the connection; later calls reject with `TransportClosed`. */
  close(): Promise<void>
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** `connect` options: the Effect client's, the WebSocket's, and a `signal` that cancels connecting. */
export interface ConnectOptions extends ClientOptions, Abortable {
  /** Sent as `Authorization: Bearer <token>`: a capability token, or a signed one (a JWT). */
  readonly token?: string
  /** A file holding the bearer token (whitespace trimmed), read at every connect. Ignored when `token` is given. */
  readonly tokenFile?: string
  readonly connectTimeoutMs?: number
}

/** `spawnLocal` options: those of the spawned server and of the client (which does not reconnect: the server dies with its processes). */
export type SpawnLocalOptions =
  & ClientTransport.SpawnLocalOptions
  & Omit<ClientOptions, "reconnect" | "resumeSessionId">
  & Abortable

class ProcessImpl implements Process {
  private readonly buffered: Array<ProcessEvent> = []
  private ended = false
  private iterating = false
  private exitedPromise: Promise<ExitStatus> | undefined
  private closing: Promise<void> | undefined

  /** `scope`: the one the handle was started in (closing it terminates the process unless detached). */
  constructor(private readonly handle: ExecServerClient.ProcessHandle, private readonly scope?: Scope.Closeable) {}

  get processId(): string {
    return this.handle.processId
  }

  // Made on first use: a rejection nobody asked for must not become an unhandled one.
  get exited(): Promise<ExitStatus> {
    return this.exitedPromise ??= run(this.handle.exited)
  }

  events(): AsyncIterable<ProcessEvent> {
    return { [Symbol.asyncIterator]: () => this.iterate() }
  }

  /** Pulls the stream chunk by chunk; events of a chunk a loop left unread stay for the next loop. */
  private async *iterate(): AsyncGenerator<ProcessEvent, void, undefined> {
    if (this.iterating) throw new Error(`the events of process ${this.processId} are already being read`)
    this.iterating = true
    const pullScope = Effect.runSync(Scope.make())
    try {
      const pull = await run(Scope.provide(Stream.toPull(this.handle.events), pullScope))
      while (true) {
        const next = this.buffered.shift()
        if (next !== undefined) {
          yield next
          continue
        }
        if (this.ended) return
        const exit = await Effect.runPromiseExit(pull)
        if (Exit.isSuccess(exit)) {
          this.buffered.push(...exit.value)
          continue
        }
        // The pull fails with `Done` at the end of the stream.
        const failure = Cause.findErrorOption(exit.cause)
        if (Option.isNone(failure)) throw Cause.squash(exit.cause)
        if (!Cause.isDone(failure.value)) throw failure.value
        this.ended = true
        return
      }
    } finally {
      this.iterating = false
      await Effect.runPromise(Scope.close(pullScope, Exit.void))
    }
  }

  write(data: Uint8Array | string): Promise<WriteResult> {
    return run(this.handle.write(data))
  }

  closeStdin(): Promise<WriteResult> {
    return run(this.handle.closeStdin)
  }

  terminate(options?: Parameters<ExecServerClient.ProcessHandle["terminate"]>[0]): Promise<boolean> {
    return run(this.handle.terminate(options))
  }

  resize(size: TerminalSize): Promise<void> {
    return run(this.handle.resize(size))
  }

  signal(signal: SignalName): Promise<boolean> {
    return run(this.handle.signal(signal))
  }

  read(options?: Parameters<ExecServerClient.ProcessHandle["read"]>[0]): Promise<ReadResult> {
    return run(this.handle.read(options))
  }

  networkDecisions(): AsyncIterable<PolicyDecisionNotification> {
    return Stream.toAsyncIterable(this.handle.networkDecisions)
  }

  close(): Promise<void> {
    const scope = this.scope
    if (scope === undefined) return Promise.resolve()
    return this.closing ??= run(Scope.close(scope, Exit.void))
  }

  [asyncDispose](): Promise<void> {
    return this.close()
  }
}

class ClientImpl<Own extends Rpc.Any> implements Client<Own> {
  private closing: Promise<void> | undefined
  readonly fs: ClientFileSystem
  readonly http: ClientHttp

  constructor(private readonly client: ExecServerClient.ExecServerClientShape<Own>, private readonly scope: Scope.Closeable) {
    const fs = client.fs
    this.fs = {
      readFile: promised(fs.readFile),
      writeFile: promised(fs.writeFile),
      createDirectory: promised(fs.createDirectory),
      getMetadata: promised(fs.getMetadata),
      readDirectory: promised(fs.readDirectory),
      remove: promised(fs.remove),
      copy: promised(fs.copy),
      canonicalize: promised(fs.canonicalize),
      walk: promised(fs.walk),
      readFileStream: (path, options) => Stream.toAsyncIterable(fs.readFileStream(path, options)),
      watch: (path, options) => Stream.toAsyncIterable(fs.watch(path, options)),
      watchMissing: (missing, options) =>
        this.scoped((scope) =>
          Effect.map(fs.watchMissing(missing, options).pipe(Scope.provide(scope)), (watch) => ({
            watching: watch.watching,
            changed: run(watch.changed)
          }))
        )
    }
    this.http = {
      request: promised(client.http.request),
      stream: (request) =>
        this.scoped((scope) =>
          Effect.map(client.http.stream(request).pipe(Scope.provide(scope)), (response) => ({
            ...response,
            body: Stream.toAsyncIterable(response.body)
          }))
        )
    }
  }

  /** Runs `make` in a scope of its own under the client's, closed by the result's `close()` (or with the client). */
  private scoped<A extends object>(
    make: (scope: Scope.Closeable) => Effect.Effect<A, ClientError>
  ): Promise<A & { close(): Promise<void> }> {
    return run(Effect.gen({ self: this }, function*() {
      const scope = yield* Scope.fork(this.scope, "sequential")
      const value = yield* make(scope).pipe(Effect.tapCause(() => Scope.close(scope, Exit.void)))
      let closing: Promise<void> | undefined
      return Object.assign(value, { close: () => closing ??= run(Scope.close(scope, Exit.void)) })
    }))
  }

  environment(): Promise<EnvironmentInfo> {
    return run(this.client.environment)
  }

  get sessionId(): string {
    return this.client.sessionId
  }

  get server(): InitializeResult {
    return this.client.server
  }

  exec(argv: ReadonlyArray<string>, options: ExecOptions & { readonly encoding: "utf8" }): Promise<ExecServerClient.ExecResult<string>>
  exec(argv: ReadonlyArray<string>, options?: ExecOptions & { readonly encoding?: undefined }): Promise<ExecServerClient.ExecResult>
  exec(argv: ReadonlyArray<string>, options?: ExecOptions): Promise<ExecServerClient.ExecResult<Uint8Array | string>>
  exec(argv: ReadonlyArray<string>, options: ExecOptions = {}): Promise<ExecServerClient.ExecResult<Uint8Array | string>> {
    const { signal, ...execOptions } = options
    return run(this.client.exec(argv, execOptions), signal)
  }

  async start(options: StartOptions): Promise<Process> {
    const { signal, ...startOptions } = options
    // A child of the client's scope: closing the client closes it (before the connection, forked later).
    const scope = Effect.runSync(Scope.fork(this.scope, "sequential"))
    let handle: ExecServerClient.ProcessHandle
    try {
      // The start itself is not interruptible: an abort meanwhile terminates the process once started.
      handle = await run(Scope.provide(this.client.start(startOptions), scope), signal)
    } catch (error) {
      await run(Scope.close(scope, Exit.void))
      throw error
    }
    const started = new ProcessImpl(handle, scope)
    if (signal !== undefined) {
      const onAbort = () => void started.close()
      signal.addEventListener("abort", onAbort, { once: true })
      Effect.runSync(Scope.addFinalizer(scope, Effect.sync(() => signal.removeEventListener("abort", onAbort))))
      if (signal.aborted) {
        await started.close()
        throw new AbortError(signal.reason)
      }
    }
    return started
  }

  process(processId: string): Process {
    return new ProcessImpl(this.client.process(processId))
  }

  list(): Promise<ReadonlyArray<ProcessInfo>> {
    return run(this.client.list)
  }

  wait(processId: string): Promise<ExitStatus> {
    return run(this.client.wait(processId))
  }

  communicate(processId: string, input?: Uint8Array | string): Promise<ExecServerClient.ExecResult> {
    return run(this.client.communicate(processId, input))
  }

  call<Tag extends ExecServerClient.Method<Own>>(method: Tag, params: Methods.ParamsOf<Tag, Own>): Promise<Methods.ResultOf<Tag, Own>> {
    return run(this.client.call(method, params))
  }

  notifications<Tag extends ExecServerClient.NotificationMethod>(method: Tag): AsyncIterable<ExecServerClient.NotificationPayload<Tag>> {
    return Stream.toAsyncIterable(this.client.notifications(method))
  }

  close(): Promise<void> {
    return this.closing ??= run(Scope.close(this.scope, Exit.void))
  }

  [asyncDispose](): Promise<void> {
    return this.close()
  }
}

/**
 * Makes a client in a scope of its own. An abort rejects at once, even while
 * the transport is in a step it cannot leave early; the attempt is cleaned
 * up as soon as it ends.
 */
const open = <Own extends Rpc.Any>(
  connector: ExecServerClient.Connector,
  options: ClientOptions & ExecServerClient.OwnRpcs<Own>,
  signal: AbortSignal | undefined
): Promise<Client<Own>> => {
  if (signal?.aborted === true) return Promise.reject(new AbortError(signal.reason))
  const scope = Effect.runSync(Scope.make())
  const closeScope = () => Effect.runPromise(Scope.close(scope, Exit.void))
  return new Promise<Client<Own>>((resolve, reject) => {
    const fiber = Effect.runFork(Scope.provide(ExecServerClient.make(connector, effectOptions(options)), scope))
    const onAbort = () => {
      reject(new AbortError(signal?.reason))
      void Effect.runPromise(Fiber.interrupt(fiber)).then(closeScope)
    }
    signal?.addEventListener("abort", onAbort, { once: true })
    fiber.addObserver((exit) => {
      signal?.removeEventListener("abort", onAbort)
      if (signal?.aborted === true) return
      if (Exit.isSuccess(exit)) return resolve(new ClientImpl(exit.value, scope))
      const rejection = rejectionOf(exit.cause, signal)
      void closeScope().then(() => reject(rejection))
    })
  })
}

/** Connects to a server over WebSocket (`ws://` or `wss://`); `rpcs`, the application's own group, adds its methods to `call`. */
export const connect = <Own extends Rpc.Any = never>(
  url: string,
  options: ConnectOptions & ExecServerClient.OwnRpcs<Own> = {}
): Promise<Client<Own>> => {
  const { signal, token, tokenFile, connectTimeoutMs, ...clientOptions } = options
  const transport = ClientTransport.webSocket({
    url,
    ...(token === undefined ? {} : { token }),
    ...(tokenFile === undefined ? {} : { tokenFile }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs })
  })
  return open(transport, clientOptions, signal)
}

/**
 * Connects through any connector, as `connect` does through a WebSocket: a
 * NATS environment's (`NatsConnector.make`, or `NatsConnector.connectPromise`).
 */
export const connectWith = <Own extends Rpc.Any = never>(
  connector: ExecServerClient.Connector,
  options: ClientOptions & ExecServerClient.OwnRpcs<Own> & Abortable = {}
): Promise<Client<Own>> => {
  const { signal, ...clientOptions } = options
  return open(connector, clientOptions, signal)
}

/** Spawns a server of its own and talks to it over its stdio; closing the client stops the server. */
export const spawnLocal = <Own extends Rpc.Any = never>(
  options: SpawnLocalOptions & ExecServerClient.OwnRpcs<Own> = {}
): Promise<Client<Own>> => {
  const { signal, ...rest } = options
  return open(ClientTransport.spawnLocal(rest), { ...rest, reconnect: false }, signal)
}
