/**
 * The handlers of every request and client notification, registered with
 * `Group.toLayer`. They are built per connection on top of its
 * `ClientSession`; exec methods are refused until the handshake is done.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { pathToFileURL } from "node:url"
import * as FileOperations from "../fs/FileOperations.js"
import { type InvalidParams, InvalidRequest, SandboxUnavailable } from "../protocol/errors.js"
import type { SandboxRequest } from "../protocol/sandbox.js"
import { type Access as SandboxedFsAccess, SandboxedFs } from "../fs/SandboxedFs.js"
import type { WorkerOps } from "../fs/worker.js"
import { type Confinement, resolve as resolveSandbox, UNCONFINED } from "../sandbox/policy.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import { ClientNotificationRpcs, FsRpcs, HandshakeRpcs, MissingChanged, ProcessRpcs } from "../protocol/rpcs.js"
import type { ProcessActor } from "../process/ProcessActor.js"
import type { WriteStatus } from "../protocol/schema.js"
import { afterResponse, Connection, encodeNotificationOf } from "../jsonrpc/Connection.js"
import { makeMissingWatcher } from "../fs/MissingWatch.js"
import { ClientSession } from "./ClientSession.js"
import { environmentInfo } from "./environmentInfo.js"
import { ServerConfig } from "./ServerConfig.js"

const writeResult = (status: WriteStatus) => ({ accepted: status === "accepted", status })

/** `initialize`, and what it tells about the host: `environment/info`, `environment/status`. */
export const HandshakeHandlers = HandshakeRpcs.toLayer(Effect.gen(function*() {
  const session = yield* ClientSession
  const config = yield* ServerConfig
  const sandboxedFiles = Option.isSome(yield* Effect.serviceOption(SandboxedFs))
  const info = () =>
    environmentInfo({ version: config.serverVersion, environment: config.environment ?? process.env, sandboxedFiles })
  return {
    initialize: (params) => Effect.map(session.initialize(params), (result) => ({ ...result, environmentInfo: info() })),
    "environment/info": () => Effect.as(session.requireReady, info()),
    "environment/status": () => Effect.as(session.requireReady, { status: "ready" as const })
  }
}))

/** `initialized`. */
export const ClientNotificationHandlers = ClientNotificationRpcs.toLayer(Effect.gen(function*() {
  const session = yield* ClientSession
  return { initialized: () => session.initialized }
}))

/** `process/*`. */
export const ProcessHandlers = ProcessRpcs.toLayer(Effect.gen(function*() {
  const session = yield* ClientSession
  const config = yield* ServerConfig
  const processes = session.processes
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

/** The most one `fs/readBlock` returns (its answer stays well under the usual message limit). */
const MAX_BLOCK_BYTES = 8 * 1024 * 1024

/** `fs/*`, on the host's `FileSystem`, or in a sandboxed worker when a sandbox applies. */
export const FsHandlers = FsRpcs.toLayer(Effect.gen(function*() {
  const session = yield* ClientSession
  const config = yield* ServerConfig
  const fileSystem = yield* FileSystem.FileSystem
  const sandbox = Option.getOrUndefined(yield* Effect.serviceOption(Sandbox))
  const sandboxedFs = Option.getOrUndefined(yield* Effect.serviceOption(SandboxedFs))
  const ready = session.requireReady
  const unavailable = new SandboxUnavailable({
    message: "sandbox unavailable, nothing was done: this server has no sandboxed file operations"
  })
  /** The request's sandbox and the operator's; without the service, any confinement is refused. */
  const confinementOf = (request: SandboxRequest | undefined): Effect.Effect<Confinement, InvalidParams | SandboxUnavailable> =>
    sandbox !== undefined
      ? sandbox.confinementOf(request, {})
      : request === undefined
      ? Effect.succeed(UNCONFINED)
      : Effect.flatMap(resolveSandbox(request), (confinement) =>
        confinement._tag === "Unconfined" ? Effect.succeed(confinement) : Effect.fail(unavailable))
  /**
   * Runs `local` on the host, or (confined) `op` in a sandboxed worker,
   * decoding its answer with `decode`.
   */
  const run = <A, Op extends keyof WorkerOps>(
    request: SandboxRequest | undefined,
    local: Effect.Effect<A, FileOperations.FsError, FileSystem.FileSystem>,
    confined: { readonly access: SandboxedFsAccess; readonly op: Op; readonly args: WorkerOps[Op]; readonly decode: (ok: unknown) => A }
  ) =>
    Effect.gen(function*() {
      yield* ready
      const confinement = yield* confinementOf(request)
      // A policy that leaves the whole file system writable needs no worker.
      if (confinement._tag === "Unconfined" || confinement.policy.rules.every((rule) => rule.access === "write")) {
        return yield* Effect.provideService(local, FileSystem.FileSystem, fileSystem)
      }
      if (sandboxedFs === undefined) return yield* unavailable
      return confined.decode(yield* sandboxedFs.run(confinement.policy, confined.access, confined.op, confined.args))
    })
  const none = () => undefined
  const same = <A>(ok: unknown) => ok as A
  const fileOf = (handleId: string) => Effect.flatMap(session.files, (files) => files.get(handleId))
  const connection = yield* Connection
  const missingWatcher = yield* makeMissingWatcher((watchId) =>
    connection.send(encodeNotificationOf(MissingChanged, { watchId }))
  ).pipe(Effect.provideService(FileSystem.FileSystem, fileSystem))
  const reads = (...paths: Array<string>): SandboxedFsAccess => ({ reads: paths, writes: [] })
  const writes = (...paths: Array<string>): SandboxedFsAccess => ({ reads: [], writes: paths })
  return {
    "fs/readFile": ({ length, offset, path, sandbox }) =>
      Effect.map(
        run(sandbox, FileOperations.readFile(path, { offset, length }, config.maxReadFileBytes), {
          access: reads(path),
          op: "readFile",
          args: [path, offset ?? null, length ?? null, config.maxReadFileBytes],
          decode: (ok) => new Uint8Array(Buffer.from(ok as string, "base64"))
        }),
        (dataBase64) => ({ dataBase64 })
      ),
    "fs/writeFile": ({ dataBase64, path, sandbox }) =>
      Effect.as(
        run(sandbox, FileOperations.writeFile(path, dataBase64), {
          access: writes(path),
          op: "writeFile",
          args: [path, Buffer.from(dataBase64.buffer, dataBase64.byteOffset, dataBase64.byteLength).toString("base64")],
          decode: none
        }),
        {}
      ),
    "fs/createDirectory": ({ path, recursive, sandbox }) =>
      Effect.as(
        run(sandbox, FileOperations.createDirectory(path, recursive), {
          access: writes(path),
          op: "createDirectory",
          args: [path, recursive],
          decode: none
        }),
        {}
      ),
    "fs/getMetadata": ({ path, sandbox }) =>
      run(sandbox, FileOperations.getMetadata(path), {
        access: reads(path),
        op: "getMetadata",
        args: [path],
        decode: same<Effect.Effect.Success<ReturnType<typeof FileOperations.getMetadata>>>
      }),
    "fs/readDirectory": ({ path, sandbox }) =>
      run(sandbox, FileOperations.readDirectory(path), {
        access: reads(path),
        op: "readDirectory",
        args: [path],
        decode: same<Effect.Effect.Success<ReturnType<typeof FileOperations.readDirectory>>>
      }),
    "fs/remove": ({ force, path, recursive, sandbox }) =>
      Effect.as(
        run(sandbox, FileOperations.remove(path, { recursive, force }), {
          access: writes(path),
          op: "remove",
          args: [path, recursive, force],
          decode: none
        }),
        {}
      ),
    "fs/copy": ({ destinationPath, recursive, sandbox, sourcePath }) =>
      Effect.as(
        run(sandbox, FileOperations.copy(sourcePath, destinationPath, recursive), {
          access: { reads: [sourcePath], writes: [destinationPath] },
          op: "copy",
          args: [sourcePath, destinationPath, recursive],
          decode: none
        }),
        {}
      ),
    "fs/watchMissing": ({ missing, present, watchId }) =>
      Effect.zipRight(ready, Effect.map(missingWatcher.watch({ watchId, missing, present }), (watching) => ({ watching }))),
    "fs/walk": ({ options, path, sandbox }) =>
      run(sandbox, FileOperations.walk(path, options), {
        access: reads(path),
        op: "walk",
        args: [path, options],
        decode: same<FileOperations.WalkResult>
      }),
    "fs/canonicalize": ({ path, sandbox }) =>
      Effect.map(
        run(sandbox, FileOperations.canonicalize(path), {
          access: reads(path),
          op: "canonicalize",
          args: [path],
          decode: same<string>
        }),
        (real) => ({ path: pathToFileURL(real).href })
      ),
    "fs/open": ({ handleId, mode, path, sandbox }) =>
      Effect.gen(function*() {
        const files = yield* session.files
        const confinement = yield* confinementOf(sandbox)
        // As for the other methods: a policy that leaves everything writable needs no worker.
        if (confinement._tag === "Unconfined" || confinement.policy.rules.every((rule) => rule.access === "write")) {
          yield* files.open(handleId, FileOperations.openFile(path, mode, MAX_BLOCK_BYTES))
        } else {
          if (sandboxedFs === undefined) return yield* unavailable
          yield* files.open(handleId, sandboxedFs.openFile(confinement.policy, path, mode, MAX_BLOCK_BYTES))
        }
        return { handleId }
      }),
    "fs/readBlock": ({ handleId, len, offset }) =>
      Effect.flatMap(fileOf(handleId), (file) => file.readBlock(offset, len)),
    "fs/writeBlock": ({ chunk, handleId, offset }) =>
      Effect.as(Effect.flatMap(fileOf(handleId), (file) => file.writeBlock(offset, chunk)), {}),
    "fs/close": ({ discard, handleId }) => Effect.as(Effect.flatMap(session.files, (files) => files.close(handleId, discard)), {})
  }
}))

/** Every handler of a connection, over a fresh `ClientSession`. */
export const ConnectionHandlers = Layer.mergeAll(
  HandshakeHandlers,
  ClientNotificationHandlers,
  ProcessHandlers,
  FsHandlers
)
