/**
 * Whether a path is this user's alone: the check of every place that keeps
 * something another local user must neither read nor replace (the console
 * key's directory or file, `--keep-processes`' state directory). Another
 * user's path, or one with any group or other permission bit, is refused.
 */
import type * as Fs from "node:fs"

/** The user this process runs as (0 where the platform has no uids). */
export const currentUid = (): number => process.getuid?.() ?? 0

/** What of a path's `Stats` says whose it is and who else may open it. */
export type Ownership = Pick<Fs.Stats, "uid" | "mode">

/**
 * Why `what` (the path as its message names it) cannot be trusted as this
 * user's alone, given its stats: another user's, or open to group or
 * others (and, where `mustBe` is given, the mode it must have instead);
 * undefined when it is private.
 */
export const whyNotPrivate = (stats: Ownership, what: string, mustBe?: number): string | undefined => {
  if (stats.uid !== currentUid()) return `${what} belongs to another user (uid ${stats.uid})`
  if ((stats.mode & 0o077) !== 0) {
    const required = mustBe === undefined ? "" : `; it must be 0${mustBe.toString(8)}`
    return `${what} is open to other users (mode ${(stats.mode & 0o777).toString(8)}${required})`
  }
  return undefined
}
