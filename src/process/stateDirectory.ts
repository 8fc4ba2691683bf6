/**
 * The state directory of `--keep-processes`: where the holders' sockets are.
 * Whoever can connect to a socket there controls that process (its stdin,
 * its signals), so the directory must be the server's user's alone: made
 * 0700, and refused when it is a symbolic link, another user's, or open to
 * group or others.
 */
import * as Effect from "effect/Effect"
import * as Data from "effect/Data"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { currentUid, whyNotPrivate } from "../ownership/privatePath.js"

/** Random bytes in a socket's name: 9, 12 characters of base64url. */
const NAME_RANDOM_BYTES = 9

/** A new holder's socket in `stateDir`: named at random, so that one a killed server left behind is never taken by the next. */
export const holderSocketPath = (stateDir: string): string =>
  Path.join(stateDir, `holder-${randomBytes(NAME_RANDOM_BYTES).toString("base64url")}.sock`)

/** The longest socket path the kernel binds (sun_path's 108 bytes, NUL included). */
const MAX_SOCKET_PATH_BYTES = 107

/** The longest state directory whose holders' socket paths (`/holder-RANDOM.sock`) fit. */
export const MAX_STATE_DIR_BYTES = MAX_SOCKET_PATH_BYTES - "/holder-.sock".length - (NAME_RANDOM_BYTES / 3) * 4

/** The state directory cannot be used: the server does not start (exit 2). */
export class StateDirectoryError extends Data.TaggedError("effect-exec-server/StateDirectoryError")<{
  readonly message: string
}> {}

/** `$XDG_RUNTIME_DIR/effect-exec-server` where that is an absolute path, else `/tmp/effect-exec-server-UID`. */
export const defaultStateDirectory = (environment: Readonly<Record<string, string | undefined>>): string => {
  const runtime = environment.XDG_RUNTIME_DIR
  return runtime !== undefined && runtime !== "" && Path.isAbsolute(runtime)
    ? Path.join(runtime, "effect-exec-server")
    : `/tmp/effect-exec-server-${currentUid()}`
}

/** Makes `directory` (0700) if it is missing, then checks that it is this user's own private directory; its absolute path. */
export const prepareStateDirectory = (directory: string): Effect.Effect<string, StateDirectoryError> =>
  Effect.suspend(() => {
    const path = Path.resolve(directory)
    const what = `the state directory ${path}`
    const refuse = (why: string) => Effect.fail(new StateDirectoryError({ message: `${what} ${why}` }))
    if (Buffer.byteLength(path) > MAX_STATE_DIR_BYTES) {
      return refuse(`is too long for the holders' sockets in it (at most ${MAX_STATE_DIR_BYTES} bytes)`)
    }
    let stats: Fs.Stats
    try {
      // Not recursive for the directory itself: an existing link must be seen as one, not followed.
      Fs.mkdirSync(Path.dirname(path), { recursive: true, mode: 0o700 })
      try {
        Fs.mkdirSync(path, { mode: 0o700 })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      }
      stats = Fs.lstatSync(path)
    } catch (error) {
      return refuse(`cannot be made: ${(error as Error).message}`)
    }
    if (stats.isSymbolicLink()) return refuse("is a symbolic link")
    if (!stats.isDirectory()) return refuse("is not a directory")
    const notPrivate = whyNotPrivate(stats, what, 0o700)
    return notPrivate === undefined ? Effect.succeed(path) : Effect.fail(new StateDirectoryError({ message: notPrivate }))
  })
