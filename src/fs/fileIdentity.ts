/**
 * Writing a file keeps what makes it that file: an existing one is written
 * in place (its inode, mode, owner, hard links and a symlink to it stay, as
 * the reference's fs/writeFile does and Codex relies on), cut to length
 * after, so it is never seen empty; a new one is written beside its path and
 * renamed into place, so it appears whole.
 */
import * as Effect from "effect/Effect"
import { randomBytes } from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodeFsPromises from "node:fs/promises"
import * as Path from "node:path"
import { InvalidRequest } from "../protocol/errors.js"
import { type FsError, fromNodeError } from "./fsErrors.js"

/** What a path that is not a regular file is, for error messages. */
export const kindOf = (stats: NodeFs.Stats): string =>
  stats.isDirectory()
    ? "a directory"
    : stats.isFIFO()
    ? "a FIFO"
    : stats.isCharacterDevice()
    ? "a character device"
    : stats.isBlockDevice()
    ? "a block device"
    : stats.isSocket()
    ? "a socket"
    : "not a regular file"

/** Open for writing an existing file: no creation, no blocking on a FIFO, no controlling terminal. */
export const WRITE_IN_PLACE_FLAGS = NodeFs.constants.O_WRONLY | NodeFs.constants.O_NONBLOCK | NodeFs.constants.O_NOCTTY

/** Writes `data` over an open file from its start and cuts it to that length; closes the handle. */
export const writeInPlace = (handle: NodeFsPromises.FileHandle, path: string, data: Uint8Array, operation: string) =>
  Effect.tryPromise({
    try: async () => {
      const stats = await handle.stat()
      if (!stats.isFile()) return new InvalidRequest({ message: `path ${path} is ${kindOf(stats)}; ${operation} writes regular files only` })
      let written = 0
      while (written < data.byteLength) {
        const { bytesWritten } = await handle.write(data, written, data.byteLength - written, written)
        written += bytesWritten
      }
      await handle.truncate(data.byteLength)
      return undefined
    },
    catch: fromNodeError(operation, path)
  }).pipe(
    Effect.flatMap((refused) => refused === undefined ? Effect.void : Effect.fail(refused)),
    Effect.ensuring(Effect.promise(() => handle.close().catch(() => undefined)))
  )

/** A new file: written beside its path, then renamed into place (it appears whole); nothing is left behind on failure. */
export const writeNew = (path: string, data: Uint8Array, fail: (error: unknown) => FsError) =>
  Effect.tryPromise({
    try: async () => {
      const temporary = temporaryBeside(path)
      try {
        await NodeFsPromises.writeFile(temporary, data, { flag: "wx" })
        await NodeFsPromises.rename(temporary, path)
      } catch (error) {
        await NodeFsPromises.rm(temporary, { force: true }).catch(() => undefined)
        throw error
      }
    },
    catch: fail
  })

/** Copies the file at `source` over an open `target` from its start and cuts it to that length; closes `target`. */
export const copyInPlace = async (source: string, target: NodeFsPromises.FileHandle, path: string) => {
  const input = await NodeFsPromises.open(source, "r")
  try {
    const stats = await target.stat()
    if (!stats.isFile()) throw new InvalidRequest({ message: `path ${path} is ${kindOf(stats)}; a "replace" handle writes regular files only` })
    const buffer = Buffer.allocUnsafe(COPY_BLOCK_BYTES)
    let position = 0
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, position)
      if (bytesRead === 0) break
      let written = 0
      while (written < bytesRead) {
        const { bytesWritten } = await target.write(buffer, written, bytesRead - written, position + written)
        written += bytesWritten
      }
      position += bytesRead
    }
    await target.truncate(position)
  } finally {
    await input.close().catch(() => undefined)
    await target.close().catch(() => undefined)
  }
}

const COPY_BLOCK_BYTES = 1024 * 1024

/** A name for a temporary file in `path`'s directory, hidden and unique. */
export const temporaryBeside = (path: string) =>
  Path.join(Path.dirname(path), `.${Path.basename(path)}.${randomBytes(6).toString("hex")}.tmp`)
