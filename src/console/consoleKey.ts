/**
 * The console key: the operator's credential for minting web console links
 * (`console/createLink`), which show every session of the server. Every
 * client of a capability-token server holds the same token, so the token
 * cannot tell the operator from a client; the key can. The server draws it
 * at start and writes it to a file only its user can read, which every
 * sandbox is denied and `fs/*` refuses (a server secret); `exec-server
 * console-url` reads it there and presents it. By default the file is
 * `console-<PORT>.key` in `$XDG_RUNTIME_DIR/exec-server`, else in
 * `~/.exec-server` (a directory of the server's user, mode 0700, which is
 * itself the secret: the file is named by a port known only once the
 * listener listens); `--console-key-file` names it instead (docs/CONSOLE.md).
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { whyNotPrivate } from "../ownership/privatePath.js"

/** What cannot be done with the key's file: the server does not start, or console-url says why. */
export class ConsoleKeyError extends Error {}

/** Where a server keeps its console key. */
export interface ConsoleKeyPlace {
  /** The paths to deny in every sandbox and refuse through `fs/*`: the key's directory, or the named file. */
  readonly secrets: ReadonlyArray<string>
  /** The key's file of the listener on `port`. */
  readonly fileFor: (port: number) => string
  /** Whether the file is the server's own to remove when it stops (not one the operator named). */
  readonly removeOnStop: boolean
}

/** The directory of the key files by default: `$XDG_RUNTIME_DIR/exec-server`, else `~/.exec-server`. */
export const defaultKeyDirectory = (environment: Readonly<Record<string, string | undefined>>): string => {
  const runtime = environment.XDG_RUNTIME_DIR
  return runtime !== undefined && Path.isAbsolute(runtime)
    ? Path.join(runtime, "exec-server")
    : Path.join(environment.HOME || Os.homedir(), ".exec-server")
}

/** The default key file of the listener on `port`. */
export const defaultKeyFile = (environment: Readonly<Record<string, string | undefined>>, port: number): string =>
  Path.join(defaultKeyDirectory(environment), `console-${port}.key`)

/** Refuses what another user could read or replace: not this user's, or open to group or others. */
const refuseUnlessPrivate = (path: string, stats: Fs.Stats, what: "file" | "directory") => {
  const notPrivate = whyNotPrivate(stats, `${path}: the console key's ${what}`)
  if (notPrivate !== undefined) throw new ConsoleKeyError(notPrivate)
}

/**
 * Makes the place ready before the sandbox is built (its secrets must
 * exist to be denied): the default directory, made 0700 and checked to be
 * this user's own real directory; or the named file, made empty (0600).
 */
export const prepareKeyPlace = (
  keyFile: string | undefined,
  environment: Readonly<Record<string, string | undefined>>
): Effect.Effect<ConsoleKeyPlace, ConsoleKeyError> =>
  Effect.try({
    try: (): ConsoleKeyPlace => {
      if (keyFile !== undefined) {
        const file = Path.resolve(keyFile)
        const fd = Fs.openSync(file, Fs.constants.O_WRONLY | Fs.constants.O_CREAT | Fs.constants.O_NOFOLLOW, 0o600)
        try {
          Fs.fchmodSync(fd, 0o600)
          const stats = Fs.fstatSync(fd)
          if (!stats.isFile()) throw new ConsoleKeyError(`${file}: the console key file is not a regular file`)
          refuseUnlessPrivate(file, stats, "file")
        } finally {
          Fs.closeSync(fd)
        }
        return { secrets: [file], fileFor: () => file, removeOnStop: false }
      }
      const directory = defaultKeyDirectory(environment)
      Fs.mkdirSync(directory, { recursive: true, mode: 0o700 })
      const stats = Fs.lstatSync(directory)
      if (!stats.isDirectory()) throw new ConsoleKeyError(`${directory}: the console key's directory is not a directory`)
      refuseUnlessPrivate(directory, stats, "directory")
      return { secrets: [directory], fileFor: (port) => Path.join(directory, `console-${port}.key`), removeOnStop: true }
    },
    catch: (error) =>
      error instanceof ConsoleKeyError ? error : new ConsoleKeyError(`the console key's file: ${(error as Error).message}`)
  })

/**
 * Writes the key in place (0600, never through a link): the file keeps its
 * identity, which `fs/*` refuses by.
 */
export const writeKey = (file: string, key: string): Effect.Effect<void, ConsoleKeyError> =>
  Effect.try({
    try: () => {
      const fd = Fs.openSync(file, Fs.constants.O_WRONLY | Fs.constants.O_CREAT | Fs.constants.O_TRUNC | Fs.constants.O_NOFOLLOW, 0o600)
      try {
        Fs.fchmodSync(fd, 0o600)
        Fs.writeSync(fd, `${key}\n`)
      } finally {
        Fs.closeSync(fd)
      }
    },
    catch: (error) => new ConsoleKeyError(`cannot write the console key to ${file}: ${(error as Error).message}`)
  })

/** Removes the key's file if it still holds `key` (a server started since on the same port wrote its own). */
export const removeKey = (file: string, key: string): Effect.Effect<void> =>
  Effect.sync(() => {
    try {
      if (Fs.readFileSync(file, "utf8").trim() === key) Fs.unlinkSync(file)
    } catch {
      // Gone already.
    }
  })

/** The key in a file (whitespace trimmed), for `console-url`. */
export const readKey = (file: string): Effect.Effect<string, ConsoleKeyError> =>
  Effect.try({
    try: () => {
      const key = Fs.readFileSync(file, "utf8").trim()
      if (key === "") throw new ConsoleKeyError(`${file} holds no console key (is the server still starting?)`)
      return key
    },
    catch: (error) =>
      error instanceof ConsoleKeyError
        ? error
        : new ConsoleKeyError(
          `cannot read the console key at ${file}: ${(error as Error).message} (run console-url as the server's user on its host, or give --console-key-file)`
        )
  })
