/**
 * What the server asks of a sandboxed file worker, as an `RpcGroup`: one
 * schema for both sides, the worker (`worker.ts`, an `RpcServer` on its
 * stdio) and the server (`SandboxedFs.ts`, an `RpcClient` on the worker's
 * pipes).
 *
 * The wire is Effect's schema-binary (`workerSerialization.ts`, apart so that the
 * server loads its codec only with its first worker).
 */
import * as Rpc from "effect/rpc/Rpc"
import * as RpcGroup from "effect/rpc/RpcGroup"
import * as Schema from "effect/Schema"
import { InternalError, InvalidRequest, PathNotFound, SandboxDenied } from "../protocol/errors.js"
import { GetMetadataResult, ReadDirectoryResult, WalkParams, WalkResult } from "../protocol/schema.js"

/**
 * How a worker's operation fails: the protocol's own errors. A refusal by
 * the kernel inside the sandbox (EROFS, EACCES, EPERM) is `SandboxDenied`.
 */
export const WorkerError = Schema.Union([PathNotFound, InvalidRequest, InternalError, SandboxDenied])
/** @see WorkerError */
export type WorkerError = typeof WorkerError.Type

/** Bytes as bytes: the schema-binary wire writes them as they are (no base64). */
const Bytes = Schema.Uint8Array
/** A handle's file in the worker, by the number the server gives it. */
const Handle = Schema.Number

/** One operation of the worker. */
const op = <const Tag extends string, const Fields extends Schema.Struct.Fields, Success extends Schema.Top>(
  tag: Tag,
  payload: Fields,
  success: Success
) => Rpc.make(tag, { payload, success, error: WorkerError })

/**
 * The operations on paths: each is also an operation of every `FsBackend`
 * (`FsBackend.PathOperations` is derived from this group), so a new one is
 * its Rpc here, what it reads and writes in `PATH_ACCESS`, and its host
 * implementation in `FsBackend.host`; the worker serves it and the
 * sandboxed backend calls it with no more code.
 */
export class PathRpcs extends RpcGroup.make(
  op("readFile", {
    path: Schema.String,
    offset: Schema.optional(Schema.Number),
    length: Schema.optional(Schema.Number),
    maxBytes: Schema.Number
  }, Bytes),
  op("writeFile", { path: Schema.String, data: Bytes }, Schema.Void),
  op("createDirectory", { path: Schema.String, recursive: Schema.Boolean }, Schema.Void),
  op("getMetadata", { path: Schema.String }, GetMetadataResult),
  op("readDirectory", { path: Schema.String }, ReadDirectoryResult),
  op("remove", { path: Schema.String, recursive: Schema.Boolean, force: Schema.Boolean }, Schema.Void),
  op("copy", { sourcePath: Schema.String, destinationPath: Schema.String, recursive: Schema.Boolean }, Schema.Void),
  op("canonicalize", { path: Schema.String }, Schema.String),
  // `mostRead`: the entries the walk may read (a caller's budget over several walks); `entriesRead`: how many it did.
  op(
    "walk",
    { path: Schema.String, options: WalkParams.fields.options, mostRead: Schema.optional(Schema.Number) },
    Schema.Struct({ ...WalkResult.fields, entriesRead: Schema.Number })
  )
) {}

/** An operation on paths, by name. */
export type PathRpc = RpcGroup.Rpcs<typeof PathRpcs>
/** The names of the operations on paths. */
export type PathOperation = PathRpc["_tag"]
/** What an operation on paths is given. */
export type PathPayload<Tag extends PathOperation> = Rpc.Payload<Extract<PathRpc, { readonly _tag: Tag }>>
/** What an operation on paths answers. */
export type PathSuccess<Tag extends PathOperation> = Rpc.Success<Extract<PathRpc, { readonly _tag: Tag }>>

/** What an operation reads and writes, for the check before it runs under a sandbox. */
export interface Access {
  /** Paths read (symlinks followed). */
  readonly reads: ReadonlyArray<string>
  /** Paths created, replaced or removed (the last component is not followed). */
  readonly writes: ReadonlyArray<string>
  /** Paths whose own entry is looked at (the last component is not followed, as lstat). */
  readonly entries?: ReadonlyArray<string> | undefined
}

/** An operation that reads its `path`. */
export const readsPath = ({ path }: { readonly path: string }): Access => ({ reads: [path], writes: [] })
/** An operation that creates, replaces or removes its `path`. */
export const writesPath = ({ path }: { readonly path: string }): Access => ({ reads: [], writes: [path] })

/** What each operation on paths reads and writes (a new operation does not compile until it is here). */
export const PATH_ACCESS: { readonly [Tag in PathOperation]: (payload: PathPayload<Tag>) => Access } = {
  readFile: readsPath,
  writeFile: writesPath,
  createDirectory: writesPath,
  getMetadata: readsPath,
  readDirectory: readsPath,
  remove: writesPath,
  copy: ({ destinationPath, sourcePath }) => ({ reads: [sourcePath], writes: [destinationPath] }),
  canonicalize: readsPath,
  walk: readsPath
}

/** The worker's operations: those on paths, and file handles by the number the server gives them. */
export class WorkerRpcs extends PathRpcs.merge(RpcGroup.make(
  op("openFile", {
    handle: Handle,
    path: Schema.String,
    mode: Schema.Literals(["read", "replace"]),
    maxBlockBytes: Schema.Number
  }, Schema.Void),
  op("readBlock", { handle: Handle, offset: Schema.Number, length: Schema.Number }, Schema.Struct({ chunk: Bytes, eof: Schema.Boolean })),
  op("writeBlock", { handle: Handle, offset: Schema.Number, data: Bytes }, Schema.Void),
  /** `commit`: the client closed the handle (else a replacing file is dropped). */
  op("closeFile", { handle: Handle, commit: Schema.Boolean }, Schema.Void)
)) {}
