/**
 * What the server may read on a client's behalf outside `fs/*` (Codex's
 * configuration layers, capability discovery's host-side reads): the same
 * answer `fs/readFile` would give. A path is judged by its real path (links
 * followed) against the policy that confines the request, and is never one
 * of the server's own secrets (a file by its identity, so a hard link or a
 * symlink to it counts; a directory with everything under it).
 */
import * as Fs from "node:fs"
import * as FsPromises from "node:fs/promises"
import * as Path from "node:path"
import { realPathOfOwnDescriptor } from "../procfs/processes.js"
import { accessAt, realPathOf, type ResolvedSandbox } from "../sandbox/policy.js"

/** The server's secret paths: files by identity (`dev:ino`), directories by real path. */
export interface SecretPaths {
  /** Whether `stats` (of a path followed to its end) is one of the secret files. */
  readonly isSecretFile: (stats: Fs.Stats) => boolean
  /** Whether a real path lies under one of the secret directories. */
  readonly isUnderSecretDirectory: (realPath: string) => boolean
  readonly empty: boolean
  readonly hasDirectories: boolean
}

const identityOf = (stats: Fs.Stats) => `${stats.dev}:${stats.ino}`

/** The secret paths as they are now (a path that does not exist yet is none). */
export const secretPathsOf = (paths: ReadonlyArray<string>): SecretPaths => {
  const files = new Set<string>()
  const directories: Array<string> = []
  for (const path of paths) {
    try {
      const stats = Fs.statSync(path)
      if (stats.isDirectory()) directories.push(Fs.realpathSync(path))
      else files.add(identityOf(stats))
    } catch {
      // Not there: nothing to protect.
    }
  }
  return {
    empty: files.size === 0 && directories.length === 0,
    hasDirectories: directories.length > 0,
    isSecretFile: (stats) => files.has(identityOf(stats)),
    isUnderSecretDirectory: (realPath) =>
      directories.some((directory) => realPath === directory || realPath.startsWith(directory + Path.sep))
  }
}

/** Whether `path` (followed to its end) is one of the secrets; as cheap as one stat when no directory is secret. */
export const leadsToSecret = async (secrets: SecretPaths, path: string): Promise<boolean> => {
  if (secrets.empty) return false
  const stats = await FsPromises.stat(path).catch(() => undefined)
  if (stats !== undefined && secrets.isSecretFile(stats)) return true
  return secrets.hasDirectories && secrets.isUnderSecretDirectory(realPathOf(path))
}

/** No secrets at all. */
export const NO_SECRETS: SecretPaths = secretPathsOf([])

/** Why a file may not be read for a client, or undefined when it may. */
export type ReadRefusal = "denied by the sandbox policy" | "a secret of this server's"

/** The policy confining the request (none: the host's files) and the server's secrets. */
export interface ReadGuard {
  readonly policy: ResolvedSandbox | undefined
  readonly secrets: SecretPaths
}

/** Why `realPath` (already real), with `stats` when it exists, may not be read. */
const refusalAt = (guard: ReadGuard, realPath: string, stats: Fs.Stats | undefined): ReadRefusal | undefined => {
  if (guard.policy !== undefined && accessAt(guard.policy, realPath) === "none") return "denied by the sandbox policy"
  if (guard.secrets.isUnderSecretDirectory(realPath) || (stats !== undefined && guard.secrets.isSecretFile(stats))) {
    return "a secret of this server's"
  }
  return undefined
}

/**
 * Why `path` may not be looked at (its kind, its entries), or undefined:
 * judged at its real path as far as it exists, as `fs/*` judges it. For a
 * stat or a listing; a file's contents are read with `readChecked`, which
 * judges what it actually opened.
 */
export const refusalOf = (guard: ReadGuard, path: string): ReadRefusal | undefined => {
  const real = realPathOf(path)
  let stats: Fs.Stats | undefined
  try {
    stats = Fs.statSync(real)
  } catch {
    stats = undefined
  }
  return refusalAt(guard, real, stats)
}

/** What reading a file gave. */
export type CheckedRead =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "NotAFile" }
  | { readonly _tag: "TooBig"; readonly size: number }
  | { readonly _tag: "Refused"; readonly why: ReadRefusal }
  | { readonly _tag: "Read"; readonly bytes: Buffer }

/**
 * Reads a regular file of at most `maxBytes`, judging the file it opened
 * (its real path from `/proc/self/fd`, its identity from `fstat`), not the
 * path: a link swapped in between a check and the read cannot lead it
 * elsewhere. Opened without blocking, so a FIFO cannot hold it. An error
 * other than a missing path is thrown as the OS gave it.
 */
export const readChecked = async (guard: ReadGuard, path: string, maxBytes: number): Promise<CheckedRead> => {
  let handle: FsPromises.FileHandle
  try {
    handle = await FsPromises.open(path, Fs.constants.O_RDONLY | Fs.constants.O_NONBLOCK | Fs.constants.O_NOCTTY)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === "ENOENT" || code === "ENOTDIR") return { _tag: "Missing" }
    // Even an error says something of a path the policy hides: judged first.
    const why = refusalOf(guard, path)
    if (why !== undefined) return { _tag: "Refused", why }
    throw error
  }
  try {
    const stats = await handle.stat()
    const real = await realPathOfOwnDescriptor(handle.fd)
    const why = refusalAt(guard, real, stats)
    if (why !== undefined) return { _tag: "Refused", why }
    if (!stats.isFile()) return { _tag: "NotAFile" }
    if (stats.size > maxBytes) return { _tag: "TooBig", size: stats.size }
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1)
    let length = 0
    // Read to the end (a file growing past maxBytes meanwhile is too big).
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > maxBytes) return { _tag: "TooBig", size: length }
    return { _tag: "Read", bytes: buffer.subarray(0, length) }
  } finally {
    await handle.close()
  }
}
