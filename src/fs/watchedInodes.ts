/**
 * The inodes a path watch (PathWatch.ts) watches, as plain values: what is
 * at a real path held by a descriptor only while the kernel still names it
 * there (`hold`), the record of each watched directory or file, a
 * directory being listed, and an event of one. Apart from the watcher's
 * state, which lives in its closure, because none of these needs it.
 */
import * as NodeFs from "node:fs"
import { ownDescriptorPath } from "../procfs/processes.js"

/** O_PATH (Linux): a descriptor that names a file without opening it (no read access needed; a FIFO does not block). */
const O_PATH = 0o10000000
const { O_DIRECTORY, O_NOFOLLOW } = NodeFs.constants

/** What is at a path, held by a descriptor (closed by the caller). */
export interface Held {
  readonly fd: number
  readonly stats: NodeFs.Stats
}

/**
 * What is at `real` now, if `real` is where it really is: opened without
 * following a final symlink, and kept only when the kernel names the
 * opened file `real` (no symlink on the way to it, not removed since).
 */
export const hold = (real: string, directory: boolean): Held | undefined => {
  let fd: number
  try {
    fd = NodeFs.openSync(real, O_PATH | O_NOFOLLOW | (directory ? O_DIRECTORY : 0))
  } catch {
    return undefined
  }
  try {
    const stats = NodeFs.fstatSync(fd)
    if (!stats.isSymbolicLink() && NodeFs.readlinkSync(ownDescriptorPath(fd)) === real) return { fd, stats }
  } catch {
    // Gone meanwhile: nothing is held.
  }
  NodeFs.closeSync(fd)
  return undefined
}

/** A watched directory (or the watched file), by the inode it is and where that was. */
export interface Watched {
  /** The path below the watched root ("" for the root), `/`-separated. */
  readonly rel: string
  /** Its real path when it was watched: events are taken only while it is still there. */
  readonly real: string
  readonly directory: boolean
  readonly dev: number
  readonly ino: number
  watcher: NodeFs.FSWatcher | undefined
  closed: boolean
  /**
   * Its events waiting to be taken, by kind and name: another of the same
   * is not queued again (the file system is looked at when one is taken, so
   * it says the same).
   */
  readonly queued: Set<string>
  /** An event of it was dropped (the watch's queue full): what is in it is looked at again. */
  dropped: boolean
}

/** A directory being listed, a step at a time, to watch what is below it. */
export interface Listing {
  readonly rel: string
  readonly directory: NodeFs.Dir
}

/** An event of one watched directory: the name it gives, if any ("." and null: the directory itself). */
export type WatchEvent = readonly [watched: Watched, type: string, name: string | null]
