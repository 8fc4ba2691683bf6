/**
 * The shapes of the `fs/*` methods (see PROTOCOL.md): whole files, paths,
 * walks, watches and file handles. Re-exported by `schema.ts`.
 */
import * as Schema from "effect/Schema"
import {
  AbsolutePath,
  Base64Bytes,
  NonNegativeInt,
  OptionalNullable,
  OptionalNullableWithDefault,
  OptionalWithDefault
} from "./primitives.js"
import { SandboxRequest } from "./sandbox.js"


// ---------------------------------------------------------------------------
// Filesystem

/** `fs/readFile` params: the whole file, or `length` bytes from `offset`. */
/** `followSymlinks: false`: the reference's refusal of a path that goes through a symlink. */
const FollowSymlinks = OptionalNullable(Schema.Boolean)

export const ReadFileParams = Schema.Struct({
  path: AbsolutePath,
  sandbox: OptionalNullable(SandboxRequest),
  followSymlinks: FollowSymlinks,
  offset: OptionalNullable(NonNegativeInt),
  length: OptionalNullable(NonNegativeInt)
})

/** `fs/readFile` result. */
export const ReadFileResult = Schema.Struct({ dataBase64: Base64Bytes })

/** `fs/writeFile` params. */
export const WriteFileParams = Schema.Struct({
  path: AbsolutePath,
  dataBase64: Base64Bytes,
  sandbox: OptionalNullable(SandboxRequest),
  followSymlinks: FollowSymlinks
})

/** `fs/createDirectory` params (recursive unless told otherwise, as the reference). */
export const CreateDirectoryParams = Schema.Struct({
  path: AbsolutePath,
  sandbox: OptionalNullable(SandboxRequest),
  recursive: OptionalNullableWithDefault(Schema.Boolean, true)
})

/** `fs/getMetadata` params. */
export const GetMetadataParams = Schema.Struct({
  path: AbsolutePath,
  sandbox: OptionalNullable(SandboxRequest),
  followSymlinks: FollowSymlinks
})

/** `fs/getMetadata` result: the target's kind and size (symlinks followed), and whether the path is a symlink. */
export const GetMetadataResult = Schema.Struct({
  isDirectory: Schema.Boolean,
  isFile: Schema.Boolean,
  isSymlink: Schema.Boolean,
  size: Schema.Number,
  createdAtMs: Schema.Number,
  modifiedAtMs: Schema.Number
})

/** `fs/readDirectory` params. */
export const ReadDirectoryParams = Schema.Struct({ path: AbsolutePath, sandbox: OptionalNullable(SandboxRequest) })

/** One entry of `fs/readDirectory` (symlinks followed). */
export const DirectoryEntry = Schema.Struct({
  fileName: Schema.String,
  isDirectory: Schema.Boolean,
  isFile: Schema.Boolean
})

/** `fs/readDirectory` result. */
export const ReadDirectoryResult = Schema.Struct({ entries: Schema.Array(DirectoryEntry) })

/** `fs/remove` params. */
export const RemoveParams = Schema.Struct({
  path: AbsolutePath,
  sandbox: OptionalNullable(SandboxRequest),
  // Both true unless said otherwise, as the reference: `{path}` alone removes a tree, and a missing path is `{}`.
  recursive: OptionalNullableWithDefault(Schema.Boolean, true),
  force: OptionalNullableWithDefault(Schema.Boolean, true)
})

/** `fs/copy` params. */
export const CopyParams = Schema.Struct({
  sourcePath: AbsolutePath,
  destinationPath: AbsolutePath,
  sandbox: OptionalNullable(SandboxRequest),
  recursive: OptionalNullableWithDefault(Schema.Boolean, false)
})

/** `fs/canonicalize` params. */
export const CanonicalizeParams = Schema.Struct({
  path: AbsolutePath,
  sandbox: OptionalNullable(SandboxRequest)
})

/** `fs/canonicalize` result: the resolved path as a `file://` URI, as the reference answers. */
export const CanonicalizeResult = Schema.Struct({ path: Schema.String })

/** The largest `fs/walk` limits (the reference's), and what a walk's answer may weigh. */
export const WALK_MAXIMUMS = { maxDepth: 64, maxDirectories: 10_000, maxEntries: 50_000, answerBytes: 4 * 1024 * 1024 } as const

/** `fs/walk` params (the reference's; its limits are at most the `WALK_MAXIMUMS`). */
export const WalkParams = Schema.Struct({
  path: AbsolutePath,
  options: Schema.Struct({
    maxDepth: NonNegativeInt,
    maxDirectories: NonNegativeInt,
    maxEntries: NonNegativeInt,
    followDirectorySymlinks: Schema.Boolean,
    pruneHiddenDirectories: OptionalNullableWithDefault(Schema.Boolean, false)
  }),
  sandbox: OptionalNullable(SandboxRequest)
})

/** The bounds of a walk (`fs/walk` options). */
export type WalkOptions = typeof WalkParams.Type["options"]

/** `fs/walk` result: entries as `file://` URIs, breadth first; `truncated` when a limit stopped the walk. */
export const WalkResult = Schema.Struct({
  entries: Schema.Array(Schema.Struct({ path: Schema.String, kind: Schema.Literals(["directory", "file"]) })),
  errors: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })),
  truncated: Schema.Boolean
})

/**
 * `fs/watchMissing` params (the reference's): paths believed missing, and
 * one believed present; **(ours)** `sandbox?`, as every `fs/*` method takes.
 */
export const WatchMissingParams = Schema.Struct({
  watchId: NonNegativeInt,
  missing: Schema.Array(AbsolutePath),
  present: OptionalNullable(AbsolutePath),
  sandbox: OptionalNullable(SandboxRequest)
})

/** `fs/watchMissing` result: whether a watch is now installed. */
export const WatchMissingResult = Schema.Struct({ watching: Schema.Boolean })

/** `fs/missingChanged` payload. */
export const MissingChangedNotification = Schema.Struct({ watchId: NonNegativeInt })

/** `fs/watch` params (ours): a client-chosen id, the path, whether to watch below it. */
export const WatchParams = Schema.Struct({
  watchId: Schema.String.pipe(Schema.check(Schema.isMinLength(1, { message: "watchId must be a non-empty string" }))),
  path: AbsolutePath,
  recursive: OptionalNullableWithDefault(Schema.Boolean, false),
  sandbox: OptionalNullable(SandboxRequest)
})

/** `fs/watch` result. */
export const WatchResult = Schema.Struct({ watchId: Schema.String })

/** `fs/unwatch` params. */
export const UnwatchParams = Schema.Struct({ watchId: Schema.String })

/** `fs/changed` payload: paths as `file://` URIs with their net change; `overflow` when some were left out. */
export const ChangedNotification = Schema.Struct({
  watchId: Schema.String,
  changes: Schema.Array(
    Schema.Struct({ path: Schema.String, kind: Schema.Literals(["created", "modified", "removed"]) })
  ),
  overflow: Schema.Boolean
})

// ---------------------------------------------------------------------------
// File handles: streaming a file in blocks, both ways

/** A client-chosen file handle id, unique among the session's open handles. */
export const FileHandleId = Schema.String.pipe(
  Schema.check(Schema.isMinLength(1, { message: "handleId must be a non-empty string" })),
  // As the reference, which takes ids of at most 32 bytes.
  Schema.check(Schema.makeFilter((id) => Buffer.byteLength(id) <= 32 || "handleId must not exceed 32 bytes"))
)

/** How a handle opens its file: `read` it, or `replace` it (written aside, put in place on `fs/close`). */
export const FileOpenMode = Schema.Literals(["read", "replace"])
/** @see FileOpenMode */
export type FileOpenMode = typeof FileOpenMode.Type

/** `fs/open` params. */
export const OpenFileParams = Schema.Struct({
  handleId: FileHandleId,
  path: AbsolutePath,
  // Exactly `read` or `replace` when given, as the reference (null is -32602); absent: read.
  mode: OptionalWithDefault(FileOpenMode, "read"),
  sandbox: OptionalNullable(SandboxRequest)
})

/** `fs/open` result. */
export const OpenFileResult = Schema.Struct({ handleId: Schema.String })

/** `fs/readBlock` params: `len` bytes from `offset` (a shorter block at the end of the file, or above the server's block limit). */
export const ReadBlockParams = Schema.Struct({
  handleId: FileHandleId,
  offset: NonNegativeInt,
  len: NonNegativeInt
})

/** `fs/readBlock` result: `eof` once the block reached the end of the file. */
export const ReadBlockResult = Schema.Struct({ chunk: Base64Bytes, eof: Schema.Boolean })

/** `fs/writeBlock` params. */
export const WriteBlockParams = Schema.Struct({
  handleId: FileHandleId,
  offset: NonNegativeInt,
  chunk: Base64Bytes
})

/** `fs/close` params. */
export const CloseFileParams = Schema.Struct({
  handleId: FileHandleId,
  /** (ours) Drop a replacing handle's file instead of putting it in place. */
  discard: OptionalNullableWithDefault(Schema.Boolean, false)
})
