/** Checks made before spawning, so that failures come back as errors, not as a dead child. */
import * as Effect from "effect/Effect"
import { constants as fsConstants, promises as fs } from "node:fs"
import * as Path from "node:path"
import { InternalError, internalErrorFrom } from "../protocol/errors.js"

/** Fails with -32603 (errno ENOENT / ENOTDIR) unless `cwd` is an existing directory. */
export const checkWorkingDirectory = (cwd: string): Effect.Effect<void, InternalError> =>
  Effect.tryPromise({
    try: () => fs.stat(cwd),
    catch: (error) => internalErrorFrom(error, `cannot use cwd ${cwd}`)
  }).pipe(
    Effect.flatMap((stat) =>
      stat.isDirectory()
        ? Effect.void
        : Effect.fail(new InternalError({ message: `cwd ${cwd} is not a directory`, errno: "ENOTDIR" }))
    )
  )

const isExecutableFile = (path: string): Promise<boolean> =>
  fs.stat(path).then(
    (stat) => stat.isFile() && fs.access(path, fsConstants.X_OK).then(() => true, () => false),
    () => false
  )

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
  Effect.tryPromise({
    try: async () => {
      if (program.includes("/")) {
        const path = Path.resolve(cwd, program)
        return (await isExecutableFile(path)) ? path : undefined
      }
      for (const dir of (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
        const candidate = Path.resolve(cwd, dir === "" ? "." : dir, program)
        if (await isExecutableFile(candidate)) return candidate
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
