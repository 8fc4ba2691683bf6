/**
 * Checks made before spawning, so that failures come back as errors, not as
 * a dead child. They are synchronous: a handful of stat calls take
 * microseconds, where a round trip through libuv's thread pool per PATH
 * entry added milliseconds to every PTY start (and the spawn that follows
 * blocks the event loop on the same filesystem anyway).
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { InternalError, internalErrorFrom } from "../protocol/errors.js"

/** Fails with -32603 (errno ENOENT / ENOTDIR) unless `cwd` is an existing directory. */
export const checkWorkingDirectory = (cwd: string): Effect.Effect<void, InternalError> =>
  Effect.try({
    try: () => Fs.statSync(cwd),
    catch: (error) => internalErrorFrom(error, `cannot use cwd ${cwd}`)
  }).pipe(
    Effect.flatMap((stat) =>
      stat.isDirectory()
        ? Effect.void
        : Effect.fail(new InternalError({ message: `cwd ${cwd} is not a directory`, errno: "ENOTDIR" }))
    )
  )

const isExecutableFile = (path: string): boolean => {
  const stat = Fs.statSync(path, { throwIfNoEntry: false })
  if (stat === undefined || !stat.isFile()) return false
  try {
    Fs.accessSync(path, Fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Resolves a program the way execvp(3) does with the child's environment:
 * names with a slash are taken as they are (relative to `cwd`), others are
 * searched in the child's PATH (or the system default path).
 */
export const resolveExecutable = (
  program: string,
  cwd: string,
  env: Readonly<Record<string, string>>
): Effect.Effect<string, InternalError> =>
  Effect.try({
    try: () => {
      if (program.includes("/")) {
        const path = Path.resolve(cwd, program)
        return isExecutableFile(path) ? path : undefined
      }
      for (const dir of (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
        const candidate = Path.resolve(cwd, dir === "" ? "." : dir, program)
        if (isExecutableFile(candidate)) return candidate
      }
      return undefined
    },
    catch: (error) => internalErrorFrom(error, `cannot resolve ${program}`)
  }).pipe(
    Effect.flatMap((path) =>
      path === undefined
        ? Effect.fail(
          new InternalError({ message: `cannot spawn ${program}: no such executable file`, errno: "ENOENT" })
        )
        : Effect.succeed(path)
    )
  )
