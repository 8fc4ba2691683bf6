/**
 * The filesystem methods, on `@effect/platform`'s `FileSystem` (so tests can
 * mock it), with the protocol's error codes: -32004 for a missing path,
 * -32600 for a request the path's kind or size rules out, -32603 with the
 * errno for other OS errors.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Path from "node:path"
import { randomBytes } from "node:crypto"
import { errnoOf, InternalError, InvalidRequest, NotFound } from "../protocol/errors.js"

/** What a filesystem method fails with. */
export type FsError = NotFound | InvalidRequest | InternalError

const ERRNO_BY_REASON: Record<string, string> = {
  NotFound: "ENOENT",
  PermissionDenied: "EACCES",
  AlreadyExists: "EEXIST",
  BadResource: "EBADF",
  Busy: "EBUSY",
  InvalidData: "EINVAL",
  TimedOut: "ETIMEDOUT",
  WouldBlock: "EAGAIN",
  WriteZero: "EIO",
  UnexpectedEof: "EIO"
}

/** Maps a platform error to the protocol's error for an operation on `path`. */
export const fromPlatformError = (operation: string, path: string) => (error: PlatformError): FsError => {
  const cause = error._tag === "SystemError" ? error.cause : undefined
  const causeCode = errnoOf(cause)
  const reason = error._tag === "SystemError" ? error.reason : undefined
  if (reason === "NotFound" || causeCode === "ENOENT") {
    return new NotFound({ message: `${operation}: no such file or directory: ${path}` })
  }
  const errno = causeCode ?? (reason === undefined ? undefined : ERRNO_BY_REASON[reason])
  const detail = cause instanceof Error ? cause.message : error.message
  return new InternalError({ message: `${operation} ${path}: ${detail}`, ...(errno === undefined ? {} : { errno }) })
}

const millis = (date: Option.Option<Date>) => Option.match(date, { onNone: () => 0, onSome: (d) => d.getTime() })

/** Reads a file whole (up to `maxBytes`) or a range of it (of at most `maxBytes`). */
export const readFile = (
  path: string,
  range: { readonly offset: number | undefined; readonly length: number | undefined },
  maxBytes: number
): Effect.Effect<Uint8Array, FsError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const fail = fromPlatformError("fs/readFile", path)
    const info = yield* Effect.mapError(fs.stat(path), fail)
    if (info.type === "Directory") return yield* new InvalidRequest({ message: `path ${path} is a directory, not a file` })
    const size = Number(info.size)
    if (range.offset === undefined && range.length === undefined) {
      if (size > maxBytes) {
        return yield* new InvalidRequest({
          message: `file ${path} has ${size} bytes, over the read limit of ${maxBytes} bytes: read it in ranges with offset and length`
        })
      }
      return yield* Effect.mapError(fs.readFile(path), fail)
    }
    const offset = range.offset ?? 0
    const length = Math.min(range.length ?? Math.max(0, size - offset), Math.max(0, size - offset))
    if (length > maxBytes) {
      return yield* new InvalidRequest({ message: `a read of ${length} bytes is over the read limit of ${maxBytes} bytes` })
    }
    if (length === 0) return new Uint8Array(0)
    return yield* Effect.scoped(Effect.gen(function*() {
      const file = yield* fs.open(path, { flag: "r" })
      yield* file.seek(offset, "start")
      const bytes = yield* file.readAlloc(length)
      return Option.getOrElse(bytes, () => new Uint8Array(0))
    })).pipe(Effect.mapError(fail))
  })

/** Writes a file atomically: a temporary file in the same directory, then a rename over the target. */
export const writeFile = (path: string, data: Uint8Array): Effect.Effect<void, FsError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const temporary = Path.join(Path.dirname(path), `.${Path.basename(path)}.${randomBytes(6).toString("hex")}.tmp`)
    yield* fs.writeFile(temporary, data).pipe(
      Effect.zipRight(fs.rename(temporary, path)),
      Effect.tapError(() => Effect.ignore(fs.remove(temporary))),
      Effect.mapError(fromPlatformError("fs/writeFile", path))
    )
  })

/** Creates a directory (and its parents when `recursive`). */
export const createDirectory = (path: string, recursive: boolean): Effect.Effect<void, FsError, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.mapError(fs.makeDirectory(path, { recursive }), fromPlatformError("fs/createDirectory", path)))

/** Kind, size and times of the path's target, and whether the path itself is a symlink. */
export const getMetadata = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.mapError(fs.stat(path), fromPlatformError("fs/getMetadata", path))
    const isSymlink = yield* fs.readLink(path).pipe(Effect.as(true), Effect.orElseSucceed(() => false))
    return {
      isDirectory: info.type === "Directory",
      isFile: info.type === "File",
      isSymlink,
      size: Number(info.size),
      createdAtMs: millis(info.birthtime),
      modifiedAtMs: millis(info.mtime)
    }
  })

/** The entries of a directory, each with its (symlink-followed) kind. */
export const readDirectory = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const fail = fromPlatformError("fs/readDirectory", path)
    const info = yield* Effect.mapError(fs.stat(path), fail)
    if (info.type !== "Directory") return yield* new InvalidRequest({ message: `path ${path} is not a directory` })
    const names = yield* Effect.mapError(fs.readDirectory(path), fail)
    const entries = yield* Effect.forEach(names, (fileName) =>
      fs.stat(Path.join(path, fileName)).pipe(
        Effect.map((entry) => ({ fileName, isDirectory: entry.type === "Directory", isFile: entry.type === "File" })),
        // A dangling symlink, or an entry removed meanwhile: neither file nor directory.
        Effect.orElseSucceed(() => ({ fileName, isDirectory: false, isFile: false }))
      ), { concurrency: 16 })
    return { entries }
  })

/** Removes a file, or a directory tree when `recursive`; `force` ignores a missing path. */
export const remove = (
  path: string,
  options: { readonly recursive: boolean; readonly force: boolean }
): Effect.Effect<void, FsError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const fail = fromPlatformError("fs/remove", path)
    const exists = yield* Effect.mapError(fs.exists(path), fail)
    if (!exists) {
      if (options.force) return
      return yield* new NotFound({ message: `fs/remove: no such file or directory: ${path}` })
    }
    yield* Effect.mapError(fs.remove(path, { recursive: options.recursive }), fail)
  })

/** Copies a file, or a directory tree when `recursive`. */
export const copy = (
  sourcePath: string,
  destinationPath: string,
  recursive: boolean
): Effect.Effect<void, FsError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const fail = fromPlatformError("fs/copy", sourcePath)
    const info = yield* Effect.mapError(fs.stat(sourcePath), fail)
    if (info.type === "Directory") {
      if (!recursive) {
        return yield* new InvalidRequest({ message: "fs/copy requires recursive: true when sourcePath is a directory" })
      }
      return yield* Effect.mapError(fs.copy(sourcePath, destinationPath), fail)
    }
    yield* Effect.mapError(fs.copyFile(sourcePath, destinationPath), fail)
  })
