/**
 * The filesystem methods, on Effect's `FileSystem` (so tests can
 * mock it), with the protocol's error codes: -32004 for a missing path,
 * -32600 for a request the path's kind or size rules out, -32603 with the
 * errno for other OS errors.
 *
 * Two things the platform's FileSystem cannot do are done with `node:fs`:
 * opening without blocking (a FIFO's open waits for a writer, for ever) so
 * that the opened descriptor itself is checked before a byte is read, and
 * listing a directory with its entries' kinds in one call.
 */
import * as FileSystem from "effect/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as NodeFs from "node:fs"
import * as NodeFsPromises from "node:fs/promises"
import * as Path from "node:path"
import { errnoOf, InternalError, InvalidRequest } from "../protocol/errors.js"
import {
  copyInPlace,
  kindOf,
  temporaryBeside,
  WRITE_IN_PLACE_FLAGS,
  writeInPlace,
  writeNew
} from "./fileIdentity.js"
import { type FsError, fromNodeError, fromPlatformError } from "./fsErrors.js"

export { type FsError, fromNodeError, fromPlatformError } from "./fsErrors.js"

const millis = (date: Option.Option<Date>) => Option.match(date, { onNone: () => 0, onSome: (d) => d.getTime() })

const notRegular = (path: string, stats: NodeFs.Stats) =>
  new InvalidRequest({ message: `path ${path} is ${kindOf(stats)}, not a regular file` })

/**
 * Opens for reading without blocking (O_NONBLOCK: a FIFO's open would wait
 * for a writer) or becoming the controlling terminal, and hands the
 * descriptor to `use` only when it is a regular file: what is checked is
 * what is read, even if the path is swapped meanwhile.
 */
const withRegularFile = <A>(
  operation: string,
  path: string,
  use: (handle: NodeFsPromises.FileHandle, stats: NodeFs.Stats) => Promise<A>
): Effect.Effect<A, FsError> =>
  Effect.acquireUseRelease(
    Effect.tryPromise({
      try: () =>
        NodeFsPromises.open(
          path,
          NodeFs.constants.O_RDONLY | NodeFs.constants.O_NONBLOCK | NodeFs.constants.O_NOCTTY
        ),
      catch: fromNodeError(operation, path)
    }),
    (handle) =>
      Effect.tryPromise({ try: () => handle.stat(), catch: fromNodeError(operation, path) }).pipe(
        Effect.filterOrFail((stats) => stats.isFile(), (stats) => notRegular(path, stats)),
        Effect.flatMap((stats) => Effect.tryPromise({ try: () => use(handle, stats), catch: fromNodeError(operation, path) }))
      ),
    (handle) => Effect.promise(() => handle.close().catch(() => undefined))
  )

/**
 * Reads from `position` until the end of the file or `count` bytes,
 * whichever comes first: never more, whatever the file's size says (files in
 * /proc say 0, a file may grow while it is read). `sizeHint` sizes the first
 * buffer.
 */
const readUpTo = async (
  handle: NodeFsPromises.FileHandle,
  position: number,
  count: number,
  sizeHint: number
): Promise<Uint8Array> => {
  let buffer = Buffer.allocUnsafe(Math.min(count, Math.max(sizeHint, 64 * 1024)))
  let filled = 0
  while (filled < count) {
    if (filled === buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(count, buffer.length * 2))
      buffer.copy(grown, 0, 0, filled)
      buffer = grown
    }
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return buffer.subarray(0, filled)
}

/**
 * Reads a regular file whole (up to `maxBytes`) or a range of it (of at most
 * `maxBytes`). Anything else (a FIFO, a device, a socket, a directory) is
 * refused, and no read takes more than `maxBytes` + 1 bytes from the file.
 */
export const readFile = (
  path: string,
  range: { readonly offset: number | undefined; readonly length: number | undefined },
  maxBytes: number
): Effect.Effect<Uint8Array, FsError> =>
  Effect.gen(function*() {
    const whole = range.offset === undefined && range.length === undefined
    if (range.length !== undefined && range.length > maxBytes) {
      return yield* new InvalidRequest({
        message: `a read of ${range.length} bytes is over the read limit of ${maxBytes} bytes`
      })
    }
    const offset = range.offset ?? 0
    const result = yield* withRegularFile("fs/readFile", path, async (handle, stats) => {
      const size = Number(stats.size)
      if (whole && size > maxBytes) return { tooLarge: size }
      const expected = Math.max(0, size - offset)
      if (range.length !== undefined) return { bytes: await readUpTo(handle, offset, range.length, expected) }
      // Open-ended: one byte past the limit tells a read that would be too large.
      const bytes = await readUpTo(handle, offset, maxBytes + 1, Math.min(expected, maxBytes))
      return bytes.length > maxBytes ? { tooLarge: size > maxBytes ? size : undefined } : { bytes }
    })
    if ("bytes" in result) return result.bytes
    return yield* new InvalidRequest({
      message: whole
        ? `file ${path} has ${result.tooLarge ?? `more than ${maxBytes}`} bytes, over the read limit of ${maxBytes} bytes: read it in ranges with offset and length`
        : `a read of more than ${maxBytes} bytes is over the read limit of ${maxBytes} bytes: give a length`
    })
  })

/**
 * Writes a file as Codex's exec-server does: an existing file (through a
 * symlink too) is written in place, so it keeps its inode, mode, owner and
 * hard links (an agent's edit of a script leaves it executable); the new
 * bytes go over the old from the start and the file is then cut to their
 * length, so a reader meanwhile sees old or new bytes, never an empty file.
 * A file that does not exist is written beside its path and renamed into
 * place, so it appears whole. A target that is not a regular file (a
 * directory, a FIFO, a device) is refused, checked on the descriptor as
 * reads are: its open does not block and nothing is written to it.
 */
export const writeFile = (path: string, data: Uint8Array): Effect.Effect<void, FsError> =>
  Effect.gen(function*() {
    const fail = fromNodeError("fs/writeFile", path)
    const opened = yield* Effect.tryPromise({
      try: () => NodeFsPromises.open(path, WRITE_IN_PLACE_FLAGS),
      catch: (error) => error
    }).pipe(Effect.result)
    if (opened._tag === "Success") {
      return yield* writeInPlace(opened.success, path, data, "fs/writeFile")
    }
    const errno = errnoOf(opened.failure)
    if (errno === "ENXIO" || errno === "EISDIR") {
      // A directory, or a FIFO or socket with no reader: named, not opened.
      const stats = yield* Effect.tryPromise({ try: () => NodeFsPromises.stat(path), catch: fail })
      return yield* new InvalidRequest({ message: `path ${path} is ${kindOf(stats)}; fs/writeFile writes regular files only` })
    }
    if (errno !== "ENOENT") return yield* fail(opened.failure)
    // A dangling symlink: its target is made, as writing through it would.
    const link = yield* Effect.promise(() => NodeFsPromises.lstat(path).then((stats) => stats.isSymbolicLink(), () => false))
    if (link) {
      return yield* Effect.tryPromise({ try: () => NodeFsPromises.writeFile(path, data), catch: fail })
    }
    yield* writeNew(path, data, fail)
  })

/**
 * The first symlink on the way to `path` (its ancestors first, then itself),
 * and whether it is the path itself; undefined when there is none (or the
 * way ends at a missing entry, which the operation then reports).
 */
export const firstSymlinkOn = (path: string): Effect.Effect<{ readonly at: string; readonly last: boolean } | undefined> =>
  Effect.promise(async () => {
    const parts = Path.resolve(path).split("/").filter((part) => part !== "")
    let prefix = ""
    for (let index = 0; index < parts.length; index++) {
      prefix += `/${parts[index]}`
      const stats = await NodeFsPromises.lstat(prefix).catch(() => undefined)
      if (stats === undefined) return undefined
      if (stats.isSymbolicLink()) return { at: prefix, last: index === parts.length - 1 }
    }
    return undefined
  })

/**
 * `followSymlinks: false` of fs/readFile and fs/writeFile, as the reference
 * refuses: a path that is a symlink fails as `open(O_NOFOLLOW)` does (ELOOP,
 * the link left as it is), one under a symlinked directory as ENOTDIR.
 */
export const symlinkRefusal = (operation: string, path: string, link: { readonly at: string; readonly last: boolean }): FsError =>
  link.last
    ? new InternalError({ message: `${operation} ${path}: ELOOP: the path is a symbolic link and followSymlinks is false`, errno: "ELOOP" })
    : new InternalError({ message: `${operation} ${path}: ENOTDIR: ${link.at} is a symbolic link and followSymlinks is false`, errno: "ENOTDIR" })

/** Creates a directory (and its parents when `recursive`). */
export const createDirectory = (path: string, recursive: boolean): Effect.Effect<void, FsError, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.mapError(fs.makeDirectory(path, { recursive }), fromPlatformError("fs/createDirectory", path)))

/** Kind, size and times of the path's target, and whether the path itself is a symlink. */
export const getMetadata = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    // Both at once: each is a trip through libuv's thread pool, and a loaded
    // event loop's turns are long (docs/PERFORMANCE.md, "Latency under load"):
    // one trip's wait instead of two. A stat that fails fails the request either way.
    const [info, isSymlink] = yield* Effect.all([
      Effect.mapError(fs.stat(path), fromPlatformError("fs/getMetadata", path)),
      fs.readLink(path).pipe(Effect.as(true), Effect.orElseSucceed(() => false))
    ], { concurrency: 2 })
    return {
      isDirectory: info.type === "Directory",
      isFile: info.type === "File",
      isSymlink,
      size: Number(info.size),
      createdAtMs: millis(info.birthtime),
      modifiedAtMs: millis(info.mtime)
    }
  })

/**
 * The entries of a directory, each with its (symlink-followed) kind. One
 * listing with the entries' types; only symlinks (and entries whose type the
 * filesystem does not report) are stat'ed to follow them.
 */
export const readDirectory = (path: string) =>
  Effect.gen(function*() {
    const fail = fromNodeError("fs/readDirectory", path)
    const dirents = yield* Effect.tryPromise({ try: () => NodeFsPromises.readdir(path, { withFileTypes: true }), catch: fail }).pipe(
      Effect.catchIf(
        (error) => error._tag === "ExecServer/InternalError" && error.errno === "ENOTDIR",
        () => new InvalidRequest({ message: `path ${path} is not a directory` })
      )
    )
    const followed = dirents.filter((dirent) => dirent.isSymbolicLink() || kindUnknown(dirent))
    const kinds = new Map<string, { readonly isDirectory: boolean; readonly isFile: boolean }>()
    yield* Effect.forEach(followed, (dirent) =>
      Effect.promise(() =>
        NodeFsPromises.stat(Path.join(path, dirent.name)).then(
          (stats) => ({ isDirectory: stats.isDirectory(), isFile: stats.isFile() }),
          // A dangling symlink, or an entry removed meanwhile.
          () => GONE
        )
      ).pipe(Effect.map((kind) => void kinds.set(dirent.name, kind))), { concurrency: 16, discard: true })
    const entries = dirents.flatMap((dirent) => {
      const kind = kinds.get(dirent.name)
      if (kind === undefined) return [{ fileName: dirent.name, isDirectory: dirent.isDirectory(), isFile: dirent.isFile() }]
      // As the reference: an entry that cannot be followed (a dangling link) is left out.
      return kind === GONE ? [] : [{ fileName: dirent.name, ...kind }]
    })
    return { entries }
  })

const GONE = { isDirectory: false, isFile: false } as const

/** A directory entry whose kind the filesystem did not report (DT_UNKNOWN). */
const kindUnknown = (dirent: NodeFs.Dirent): boolean =>
  !dirent.isFile() && !dirent.isDirectory() && !dirent.isSymbolicLink() && !dirent.isFIFO() &&
  !dirent.isSocket() && !dirent.isCharacterDevice() && !dirent.isBlockDevice()

/**
 * Removes what is at the path itself, as the reference does: a symlink is
 * removed, never followed (a dangling one too); a directory with its tree
 * when `recursive`; a missing path is no error when `force`.
 */
export const remove = (
  path: string,
  options: { readonly recursive: boolean; readonly force: boolean }
): Effect.Effect<void, FsError> =>
  Effect.gen(function*() {
    const fail = fromNodeError("fs/remove", path)
    const stats = yield* Effect.tryPromise({ try: () => NodeFsPromises.lstat(path), catch: fail }).pipe(
      Effect.catchIf((error) => error._tag === "ExecServer/PathNotFound" && options.force, () => Effect.succeed(undefined))
    )
    if (stats === undefined) return
    yield* Effect.tryPromise({
      try: () =>
        stats.isDirectory()
          ? options.recursive ? NodeFsPromises.rm(path, { recursive: true }) : NodeFsPromises.rmdir(path)
          : NodeFsPromises.unlink(path),
      catch: fail
    })
  })

/**
 * Copies what is at the source path itself, as the reference does: a file,
 * a symlink as a symlink (to a file, a directory or nowhere), a directory
 * tree when `recursive` (its links as links).
 */
export const copy = (
  sourcePath: string,
  destinationPath: string,
  recursive: boolean
): Effect.Effect<void, FsError> =>
  Effect.gen(function*() {
    const fail = fromNodeError("fs/copy", sourcePath)
    const stats = yield* Effect.tryPromise({ try: () => NodeFsPromises.lstat(sourcePath), catch: fail })
    if (stats.isSymbolicLink()) {
      return yield* Effect.tryPromise({
        try: async () => NodeFsPromises.symlink(await NodeFsPromises.readlink(sourcePath), destinationPath),
        catch: fail
      })
    }
    if (stats.isDirectory()) {
      if (!recursive) {
        return yield* new InvalidRequest({ message: "fs/copy requires recursive: true when sourcePath is a directory" })
      }
      return yield* copyTree(sourcePath, destinationPath)
    }
    // A FIFO would block the copy for ever, a device (/dev/zero) would never end.
    if (!stats.isFile()) {
      return yield* new InvalidRequest({ message: `path ${sourcePath} is ${kindOf(stats)}; fs/copy copies files, directories and symlinks` })
    }
    yield* Effect.tryPromise({ try: () => NodeFsPromises.copyFile(sourcePath, destinationPath), catch: fail })
  })

/**
 * Copies a directory tree (symlinks as symlinks). Node's `cp` would copy a
 * device node's endless content as a file; a tree holding anything but
 * files, directories and symlinks is refused.
 */
const copyTree = (sourcePath: string, destinationPath: string): Effect.Effect<void, FsError> =>
  Effect.tryPromise({
    try: () =>
      NodeFsPromises.cp(sourcePath, destinationPath, {
        recursive: true,
        // As the platform's FileSystem.copy: files already at the destination are kept.
        force: false,
        filter: async (source) => {
          const stats = await NodeFsPromises.lstat(source)
          if (stats.isFile() || stats.isDirectory() || stats.isSymbolicLink()) return true
          throw new SpecialFileInTree(source, kindOf(stats))
        }
      }),
    catch: (error) =>
      error instanceof SpecialFileInTree
        ? new InvalidRequest({ message: `fs/copy: ${error.path} is ${error.kind}; only files, directories and symlinks are copied` })
        : fromNodeError("fs/copy", sourcePath)(error)
  })

class SpecialFileInTree extends Error {
  constructor(readonly path: string, readonly kind: string) {
    super(`${path} is ${kind}`)
  }
}

/** The absolute path with every symlink and `..` resolved; -32004 when it does not exist. */
export const canonicalize = (path: string): Effect.Effect<string, FsError> =>
  Effect.tryPromise({ try: () => NodeFsPromises.realpath(path), catch: fromNodeError("fs/canonicalize", path) })

/** The file of an open handle: blocks read or written at an offset. */
export interface OpenFile<E = FsError> {
  readonly mode: "read" | "replace"
  /** Up to `length` bytes from `offset` (fewer at the end of the file); `eof` once the end is reached. */
  readonly readBlock: (offset: number, length: number) => Effect.Effect<{ readonly chunk: Uint8Array; readonly eof: boolean }, E>
  readonly writeBlock: (offset: number, data: Uint8Array) => Effect.Effect<void, E>
  /** The handle is done: a replacing handle's file takes its target's place now. */
  readonly commit: Effect.Effect<void, E>
}

/**
 * Opens a file for a handle, for the life of the scope. `read`: a regular
 * file only (opened without blocking, checked on the descriptor, as
 * `readFile`). `replace`: written to a temporary file in the target's
 * directory; `commit` renames it into place when the target does not exist
 * (it appears whole), and otherwise copies it into the target in place, as
 * `writeFile` writes, so that the file keeps its identity (inode, mode,
 * owner, hard links, the symlink leading to it). A handle whose scope closes
 * uncommitted leaves the target as it was and no temporary file behind.
 * Blocks read are at most `maxBlockBytes`.
 */
export const openFile = (
  path: string,
  mode: "read" | "replace",
  maxBlockBytes: number
): Effect.Effect<OpenFile, FsError, Scope.Scope> =>
  Effect.gen(function*() {
    const operation = "fs/open"
    const fail = fromNodeError(operation, path)
    if (mode === "read") {
      const handle = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () =>
            NodeFsPromises.open(path, NodeFs.constants.O_RDONLY | NodeFs.constants.O_NONBLOCK | NodeFs.constants.O_NOCTTY),
          catch: fail
        }),
        (handle) => Effect.promise(() => handle.close().catch(() => undefined))
      )
      const stats = yield* Effect.tryPromise({ try: () => handle.stat(), catch: fail })
      if (!stats.isFile()) return yield* notRegular(path, stats)
      return {
        mode,
        readBlock: (offset, length) => {
          const wanted = Math.min(length, maxBlockBytes)
          return Effect.tryPromise({
            try: () => readUpTo(handle, offset, wanted, wanted),
            catch: fromNodeError("fs/readBlock", path)
          }).pipe(Effect.map((chunk) => ({ chunk, eof: chunk.length < wanted || wanted === 0 && offset >= stats.size })))
        },
        writeBlock: () => Effect.fail(new InvalidRequest({ message: `the handle of ${path} is open for reading; open it with mode "replace" to write` })),
        commit: Effect.void
      } satisfies OpenFile
    }
    const existing = yield* Effect.tryPromise({ try: () => NodeFsPromises.stat(path), catch: fail }).pipe(
      Effect.catchIf((error) => error._tag === "ExecServer/PathNotFound", () => Effect.succeed(undefined))
    )
    if (existing !== undefined && !existing.isFile()) {
      return yield* new InvalidRequest({ message: `path ${path} is ${kindOf(existing)}; a "replace" handle replaces regular files only` })
    }
    const temporary = temporaryBeside(path)
    let committed = false
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => NodeFsPromises.open(temporary, "wx"), catch: fail }),
      (handle) =>
        Effect.promise(async () => {
          await handle.close().catch(() => undefined)
          if (!committed) await NodeFsPromises.rm(temporary, { force: true }).catch(() => undefined)
        })
    )
    let closed = false
    const notOpen = () => new InvalidRequest({ message: `the handle of ${path} is closed` })
    return {
      mode,
      readBlock: () => Effect.fail(new InvalidRequest({ message: `the handle of ${path} is open for replacing; open it with mode "read" to read` })),
      writeBlock: (offset, data) =>
        closed ? Effect.fail(notOpen()) : Effect.tryPromise({
          try: async () => {
            let written = 0
            while (written < data.byteLength) {
              const { bytesWritten } = await handle.write(data, written, data.byteLength - written, offset + written)
              written += bytesWritten
            }
          },
          catch: fromNodeError("fs/writeBlock", path)
        }),
      commit: Effect.suspend(() => {
        if (closed) return Effect.void
        closed = true
        return Effect.tryPromise({
          try: async () => {
            await handle.close()
            const target = await NodeFsPromises.open(path, WRITE_IN_PLACE_FLAGS).catch((error: unknown) => {
              if (errnoOf(error) === "ENOENT") return undefined
              throw error
            })
            if (target === undefined) {
              // A dangling symlink's target is made through it; a free name takes the file whole.
              const link = await NodeFsPromises.lstat(path).then((stats) => stats.isSymbolicLink(), () => false)
              if (link) await NodeFsPromises.copyFile(temporary, path)
              else await NodeFsPromises.rename(temporary, path)
            } else {
              await copyInPlace(temporary, target, path)
            }
            committed = true
            await NodeFsPromises.rm(temporary, { force: true })
          },
          catch: (error) => error instanceof InvalidRequest ? error : fromNodeError("fs/close", path)(error)
        })
      })
    } satisfies OpenFile
  })

export { walk, type WalkResult } from "./walk.js"
