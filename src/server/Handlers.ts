/**
 * The handlers of every request and client notification, made with
 * `Group.toHandlersContext`, once per server. What a request needs of its
 * connection (its `ClientSession`, the `Connection`, the request's
 * `ResponseHooks`) the dispatcher puts in each request's context; exec
 * methods are refused until the handshake is done.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type { RpcClientError } from "@effect/rpc/RpcClientError"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Context from "effect/Context"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { pathToFileURL } from "node:url"
import * as FileOperations from "../fs/FileOperations.js"
import { InternalError, InvalidParams, InvalidRequest, SandboxDenied, SandboxUnavailable } from "../protocol/errors.js"
import type { SandboxRequest } from "../protocol/sandbox.js"
import { type Access as SandboxedFsAccess, check as checkSandboxed, SandboxedFs, type WorkerClient } from "../fs/SandboxedFs.js"
import type { WorkerError } from "../fs/WorkerRpcs.js"
import { accessAt, type Confinement, realPathOf, resolve as resolveSandbox, showsAnythingAt, UNCONFINED } from "../sandbox/policy.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import { ClientNotificationRpcs, FsRpcs, HandshakeRpcs, HttpBodyDelta, HttpRpcs, MissingChanged, PathsChanged, ProcessRpcs } from "../protocol/rpcs.js"
import { check, exchange, failureOf } from "../http/HttpExchange.js"
import type { ProcessActor } from "../process/ProcessActor.js"
import type { WriteStatus } from "../protocol/schema.js"
import { afterResponse, Connection, encodeNotificationOf, type ResponseHooks } from "../jsonrpc/Connection.js"
import { makeMissingWatcher, type MissingWatcher } from "../fs/MissingWatch.js"
import {
  DEFAULT_MAX_SERVER_WATCH_DIRECTORIES,
  defaultPathWatchOptions,
  makePathWatcher,
  type PathWatcher,
  WatchBudget
} from "../fs/PathWatch.js"
import { ClientSession, type ConnectionResource } from "./ClientSession.js"
import { environmentInfo } from "./environmentInfo.js"
import { ServerConfig } from "./ServerConfig.js"

const writeResult = (status: WriteStatus) => ({ accepted: status === "accepted", status })

/** -32600 unless the current connection's handshake is complete. */
const requireReady = Effect.flatMap(ClientSession, (session) => session.requireReady)

/** `initialize`, and what it tells about the host: `environment/info`, `environment/status`. */
const handshakeHandlers = HandshakeRpcs.toHandlersContext(Effect.gen(function*() {
  const config = yield* ServerConfig
  const sandboxedFiles = Option.isSome(yield* Effect.serviceOption(SandboxedFs))
  const http = Option.isSome(yield* Effect.serviceOption(HttpClient.HttpClient))
  const info = () =>
    environmentInfo({ version: config.serverVersion, environment: config.environment ?? process.env, sandboxedFiles, http })
  return {
    initialize: (params) =>
      Effect.flatMap(ClientSession, (session) =>
        Effect.map(session.initialize(params), (result) => ({ ...result, environmentInfo: info() }))),
    "environment/info": () => Effect.as(requireReady, info()),
    "environment/status": () => Effect.as(requireReady, { status: "ready" as const })
  }
}))

/** `initialized`. */
const clientNotificationHandlers = ClientNotificationRpcs.toHandlersContext({
  initialized: () => Effect.flatMap(ClientSession, (session) => session.initialized)
})

/** `process/*`. */
const processHandlers = ProcessRpcs.toHandlersContext(Effect.gen(function*() {
  const config = yield* ServerConfig
  const processes = Effect.flatMap(ClientSession, (session) => session.processes)
  /** The process, or -32600 for an unknown id. */
  const processOf = (processId: string) => Effect.flatMap(processes, (table) => table.get(processId))
  /** `use` of the process, or `unknown` when the id is not known (these methods answer, not fail). */
  const withKnownProcess = <A, E>(
    processId: string,
    unknown: A,
    use: (actor: ProcessActor) => Effect.Effect<A, E>
  ) =>
    Effect.flatMap(processes, (table) =>
      Option.match(table.find(processId), { onNone: () => Effect.succeed(unknown), onSome: use }))
  return {
    "process/start": (params) =>
      processes.pipe(
        Effect.flatMap((table) => table.start(params)),
        // Events wait until the start response is on its way to the client.
        Effect.tap((actor) => afterResponse(actor.release)),
        Effect.map((actor) => ({ processId: actor.processId, sandboxType: actor.sandboxType }))
      ),
    "process/write": ({ chunk, processId, writeId }) =>
      withKnownProcess(processId, writeResult("unknownProcess"), (actor) =>
        Effect.map(actor.write(chunk, writeId), writeResult)),
    "process/read": ({ afterSeq, maxBytes, processId, waitMs }) =>
      Effect.flatMap(processOf(processId), (actor) => actor.read({ afterSeq: afterSeq ?? 0, maxBytes, waitMs: waitMs ?? 0 })),
    "process/terminate": ({ graceMs, mode, processId }) =>
      withKnownProcess(processId, { running: false }, (actor) =>
        Effect.map(actor.terminate(mode, graceMs ?? config.graceMs), (running) => ({ running }))),
    "process/resize": ({ cols, processId, rows }) =>
      processOf(processId).pipe(
        Effect.flatMap((actor) =>
          actor.tty
            ? actor.resize({ rows, cols })
            : Effect.fail(new InvalidRequest({ message: `process ${processId} has no terminal to resize` }))
        ),
        Effect.as({})
      ),
    "process/closeStdin": ({ processId }) =>
      withKnownProcess(processId, writeResult("unknownProcess"), (actor) => Effect.map(actor.closeStdin, writeResult)),
    "process/signal": ({ processId, signal }) =>
      processOf(processId).pipe(
        Effect.flatMap((actor) => actor.signal(signal)),
        Effect.map((delivered) => ({ delivered }))
      ),
    "process/list": () =>
      processes.pipe(
        Effect.flatMap((table) => table.list),
        Effect.map((processes) => ({ processes }))
      )
  }
}))

/** A connection's watchers of `fs/watchMissing` and of `fs/watch`. */
const MISSING_WATCHER: ConnectionResource<MissingWatcher> = { name: "missing-path watcher" }
const PATH_WATCHER: ConnectionResource<PathWatcher> = { name: "path watcher" }
/** The request ids of a connection's HTTP streams that have not ended. */
const HTTP_STREAMS: ConnectionResource<Set<string>> = { name: "HTTP streams" }

/** The most one `fs/readBlock` returns (its answer stays well under the usual message limit). */
const MAX_BLOCK_BYTES = 8 * 1024 * 1024

/** `fs/*`, on the host's `FileSystem`, or in a sandboxed worker when a sandbox applies. */
const fsHandlers = FsRpcs.toHandlersContext(Effect.gen(function*() {
  const config = yield* ServerConfig
  const fileSystem = yield* FileSystem.FileSystem
  const sandbox = Option.getOrUndefined(yield* Effect.serviceOption(Sandbox))
  const sandboxedFs = Option.getOrUndefined(yield* Effect.serviceOption(SandboxedFs))
  const ready = requireReady
  const files = Effect.flatMap(ClientSession, (session) => session.files)
  // Every connection's watches draw on one budget of directories: what is bounded is the server.
  const watchBudget = new WatchBudget(DEFAULT_MAX_SERVER_WATCH_DIRECTORIES)
  // Made when refused, not per connection: an error captures a stack trace.
  const unavailable = () =>
    new SandboxUnavailable({
      message: "sandbox unavailable, nothing was done: this server has no sandboxed file operations"
    })
  /** The request's sandbox and the operator's; without the service, any confinement is refused. */
  const confinementOf = (request: SandboxRequest | undefined): Effect.Effect<Confinement, InvalidParams | SandboxUnavailable> =>
    sandbox !== undefined
      ? sandbox.confinementOf(request, {})
      : request === undefined
      ? Effect.succeed(UNCONFINED)
      : Effect.flatMap(resolveSandbox(request), (confinement) =>
        confinement._tag === "Unconfined" ? Effect.succeed(confinement) : Effect.fail(unavailable()))
  /** The policy a worker must enforce; none when nothing confines, or the policy leaves the whole file system writable. */
  const workerPolicyOf = (confinement: Confinement) =>
    confinement._tag === "Unconfined" || confinement.policy.rules.every((rule) => rule.access === "write")
      ? undefined
      : confinement.policy
  /**
   * Runs `local` on the host, or (confined) `op` in a sandboxed worker,
   * as `call` asks it.
   */
  const run = <A>(
    request: SandboxRequest | undefined,
    local: Effect.Effect<A, FileOperations.FsError, FileSystem.FileSystem>,
    confined: {
      readonly access: SandboxedFsAccess
      readonly operation: string
      readonly call: (worker: WorkerClient) => Effect.Effect<A, WorkerError | RpcClientError>
    }
  ) =>
    Effect.gen(function*() {
      yield* ready
      const policy = workerPolicyOf(yield* confinementOf(request))
      if (policy === undefined) return yield* Effect.provideService(local, FileSystem.FileSystem, fileSystem)
      if (sandboxedFs === undefined) return yield* unavailable()
      return yield* sandboxedFs.run(policy, confined.access, confined.operation, confined.call)
    })
  const fileOf = (handleId: string) => Effect.flatMap(files, (table) => table.get(handleId))
  // Each connection's watchers, made when it first watches something.
  const missingWatcher = Effect.flatMap(Effect.zip(ClientSession, Connection), ([session, connection]) =>
    session.resource(
      MISSING_WATCHER,
      makeMissingWatcher((watchId) => connection.send(encodeNotificationOf(MissingChanged, { watchId }))).pipe(
        Effect.provideService(FileSystem.FileSystem, fileSystem)
      )
    ))
  const pathWatcher = Effect.flatMap(Effect.zip(ClientSession, Connection), ([session, connection]) =>
    session.resource(
      PATH_WATCHER,
      makePathWatcher(
        (changes) => connection.send(encodeNotificationOf(PathsChanged, changes)),
        connection.flow,
        defaultPathWatchOptions(watchBudget)
      )
    ))
  const reads = (...paths: Array<string>): SandboxedFsAccess => ({ reads: paths, writes: [] })
  const writes = (...paths: Array<string>): SandboxedFsAccess => ({ reads: [], writes: paths })
  return {
    "fs/readFile": ({ length, offset, path, sandbox }) =>
      Effect.map(
        run(sandbox, FileOperations.readFile(path, { offset, length }, config.maxReadFileBytes), {
          access: reads(path),
          operation: "fs/readFile",
          call: (worker) => worker.readFile({ path, offset, length, maxBytes: config.maxReadFileBytes })
        }),
        (dataBase64) => ({ dataBase64 })
      ),
    "fs/writeFile": ({ dataBase64, path, sandbox }) =>
      Effect.as(
        run(sandbox, FileOperations.writeFile(path, dataBase64), {
          access: writes(path),
          operation: "fs/writeFile",
          call: (worker) => worker.writeFile({ path, data: dataBase64 })
        }),
        {}
      ),
    "fs/createDirectory": ({ path, recursive, sandbox }) =>
      Effect.as(
        run(sandbox, FileOperations.createDirectory(path, recursive), {
          access: writes(path),
          operation: "fs/createDirectory",
          call: (worker) => worker.createDirectory({ path, recursive })
        }),
        {}
      ),
    "fs/getMetadata": ({ path, sandbox }) =>
      run(sandbox, FileOperations.getMetadata(path), {
        access: reads(path),
        operation: "fs/getMetadata",
        call: (worker) => worker.getMetadata({ path })
      }),
    "fs/readDirectory": ({ path, sandbox }) =>
      run(sandbox, FileOperations.readDirectory(path), {
        access: reads(path),
        operation: "fs/readDirectory",
        call: (worker) => worker.readDirectory({ path })
      }),
    "fs/remove": ({ force, path, recursive, sandbox }) =>
      Effect.as(
        run(sandbox, FileOperations.remove(path, { recursive, force }), {
          access: writes(path),
          operation: "fs/remove",
          call: (worker) => worker.remove({ path, recursive, force })
        }),
        {}
      ),
    "fs/copy": ({ destinationPath, recursive, sandbox, sourcePath }) =>
      Effect.as(
        run(sandbox, FileOperations.copy(sourcePath, destinationPath, recursive), {
          access: { reads: [sourcePath], writes: [destinationPath] },
          operation: "fs/copy",
          call: (worker) => worker.copy({ sourcePath, destinationPath, recursive })
        }),
        {}
      ),
    "fs/watch": ({ path, recursive, sandbox, watchId }) =>
      Effect.gen(function*() {
        yield* ready
        const confinement = yield* confinementOf(sandbox)
        if (confinement._tag === "Unconfined") {
          yield* (yield* pathWatcher).watch(watchId, path, { recursive })
          return { watchId }
        }
        const policy = confinement.policy
        // As fs/getMetadata: checked resolved before anything is looked at;
        // the watcher checks the root again as it resolves, and what a
        // sandbox hides (by real path) is neither watched nor reported.
        yield* checkSandboxed("fs/watch", policy, { reads: [path], writes: [] })
        yield* (yield* pathWatcher).watch(watchId, path, {
          recursive,
          view: {
            shows: (real) => accessAt(policy, real) !== "none",
            showsAnythingAt: (real) => showsAnythingAt(policy, real)
          }
        })
        return { watchId }
      }),
    "fs/unwatch": ({ watchId }) =>
      Effect.as(Effect.zipRight(ready, Effect.flatMap(pathWatcher, (watcher) => watcher.unwatch(watchId))), {}),
    "fs/watchMissing": ({ missing, present, sandbox, watchId }) =>
      Effect.gen(function*() {
        yield* ready
        const confinement = yield* confinementOf(sandbox)
        const watcher = yield* missingWatcher
        if (confinement._tag === "Unconfined") return { watching: yield* watcher.watch({ watchId, missing, present }) }
        const policy = confinement.policy
        // Checked before anything is looked at (a refusal changes nothing, the
        // watch in place stays): that a denied path exists, appears or changes
        // is not the caller's to know. A missing path is watched as resolved
        // (symlinks, `..`), so what is watched is what was checked; the present
        // one is watched as an entry (a symlink itself), which must be visible
        // as well as what it leads to.
        yield* checkSandboxed("fs/watchMissing", policy, {
          reads: present === undefined ? missing : [...missing, present],
          writes: [],
          entries: present === undefined ? [] : [present]
        })
        const watching = yield* watcher.watch({
          watchId,
          missing: missing.map((path) => realPathOf(path)),
          present: present === undefined ? undefined : realPathOf(present, false),
          visible: (path) => accessAt(policy, realPathOf(path)) !== "none"
        })
        return { watching }
      }),
    "fs/walk": ({ options, path, sandbox }) =>
      run(sandbox, FileOperations.walk(path, options), {
        access: reads(path),
        operation: "fs/walk",
        call: (worker) => worker.walk({ path, options })
      }),
    "fs/canonicalize": ({ path, sandbox }) =>
      Effect.map(
        run(sandbox, FileOperations.canonicalize(path), {
          access: reads(path),
          operation: "fs/canonicalize",
          call: (worker) => worker.canonicalize({ path })
        }),
        (real) => ({ path: pathToFileURL(real).href })
      ),
    "fs/open": ({ handleId, mode, path, sandbox }) =>
      Effect.gen(function*() {
        const table = yield* files
        const policy = workerPolicyOf(yield* confinementOf(sandbox))
        if (policy === undefined) {
          yield* table.open(handleId, FileOperations.openFile(path, mode, MAX_BLOCK_BYTES))
        } else {
          if (sandboxedFs === undefined) return yield* unavailable()
          yield* table.open(handleId, sandboxedFs.openFile(policy, path, mode, MAX_BLOCK_BYTES))
        }
        return { handleId }
      }),
    "fs/readBlock": ({ handleId, len, offset }) =>
      Effect.flatMap(fileOf(handleId), (file) => file.readBlock(offset, len)),
    "fs/writeBlock": ({ chunk, handleId, offset }) =>
      Effect.as(Effect.flatMap(fileOf(handleId), (file) => file.writeBlock(offset, chunk)), {}),
    "fs/close": ({ discard, handleId }) => Effect.as(Effect.flatMap(files, (table) => table.close(handleId, discard)), {})
  }
}))

/** The most one `http/request/bodyDelta` carries (as the reference). */
const MAX_BODY_DELTA_BYTES = 1024 * 1024

/**
 * `http/request`, on the platform's HttpClient when the server has one. A
 * buffered body is read up to the server's limit; a streamed one goes out as
 * `http/request/bodyDelta` notifications after the response, under the
 * connection's flow control (a client that falls behind stops the body being
 * read), and ends with the connection.
 */
const httpHandlers = HttpRpcs.toHandlersContext(Effect.gen(function*() {
  const config = yield* ServerConfig
  const httpClient = Option.getOrUndefined(yield* Effect.serviceOption(HttpClient.HttpClient))

  /** Waits while the client is behind. */
  const flowing = (connection: typeof Connection.Service) => Effect.async<void>((resume) => {
    if (!connection.flow.paused()) return resume(Effect.void)
    const unsubscribe = connection.flow.subscribe((paused) => {
      if (paused) return
      unsubscribe()
      resume(Effect.void)
    })
    return Effect.sync(unsubscribe)
  })

  const timedOut = (timeoutMs: number) => new InternalError({ message: `http/request failed: timed out after ${timeoutMs} ms` })
  /** `effect` within `remainingMs` of the request's deadline of `timeoutMs` (the one the error names). */
  const withDeadline = <A, E, R>(effect: Effect.Effect<A, E, R>, timeoutMs: number | undefined, remainingMs = timeoutMs) =>
    timeoutMs === undefined || remainingMs === undefined
      ? effect
      : Effect.timeoutFail(effect, { duration: remainingMs, onTimeout: () => timedOut(timeoutMs) })

  const headersOf = (response: HttpClientResponse.HttpClientResponse) =>
    Object.entries(response.headers).map(([name, value]) => ({ name, value }))

  const readBody = (response: HttpClientResponse.HttpClientResponse) =>
    response.stream.pipe(
      Stream.mapError(failureOf),
      Stream.runFoldEffect({ chunks: [] as Array<Uint8Array>, bytes: 0 }, (acc, chunk) => {
        acc.bytes += chunk.byteLength
        if (acc.bytes > config.maxHttpResponseBytes) {
          return Effect.fail(new InvalidRequest({
            message: `http/request: the response body is larger than ${config.maxHttpResponseBytes} bytes (--max-http-response-bytes); ask for streamResponse`
          }))
        }
        acc.chunks.push(chunk)
        return Effect.succeed(acc)
      }),
      Effect.map((acc) => new Uint8Array(Buffer.concat(acc.chunks)))
    )

  const streamBody = (
    connection: typeof Connection.Service,
    requestId: string,
    response: HttpClientResponse.HttpClientResponse,
    timeoutMs: number | undefined,
    remainingMs: number | undefined
  ) => {
    let seq = 0
    const send = (delta: Uint8Array, done: boolean, error: string | null) =>
      connection.send(encodeNotificationOf(HttpBodyDelta, { requestId, seq: ++seq, deltaBase64: delta, done, error }))
    const body = response.stream.pipe(
      Stream.mapError(failureOf),
      Stream.runForEach((chunk) =>
        Effect.zipRight(
          flowing(connection),
          Effect.sync(() => {
            for (let offset = 0; offset < chunk.byteLength; offset += MAX_BODY_DELTA_BYTES) {
              send(chunk.subarray(offset, offset + MAX_BODY_DELTA_BYTES), false, null)
            }
          })
        )
      )
    )
    return withDeadline(body, timeoutMs, remainingMs).pipe(
      Effect.match({
        onSuccess: () => send(new Uint8Array(0), true, null),
        onFailure: (error) => send(new Uint8Array(0), true, error.message)
      })
    )
  }

  return {
    "http/request": (params) =>
      Effect.gen(function*() {
        const session = yield* ClientSession
        yield* session.requireReady
        if (httpClient === undefined) {
          return yield* new InternalError({ message: "http/request: this server has no HTTP client" })
        }
        if (config.sandboxPolicy !== undefined && !config.sandboxPolicy.network) {
          return yield* new SandboxDenied({ message: "http/request: the operator's sandbox allows no network", errno: "EACCES" })
        }
        const checked = yield* check(params, config.environment ?? process.env)
        const follow = params.redirectPolicy === "follow"
        if (!params.streamResponse) {
          return yield* Effect.scoped(Effect.gen(function*() {
            const response = yield* exchange(checked, follow)
            return { status: response.status, headers: headersOf(response), bodyBase64: yield* readBody(response) }
          })).pipe((effect) => withDeadline(effect, params.timeoutMs), Effect.provideService(HttpClient.HttpClient, httpClient))
        }
        const { requestId } = params
        const connection = yield* Connection
        const connectionScope = session.scope
        const activeStreams = yield* session.resource(HTTP_STREAMS, Effect.sync(() => new Set<string>()))
        // The check and the claim, with nothing that yields between them.
        if (activeStreams.has(requestId)) {
          return yield* new InvalidParams({ message: `http/request streamResponse requestId \`${requestId}\` is already active` })
        }
        activeStreams.add(requestId)
        // The exchange lives until its body has gone out, or the connection ends.
        const exchangeScope = yield* Scope.fork(connectionScope, ExecutionStrategy.sequential)
        const release = Effect.zipRight(Effect.sync(() => activeStreams.delete(requestId)), Scope.close(exchangeScope, Exit.void))
        const startedAt = yield* Clock.currentTimeMillis
        const response = yield* withDeadline(exchange(checked, follow).pipe(Scope.extend(exchangeScope)), params.timeoutMs).pipe(
          Effect.provideService(HttpClient.HttpClient, httpClient),
          Effect.tapErrorCause(() => release)
        )
        const elapsed = (yield* Clock.currentTimeMillis) - startedAt
        const remainingMs = params.timeoutMs === undefined ? undefined : Math.max(0, params.timeoutMs - elapsed)
        // The body follows the response, never the other way round.
        yield* afterResponse(
          streamBody(connection, requestId, response, params.timeoutMs, remainingMs).pipe(Effect.ensuring(release), Effect.forkIn(connectionScope), Effect.asVoid)
        )
        return { status: response.status, headers: headersOf(response), bodyBase64: new Uint8Array(0) }
      })
  }
}))

/** What the dispatcher puts in each request's context, so the handlers need none of it when they are built. */
export type PerRequest = ClientSession | Connection | ResponseHooks

/** Every handler, as `Group.toHandlersContext` makes them, with what they need per request still asked. */
const allHandlers = Effect.map(
  Effect.all([handshakeHandlers, clientNotificationHandlers, processHandlers, fsHandlers, httpHandlers]),
  (groups) => Context.mergeAll(...groups)
)

/** The handlers of every method, as the dispatcher looks them up. */
export type ServerHandlers = Effect.Effect.Success<typeof allHandlers>

/**
 * Builds every handler once per server, from the server's services (built per
 * connection they were a third of the runtime's work of opening one). What
 * they need per request the dispatcher provides, so the build does not ask
 * for it. The groups' handlers are made directly (`Group.toHandlersContext`)
 * rather than by building their layers.
 */
export const serverHandlers = allHandlers as Effect.Effect<
  ServerHandlers,
  Effect.Effect.Error<typeof allHandlers>,
  Exclude<Effect.Effect.Context<typeof allHandlers>, PerRequest>
>
