/**
 * What the server asks of a sandboxed file worker, as an `RpcGroup`: one
 * schema for both sides, the worker (`worker.ts`, an `RpcServer` on its
 * stdio) and the server (`SandboxedFs.ts`, an `RpcClient` on the worker's
 * pipes).
 *
 * The wire is MessagePack (`workerSerialization`): it frames itself on a
 * byte stream and carries bytes as bytes, so file contents and blocks (up to
 * `maxReadFileBytes` in one answer) travel without base64 on either side.
 */
import * as Rpc from "@effect/rpc/Rpc"
import * as RpcGroup from "@effect/rpc/RpcGroup"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as Schema from "effect/Schema"
import { InternalError, InvalidRequest, PathNotFound, SandboxDenied } from "../protocol/errors.js"
import { GetMetadataResult, ReadDirectoryResult, WalkParams, WalkResult } from "../protocol/schema.js"

/**
 * How a worker's operation fails: the protocol's own errors. A refusal by
 * the kernel inside the sandbox (EROFS, EACCES, EPERM) is `SandboxDenied`.
 */
export const WorkerError = Schema.Union(PathNotFound, InvalidRequest, InternalError, SandboxDenied)
/** @see WorkerError */
export type WorkerError = typeof WorkerError.Type

const Bytes = Schema.Uint8ArrayFromSelf
/** A handle's file in the worker, by the number the server gives it. */
const Handle = Schema.Number

/** One operation of the worker. */
const op = <const Tag extends string, const Fields extends Schema.Struct.Fields, Success extends Schema.Schema.Any>(
  tag: Tag,
  payload: Fields,
  success: Success
) => Rpc.make(tag, { payload, success, error: WorkerError })

/** The worker's operations. */
export class WorkerRpcs extends RpcGroup.make(
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
  op("walk", { path: Schema.String, options: WalkParams.fields.options }, WalkResult),
  op("openFile", {
    handle: Handle,
    path: Schema.String,
    mode: Schema.Literal("read", "replace"),
    maxBlockBytes: Schema.Number
  }, Schema.Void),
  op("readBlock", { handle: Handle, offset: Schema.Number, length: Schema.Number }, Schema.Struct({ chunk: Bytes, eof: Schema.Boolean })),
  op("writeBlock", { handle: Handle, offset: Schema.Number, data: Bytes }, Schema.Void),
  /** `commit`: the client closed the handle (else a replacing file is dropped). */
  op("closeFile", { handle: Handle, commit: Schema.Boolean }, Schema.Void)
) {}

/**
 * The worker's wire on both sides: MessagePack, unbounded (a `readFile`
 * answer may be as large as the server lets it be; both ends are this
 * package's own code).
 */
export const workerSerialization: RpcSerialization.RpcSerialization["Type"] = RpcSerialization.makeMsgPack({
  useRecords: true,
  maxBufferSize: "unbounded"
})
