/**
 * The handlers of every request and client notification, registered with
 * `Group.toLayer`. They are built per connection on top of its
 * `ClientSession`; exec methods are refused until the handshake is done.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as FileOperations from "../fs/FileOperations.js"
import { InvalidRequest } from "../protocol/errors.js"
import { ClientNotificationRpcs, FsRpcs, HandshakeRpcs, ProcessRpcs } from "../protocol/rpcs.js"
import type { ProcessActor } from "../process/ProcessActor.js"
import type { WriteStatus } from "../protocol/schema.js"
import { afterResponse } from "../rpc/Connection.js"
import { ClientSession } from "./ClientSession.js"
import { ServerConfig } from "./ServerConfig.js"

const writeResult = (status: WriteStatus) => ({ accepted: status === "accepted", status })

/** `initialize`. */
export const HandshakeHandlers = HandshakeRpcs.toLayer(Effect.gen(function*() {
  const session = yield* ClientSession
  return { initialize: (params) => session.initialize(params) }
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

/** `fs/*`, on the host's `FileSystem`. */
export const FsHandlers = FsRpcs.toLayer(Effect.gen(function*() {
  const session = yield* ClientSession
  const config = yield* ServerConfig
  const fileSystem = yield* FileSystem.FileSystem
  const ready = session.requireReady
  const run = <A>(operation: Effect.Effect<A, FileOperations.FsError, FileSystem.FileSystem>) =>
    Effect.zipRight(ready, Effect.provideService(operation, FileSystem.FileSystem, fileSystem))
  return {
    "fs/readFile": ({ length, offset, path }) =>
      run(Effect.map(
        FileOperations.readFile(path, { offset, length }, config.maxReadFileBytes),
        (dataBase64) => ({ dataBase64 })
      )),
    "fs/writeFile": ({ dataBase64, path }) => run(Effect.as(FileOperations.writeFile(path, dataBase64), {})),
    "fs/createDirectory": ({ path, recursive }) => run(Effect.as(FileOperations.createDirectory(path, recursive), {})),
    "fs/getMetadata": ({ path }) => run(FileOperations.getMetadata(path)),
    "fs/readDirectory": ({ path }) => run(FileOperations.readDirectory(path)),
    "fs/remove": ({ force, path, recursive }) => run(Effect.as(FileOperations.remove(path, { recursive, force }), {})),
    "fs/copy": ({ destinationPath, recursive, sourcePath }) =>
      run(Effect.as(FileOperations.copy(sourcePath, destinationPath, recursive), {}))
  }
}))

/** Every handler of a connection, over a fresh `ClientSession`. */
export const ConnectionHandlers = Layer.mergeAll(
  HandshakeHandlers,
  ClientNotificationHandlers,
  ProcessHandlers,
  FsHandlers
)
