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
import { ownLimits } from "../procfs/processes.js"
import { errnoOf, InternalError, internalErrorFrom, SpawnNotFound } from "../protocol/errors.js"

/** Fails with -32603 unless `cwd` is an existing directory: SpawnNotFound when it does not exist, else the errno (ENOTDIR, EACCES, ...). */
export const checkWorkingDirectory = (cwd: string): Effect.Effect<void, InternalError | SpawnNotFound> =>
  Effect.try({
    try: () => Fs.statSync(cwd),
    catch: (error) =>
      errnoOf(error) === "ENOENT"
        ? new SpawnNotFound({ message: `cwd ${cwd} does not exist`, missing: "cwd", path: cwd })
        : internalErrorFrom(error, `cannot use cwd ${cwd}`)
  }).pipe(
    Effect.flatMap((stat) =>
      stat.isDirectory()
        ? Effect.void
        : Effect.fail(new InternalError({ message: `cwd ${cwd} is not a directory`, errno: "ENOTDIR" }))
    )
  )

/** Fails with -32603 (`spawnFailed`, as the reference) for an empty argv[0], which names no program. */
export const checkProgramName = (program: string): Effect.Effect<void, InternalError> =>
  program === "" ? Effect.fail(new InternalError({ message: "missing program: argv[0] is empty" })) : Effect.void

/**
 * Fails with ENOENT (`spawnNotFound`) for a script whose `#!` interpreter
 * does not exist, which execve reports as the script's own ENOENT: a pipe
 * spawn sees that errno, a terminal's forked child would only exit 1.
 */
export const checkInterpreter = (path: string): Effect.Effect<void, InternalError> =>
  Effect.suspend(() => {
    let head: string
    try {
      const fd = Fs.openSync(path, "r")
      try {
        const buffer = Buffer.alloc(256)
        head = buffer.subarray(0, Fs.readSync(fd, buffer, 0, buffer.length, 0)).toString("latin1")
      } finally {
        Fs.closeSync(fd)
      }
    } catch {
      // Unreadable (execute-only): execve will say what it makes of it.
      return Effect.void
    }
    if (!head.startsWith("#!")) return Effect.void
    const interpreter = /^#![ \t]*([^ \t\n]+)/.exec(head)?.[1]
    // A relative interpreter is the kernel's to resolve, from the child's cwd: left to execve.
    return interpreter === undefined || !Path.isAbsolute(interpreter) || Fs.existsSync(interpreter)
      ? Effect.void
      : Effect.fail(new InternalError({ message: `cannot spawn ${path}: its interpreter ${interpreter} does not exist`, errno: "ENOENT" }))
  })

/** What execve(2) would make of a path: runnable, there but refused (EACCES: not executable, or a directory), or absent. */
const executableStatus = (path: string): "executable" | "denied" | "absent" => {
  // Not `throwIfNoEntry: false`: since Node 24 it also hides ENOTDIR (a path
  // through a file), which execve reports as itself (`spawnFailed`), not ENOENT.
  let stat: Fs.Stats
  try {
    stat = Fs.statSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent"
    throw error
  }
  if (!stat.isFile()) return "denied"
  try {
    Fs.accessSync(path, Fs.constants.X_OK)
    return "executable"
  } catch {
    return "denied"
  }
}

/**
 * Resolves a program the way execvp(3) does with the child's environment:
 * names with a slash are taken as they are (relative to `cwd`), others are
 * searched in the child's PATH (or the system default path). Fails with
 * SpawnNotFound (`missing: "program"`) when there is no such file, and, as
 * execvp does, with EACCES when there is one but it may not be run (not
 * executable, a directory): the reference's `spawnPermissionDenied`.
 */
export const resolveExecutable = (
  program: string,
  cwd: string,
  env: Readonly<Record<string, string>>
): Effect.Effect<string, InternalError | SpawnNotFound> =>
  Effect.try({
    try: (): string | "denied" | undefined => {
      if (program.includes("/")) {
        const path = Path.resolve(cwd, program)
        const status = executableStatus(path)
        return status === "executable" ? path : status === "denied" ? status : undefined
      }
      // execvp goes on past a candidate it may not run, and says EACCES if nothing else was found.
      let denied = false
      for (const dir of (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
        const candidate = Path.resolve(cwd, dir === "" ? "." : dir, program)
        const status = executableStatus(candidate)
        if (status === "executable") return candidate
        denied ||= status === "denied"
      }
      return denied ? "denied" : undefined
    },
    catch: (error) => internalErrorFrom(error, `cannot resolve ${program}`)
  }).pipe(
    Effect.flatMap((path): Effect.Effect<string, InternalError | SpawnNotFound> =>
      path === undefined
        ? Effect.fail(
          new SpawnNotFound({ message: `cannot spawn ${program}: no such executable file`, missing: "program", path: program })
        )
        : path === "denied"
        ? Effect.fail(new InternalError({ message: `cannot spawn ${program}: permission denied`, errno: "EACCES" }))
        : Effect.succeed(path)
    )
  )

/** Linux's MAX_ARG_STRLEN: the longest single argument or environment entry, with its NUL. */
const MAX_ARG_STRLEN = 32 * 4096
/** Linux's floor of the argument space (ARG_MAX), whatever the stack limit. */
const MIN_ARG_SPACE = 128 * 1024
/** Linux's ceiling of the argument space: three quarters of _STK_LIM (8 MiB). */
const MAX_ARG_SPACE = 6 * 1024 * 1024

/** The soft stack limit children inherit, from /proc (undefined when unlimited or unknown). */
let stackLimit: number | null | undefined
const softStackLimit = (): number | undefined => {
  if (stackLimit === undefined) {
    stackLimit = ownLimits()?.get("Max stack size") ?? null
  }
  return stackLimit ?? undefined
}

/**
 * Fails with -32603 E2BIG when execve(2) would refuse the arguments and
 * environment, by the kernel's own rules: no string over MAX_ARG_STRLEN, and
 * strings plus pointers within a quarter of the stack limit (between 128 KiB
 * and 6 MiB).
 */
export const checkArgumentSize = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>
): Effect.Effect<void, InternalError> =>
  Effect.suspend(() => {
    let total = 0
    let count = 0
    const tooLong = (text: string, what: string): InternalError | undefined => {
      const bytes = Buffer.byteLength(text) + 1
      total += bytes
      count++
      return bytes > MAX_ARG_STRLEN
        ? new InternalError({ message: `${what} is ${bytes} bytes long, over the kernel's limit of ${MAX_ARG_STRLEN}`, errno: "E2BIG" })
        : undefined
    }
    for (let i = 0; i < argv.length; i++) {
      const error = tooLong(argv[i]!, `argument ${i}`)
      if (error !== undefined) return Effect.fail(error)
    }
    for (const name in env) {
      const error = tooLong(`${name}=${env[name]}`, `environment variable ${name}`)
      if (error !== undefined) return Effect.fail(error)
    }
    const stack = softStackLimit()
    const limit = Math.max(MIN_ARG_SPACE, Math.min(MAX_ARG_SPACE, stack === undefined ? MAX_ARG_SPACE : stack / 4))
    const size = total + (count + 2) * 8
    return size > limit
      ? Effect.fail(new InternalError({
        message: `the arguments and environment take ${size} bytes, over the kernel's limit of ${limit}`,
        errno: "E2BIG"
      }))
      : Effect.void
  })
