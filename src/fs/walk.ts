/** `fs/walk`: a directory tree breadth first, within the request's bounds and the answer's size. */
import * as Effect from "effect/Effect"
import type * as NodeFs from "node:fs"
import * as NodeFsPromises from "node:fs/promises"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { InvalidRequest } from "../protocol/errors.js"
import { WALK_MAXIMUMS, type WalkOptions } from "../protocol/schema.js"
import { type FsError, fromNodeError } from "./fsErrors.js"

/**
 * What a walk found: entries as `file://` URIs, directories it could not
 * list, whether a bound stopped it, and how many entries it read (for a
 * caller's budget over several walks; not part of `fs/walk`'s answer).
 */
export interface WalkResult {
  readonly entries: Array<{ readonly path: string; readonly kind: "directory" | "file" }>
  readonly errors: Array<{ readonly path: string; readonly message: string }>
  truncated: boolean
  entriesRead: number
}

/**
 * The most entries one walk reads from the file system, over all its
 * directories (listed or not). A directory is read whole before its entries
 * are sorted, so without it one of a million entries cost the server 10 s of
 * listing, 4 s of sorting on its only thread and 400 MB; a directory that
 * would pass it is not listed (an `errors` item naming the bound) and the
 * walk stops there, truncated.
 */
export const WALK_ENTRIES_READ = 131_072

/**
 * A UTF-16 code unit's place in code point order: surrogates (the halves of
 * code points above U+FFFF) after every other unit. Strings compared by it
 * unit by unit are in code point order, which is UTF-8's byte order.
 */
const codePointRank = (unit: number) => unit >= 0xd800 ? (unit <= 0xdfff ? unit + 0x2000 : unit - 0x800) : unit

/** Two names in the byte order of their UTF-8, without encoding either. */
export const byteOrderOfNames = (a: string, b: string): number => {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

const byteOrder = (a: NodeFs.Dirent, b: NodeFs.Dirent) => byteOrderOfNames(a.name, b.name)

/** Entries read at a time from a directory (the descriptor's buffer). */
const DIRECTORY_BATCH = 1024

/**
 * A directory's entries, read a batch at a time, or "tooMany" once more than
 * `most` were read (the rest never read). Errors are the OS's, thrown.
 */
export const readDirectoryUpTo = async (path: string, most: number): Promise<Array<NodeFs.Dirent> | "tooMany"> => {
  const directory = await NodeFsPromises.opendir(path, { bufferSize: DIRECTORY_BATCH })
  const dirents: Array<NodeFs.Dirent> = []
  try {
    // Read in place, a batch at a time (a round trip through the thread pool per batch made a walk of many
    // small directories twice as slow), the event loop running between batches.
    for (let dirent = directory.readSync(); dirent !== null; dirent = directory.readSync()) {
      if (dirents.length === most) return "tooMany"
      dirents.push(dirent)
      if (dirents.length % DIRECTORY_BATCH === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    return dirents
  } finally {
    directory.closeSync()
  }
}

/**
 * Walks a directory tree breadth first, each directory's entries in byte
 * order of their names, as the reference does: files and directories are
 * listed (symlinks only when followed to a directory; a dangling link, a
 * loop or a FIFO is left out); a directory is descended above `maxDepth`,
 * unless hidden and pruned or already seen (by its real path when links are
 * followed); `maxEntries` stops the walk, `maxDirectories` stops the
 * descent, and so does an answer that would pass 4 MiB (`truncated`). A
 * directory that cannot be listed is reported in `errors` and the walk goes
 * on. A root that is not a directory (or a link, unless followed) has nothing.
 * At most `mostRead` entries (`WALK_ENTRIES_READ` at most) are read in all:
 * a directory that would pass it is an error, and the walk stops there
 * (`truncated`).
 */
export const walk = (root: string, options: WalkOptions, mostRead = WALK_ENTRIES_READ): Effect.Effect<WalkResult, FsError> =>
  Effect.gen(function*() {
    if (options.maxDirectories === 0 || options.maxEntries === 0) {
      return yield* new InvalidRequest({ message: "filesystem walk limits must be greater than zero" })
    }
    if (
      options.maxDepth > WALK_MAXIMUMS.maxDepth || options.maxDirectories > WALK_MAXIMUMS.maxDirectories ||
      options.maxEntries > WALK_MAXIMUMS.maxEntries
    ) {
      return yield* new InvalidRequest({
        message: `filesystem walk limits exceed maximums: depth=${WALK_MAXIMUMS.maxDepth}, directories=${WALK_MAXIMUMS.maxDirectories}, entries=${WALK_MAXIMUMS.maxEntries}`
      })
    }
    const fail = fromNodeError("fs/walk", root)
    const rootStats = yield* Effect.tryPromise({ try: () => NodeFsPromises.stat(root), catch: fail })
    const result: WalkResult = { entries: [], errors: [], truncated: false, entriesRead: 0 }
    const rootIsLink = (yield* Effect.tryPromise({ try: () => NodeFsPromises.lstat(root), catch: fail })).isSymbolicLink()
    if (!rootStats.isDirectory() || rootIsLink && !options.followDirectorySymlinks) return result
    return yield* Effect.promise(() => walkFrom(root, options, Math.min(mostRead, WALK_ENTRIES_READ), result))
  })

const walkFrom = async (root: string, options: WalkOptions, mostRead: number, result: WalkResult): Promise<WalkResult> => {
  const identity = async (path: string) =>
    options.followDirectorySymlinks ? await NodeFsPromises.realpath(path).catch(() => path) : path
  const visited = new Set<string>([await identity(root)])
  const queue: Array<{ readonly path: string; readonly depth: number }> = [{ path: root, depth: 0 }]
  let directories = 1
  let entries = 0
  let answerBytes = 0
  const fits = (bytes: number) => {
    if (answerBytes + bytes > WALK_MAXIMUMS.answerBytes) {
      result.truncated = true
      return false
    }
    answerBytes += bytes
    return true
  }
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    let dirents: Array<NodeFs.Dirent> | "tooMany"
    try {
      dirents = await readDirectoryUpTo(next.path, mostRead - result.entriesRead)
    } catch (error) {
      const path = pathToFileURL(next.path).href
      const message = error instanceof Error ? error.message : String(error)
      if (!fits(path.length + message.length + 64)) return result
      result.errors.push({ path, message })
      continue
    }
    if (dirents === "tooMany") {
      const path = pathToFileURL(next.path).href
      const message = `E2BIG: the directory has more entries than the walk may still read (it reads ${mostRead} in all); it is not listed`
      if (fits(path.length + message.length + 64)) result.errors.push({ path, message })
      result.entriesRead = mostRead
      result.truncated = true
      return result
    }
    result.entriesRead += dirents.length
    for (const dirent of dirents.sort(byteOrder)) {
      const path = Path.join(next.path, dirent.name)
      let kind: "directory" | "file" | "other"
      let isLink = dirent.isSymbolicLink()
      if (isLink || !(dirent.isFile() || dirent.isDirectory() || dirent.isFIFO() || dirent.isSocket() || dirent.isCharacterDevice() || dirent.isBlockDevice())) {
        // A link (or an entry whose type the file system does not report): what it leads to, if anything.
        const stats = await NodeFsPromises.stat(path).catch(() => undefined)
        if (stats === undefined) continue
        if (!isLink) isLink = (await NodeFsPromises.lstat(path).catch(() => undefined))?.isSymbolicLink() ?? false
        kind = stats.isDirectory() ? "directory" : stats.isFile() ? "file" : "other"
      } else {
        kind = dirent.isDirectory() ? "directory" : dirent.isFile() ? "file" : "other"
      }
      if (entries === options.maxEntries) {
        result.truncated = true
        return result
      }
      entries++
      if (kind === "other" || isLink && (!options.followDirectorySymlinks || kind !== "directory")) continue
      const uri = pathToFileURL(path).href
      if (!fits(uri.length + 64)) return result
      result.entries.push({ path: uri, kind })
      if (kind !== "directory" || next.depth >= options.maxDepth) continue
      if (options.pruneHiddenDirectories && dirent.name.startsWith(".")) continue
      const id = await identity(path)
      if (visited.has(id)) continue
      visited.add(id)
      if (directories === options.maxDirectories) {
        result.truncated = true
        continue
      }
      directories++
      queue.push({ path, depth: next.depth + 1 })
    }
  }
  return result
}
