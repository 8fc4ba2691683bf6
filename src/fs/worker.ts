/**
 * The file-operation worker: runs `fs/*` operations inside a sandbox (the
 * server starts it under bubblewrap with the request's policy), so that the
 * kernel, not a check made before the operation, decides what may be read
 * and written: no symlink swapped in after a check, no rename, no `..`
 * escapes it.
 *
 * Frames on stdin and stdout: a 4-byte big-endian length, then JSON.
 * Requests `{id, op, args}`; answers `{id, ok}` or `{id, error: {tag,
 * message, errno?}}`. Bytes travel as base64.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { InvalidRequest } from "../protocol/errors.js"
import type { WalkOptions } from "../protocol/schema.js"
import * as FileOperations from "./FileOperations.js"
import { encodeFrame, frameReader } from "./frames.js"

/** The operations a worker runs, by name, with their JSON arguments. */
export interface WorkerOps {
  readonly readFile: readonly [path: string, offset: number | null, length: number | null, maxBytes: number]
  readonly writeFile: readonly [path: string, dataBase64: string]
  readonly createDirectory: readonly [path: string, recursive: boolean]
  readonly getMetadata: readonly [path: string]
  readonly readDirectory: readonly [path: string]
  readonly remove: readonly [path: string, recursive: boolean, force: boolean]
  readonly copy: readonly [sourcePath: string, destinationPath: string, recursive: boolean]
  readonly canonicalize: readonly [path: string]
  readonly walk: readonly [path: string, options: WalkOptions]
  /** The files of handles, each by a number the server gives it. */
  readonly openFile: readonly [handle: number, path: string, mode: "read" | "replace", maxBlockBytes: number]
  readonly readBlock: readonly [handle: number, offset: number, length: number]
  readonly writeBlock: readonly [handle: number, offset: number, dataBase64: string]
  /** `commit`: the client closed the handle (else a replacing file is dropped). */
  readonly closeFile: readonly [handle: number, commit: boolean]
}

/** A request to a worker. */
export interface WorkerRequest {
  readonly id: number
  readonly op: keyof WorkerOps
  readonly args: ReadonlyArray<unknown>
}

/** A worker's answer. */
export type WorkerResponse =
  | { readonly id: number; readonly ok: unknown }
  | { readonly id: number; readonly error: { readonly tag: string; readonly message: string; readonly errno?: string } }

/** The open files of handles, with the scopes that close them. */
const openFiles = new Map<number, { readonly file: FileOperations.OpenFile; readonly scope: Scope.CloseableScope }>()

const noFile = (handle: number) => new InvalidRequest({ message: `no file ${handle} is open in this worker` })

/** Closes a handle's file; `commit` first when the client closed it (else a replacing file is dropped). */
const closeOpenFile = (handle: number, commit: boolean): Effect.Effect<void, FileOperations.FsError> =>
  Effect.suspend(() => {
    const current = openFiles.get(handle)
    openFiles.delete(handle)
    if (current === undefined) return Effect.void
    return Effect.ensuring(commit ? current.file.commit : Effect.void, Scope.close(current.scope, Exit.void))
  })

/** A handle's file, or the error that it has none. */
const fileOf = (handle: number): Effect.Effect<FileOperations.OpenFile, InvalidRequest> => {
  const current = openFiles.get(handle)
  return current === undefined ? Effect.fail(noFile(handle)) : Effect.succeed(current.file)
}

const run = (request: WorkerRequest): Effect.Effect<unknown, FileOperations.FsError, FileSystem.FileSystem> => {
  const a = request.args as ReadonlyArray<never>
  switch (request.op) {
    case "readFile": {
      const [path, offset, length, maxBytes] = a as unknown as WorkerOps["readFile"]
      return Effect.map(
        FileOperations.readFile(path, { offset: offset ?? undefined, length: length ?? undefined }, maxBytes),
        (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")
      )
    }
    case "writeFile": {
      const [path, data] = a as unknown as WorkerOps["writeFile"]
      return FileOperations.writeFile(path, Buffer.from(data, "base64"))
    }
    case "createDirectory": {
      const [path, recursive] = a as unknown as WorkerOps["createDirectory"]
      return FileOperations.createDirectory(path, recursive)
    }
    case "getMetadata": {
      const [path] = a as unknown as WorkerOps["getMetadata"]
      return FileOperations.getMetadata(path)
    }
    case "readDirectory": {
      const [path] = a as unknown as WorkerOps["readDirectory"]
      return FileOperations.readDirectory(path)
    }
    case "remove": {
      const [path, recursive, force] = a as unknown as WorkerOps["remove"]
      return FileOperations.remove(path, { recursive, force })
    }
    case "copy": {
      const [source, destination, recursive] = a as unknown as WorkerOps["copy"]
      return FileOperations.copy(source, destination, recursive)
    }
    case "canonicalize": {
      const [path] = a as unknown as WorkerOps["canonicalize"]
      return FileOperations.canonicalize(path)
    }
    case "walk": {
      const [path, options] = a as unknown as WorkerOps["walk"]
      return FileOperations.walk(path, options)
    }
    case "openFile": {
      const [handle, path, mode, maxBlockBytes] = a as unknown as WorkerOps["openFile"]
      return Effect.gen(function*() {
        if (openFiles.has(handle)) return yield* new InvalidRequest({ message: `file ${handle} is open already` })
        const scope = yield* Scope.make()
        const file = yield* FileOperations.openFile(path, mode, maxBlockBytes).pipe(
          Scope.extend(scope),
          Effect.tapError(() => Scope.close(scope, Exit.void))
        )
        openFiles.set(handle, { file, scope })
        return null
      })
    }
    case "readBlock": {
      const [handle, offset, length] = a as unknown as WorkerOps["readBlock"]
      return Effect.flatMap(fileOf(handle), (file) =>
        Effect.map(file.readBlock(offset, length), ({ chunk, eof }) => ({
          chunk: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("base64"),
          eof
        })))
    }
    case "writeBlock": {
      const [handle, offset, data] = a as unknown as WorkerOps["writeBlock"]
      return Effect.flatMap(fileOf(handle), (file) => file.writeBlock(offset, Buffer.from(data, "base64")))
    }
    case "closeFile": {
      const [handle, commit] = a as unknown as WorkerOps["closeFile"]
      return closeOpenFile(handle, commit)
    }
  }
}

const send = (response: WorkerResponse) => process.stdout.write(encodeFrame(response))

const handle = async (request: WorkerRequest) => {
  const exit = await Effect.runPromiseExit(Effect.provide(run(request), NodeFileSystem.layer))
  if (Exit.isSuccess(exit)) return send({ id: request.id, ok: exit.value ?? null })
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    return send({
      id: request.id,
      error: { tag: error._tag, message: error.message, ...("errno" in error && error.errno !== undefined ? { errno: error.errno } : {}) }
    })
  }
  send({ id: request.id, error: { tag: "InternalError", message: `fs worker: ${Cause.pretty(exit.cause)}` } })
}

process.stdin.on("data", frameReader<WorkerRequest>((request) => void handle(request)))
// The server is gone (or stopped the worker): nothing more will be asked,
// and files that were never closed are dropped, not put in place.
process.stdin.on("end", () => {
  void Effect.runPromiseExit(Effect.forEach([...openFiles.keys()], (handle) => Effect.exit(closeOpenFile(handle, false))))
    .then(() => process.exit(0))
})
