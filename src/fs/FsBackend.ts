/**
 * The file operations of `fs/*` behind one interface, wherever they run: on
 * the host (`host`), or confined by a policy in a sandboxed worker
 * (`SandboxedFs`'s `backend`). The handlers choose one per request and call
 * it; neither they nor the worker write an operation twice: the operations
 * on paths are derived from the worker's `PathRpcs`.
 */
import * as FileSystem from "effect/FileSystem"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { InvalidParams, SandboxDenied, SandboxUnavailable, ServerBusy } from "../protocol/errors.js"
import * as FileOperations from "./FileOperations.js"
import { type PathOperation, type PathPayload, PathRpcs, type PathSuccess } from "./WorkerRpcs.js"

/** What an operation of a backend may fail with: the filesystem's errors, and a confined one's refusals. */
export type FsBackendError =
  | FileOperations.FsError
  | SandboxDenied
  | SandboxUnavailable
  | InvalidParams
  | ServerBusy


/** A handle's file: its blocks fail only as the file or the sandbox does. */
export type HandleFile = FileOperations.OpenFile<FileOperations.FsError | SandboxDenied>

/** The operations on paths, derived from the worker's `PathRpcs`: each takes its Rpc's payload and answers its success. */
export type PathOperations<E = FsBackendError> = {
  readonly [Tag in PathOperation]: PathOperationOf<Tag, E>
}

/** One operation on paths. */
export type PathOperationOf<Tag extends PathOperation, E> = (payload: PathPayload<Tag>) => Effect.Effect<PathSuccess<Tag>, E>

/**
 * Every operation on paths of `PathRpcs`, each made by `make` from its name.
 * `make` answers for the operation of that name (an operation of the same
 * name elsewhere, given the same payload): TypeScript cannot follow a name
 * to its own payload and success through a union, so the result is typed
 * here, once.
 */
export const pathOperations = <E>(
  make: (tag: PathOperation) => (payload: never) => Effect.Effect<unknown, E>
): PathOperations<E> =>
  Object.fromEntries([...PathRpcs.requests.keys()].map((tag) => [tag, make(tag as PathOperation)])) as unknown as PathOperations<E>

/** The file operations, as one backend performs them. */
export interface FsBackend<E = FsBackendError> extends PathOperations<E> {
  /** A file for a handle, open for the life of the scope. */
  readonly openFile: (
    path: string,
    mode: "read" | "replace",
    maxBlockBytes: number
  ) => Effect.Effect<HandleFile, E, Scope.Scope>
}

/** The host's files, as the server's own user sees them (on `fileSystem`, so tests can give theirs). */
export const host = (fileSystem: FileSystem.FileSystem): FsBackend<FileOperations.FsError> => {
  const onHost = <A, E, R>(effect: Effect.Effect<A, E, R | FileSystem.FileSystem>) =>
    Effect.provideService(effect, FileSystem.FileSystem, fileSystem)
  return {
    readFile: ({ length, maxBytes, offset, path }) => FileOperations.readFile(path, { offset, length }, maxBytes),
    writeFile: ({ data, path }) => onHost(FileOperations.writeFile(path, data)),
    createDirectory: ({ path, recursive }) => onHost(FileOperations.createDirectory(path, recursive)),
    getMetadata: ({ path }) => onHost(FileOperations.getMetadata(path)),
    readDirectory: ({ path }) => FileOperations.readDirectory(path),
    remove: ({ force, path, recursive }) => onHost(FileOperations.remove(path, { recursive, force })),
    copy: ({ destinationPath, recursive, sourcePath }) => onHost(FileOperations.copy(sourcePath, destinationPath, recursive)),
    canonicalize: ({ path }) => FileOperations.canonicalize(path),
    walk: ({ mostRead, options, path }) => FileOperations.walk(path, options, mostRead),
    openFile: FileOperations.openFile
  }
}
