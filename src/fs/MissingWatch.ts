/**
 * `fs/watchMissing`, as the reference has it: a connection watches paths it
 * believes missing (and, optionally, one it believes present) and is told
 * once, by `fs/missingChanged {watchId}`, when that belief may be wrong: a
 * missing path, or its first missing ancestor, appears; the directory it
 * would appear in goes away; the present path changes, moves or goes. One
 * watch per connection: a request with a higher `watchId` replaces it (and a
 * stale id changes nothing). Built on the platform's file watching, with the
 * condition checked on the file system at each event, so what an event says
 * is never trusted on its own.
 */
import * as FileSystem from "effect/FileSystem"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as Path from "node:path"

/** The most paths one watch takes, and the most directories it watches for them (as the reference). */
export const MAX_WATCHED = 64

export interface MissingWatchRequest {
  readonly watchId: number
  readonly missing: ReadonlyArray<string>
  readonly present?: string | undefined
  /**
   * A sandbox's view, when one applies: whether the caller may look at a
   * (real) path. The directories a missing path would appear in must pass,
   * or nothing is watched. The paths themselves are checked (and resolved)
   * by the caller, before anything on the file system is looked at.
   */
  readonly visible?: ((path: string) => boolean) | undefined
}

/** A connection's missing-path watch. */
export interface MissingWatcher {
  /** Replaces the watch when `watchId` is higher than any before; true when a watch is now installed. */
  readonly watch: (request: MissingWatchRequest) => Effect.Effect<boolean>
}

/** What is at `path` itself (a symlink not followed), or undefined when nothing is. */
export const lstatOf = (path: string): NodeFs.Stats | undefined => {
  try {
    return NodeFs.lstatSync(path)
  } catch {
    return undefined
  }
}

/** Where a missing path would appear: the deepest existing directory on its way, and the name created in it. */
interface Anchor {
  readonly directory: string
  readonly directoryIno: number
  readonly name: string
}

/** The anchor of a missing path; undefined when something on its way exists and is not a directory. */
const anchorOf = (path: string): Anchor | undefined => {
  let child = path
  for (let directory = Path.dirname(path); ; directory = Path.dirname(directory)) {
    const stats = lstatOf(directory)
    if (stats !== undefined) {
      return stats.isDirectory() ? { directory, directoryIno: stats.ino, name: Path.basename(child) } : undefined
    }
    if (directory === Path.dirname(directory)) return undefined
    child = directory
  }
}

/** Makes the watcher of one connection; its watch ends with the scope. `notify` sends `fs/missingChanged`. */
export const makeMissingWatcher = (notify: (watchId: number) => void): Effect.Effect<MissingWatcher, never, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const fileSystem = yield* FileSystem.FileSystem
    let highestWatchId = 0
    let current: Fiber.Fiber<void> | undefined

    const watch = (request: MissingWatchRequest): Effect.Effect<boolean> =>
      Effect.gen(function*() {
        // The id check and the claim, with nothing that yields between them.
        if (request.watchId <= highestWatchId) return false
        highestWatchId = request.watchId
        const previous = current
        current = undefined
        // Not awaited: the old watch's streams wind down on their own time.
        if (previous !== undefined) previous.interruptUnsafe()
        if (request.missing.length === 0 || request.missing.length > MAX_WATCHED) return false
        if (request.missing.some((path) => lstatOf(path) !== undefined)) return false
        const anchors: Array<Anchor> = []
        for (const path of request.missing) {
          const anchor = anchorOf(path)
          if (anchor === undefined) return false
          // Its going away, or a name appearing in it, must be something the caller could see.
          if (request.visible !== undefined && !request.visible(anchor.directory)) return false
          anchors.push(anchor)
        }
        const presentStats = request.present === undefined ? undefined : lstatOf(request.present)
        if (request.present !== undefined && presentStats === undefined) return false
        const directories = [...new Set(anchors.map((anchor) => anchor.directory))]
        if (directories.length + (request.present === undefined ? 0 : 1) > MAX_WATCHED) return false

        const changed = (): boolean => {
          for (const anchor of anchors) {
            const directory = lstatOf(anchor.directory)
            if (directory === undefined || directory.ino !== anchor.directoryIno) return true
            if (lstatOf(Path.join(anchor.directory, anchor.name)) !== undefined) return true
          }
          if (request.present !== undefined && presentStats !== undefined) {
            const now = lstatOf(request.present)
            if (now === undefined || now.ino !== presentStats.ino) return true
            // A directory's own contents do not count; a file's do.
            if (!presentStats.isDirectory() && (now.mtimeMs !== presentStats.mtimeMs || now.size !== presentStats.size)) return true
          }
          return false
        }

        const watched = [...directories, ...(request.present === undefined ? [] : [request.present])]
        const events = Stream.mergeAll(
          [
            // What each says does not matter: the check after it looks.
            // A path that goes between the stat and the watch of `fileSystem.watch`
            // makes Node's fs.watch throw, a defect rather than a failure: either
            // way that watcher is gone, and the ticks below still see the change.
            ...watched.map((path): Stream.Stream<unknown> => fileSystem.watch(path).pipe(Stream.catchCause(() => Stream.empty))),
            // A look now and then as well: a change between the checks above and the
            // watchers' start, or one a file system does not report, is still seen.
            Stream.tick(Duration.seconds(1))
          ],
          { concurrency: "unbounded" }
        )
        const watchId = request.watchId
        // The client is told as soon as a change is seen, not once the watch's
        // streams have wound down (closing a directory watcher whose directory
        // was just removed can take its time).
        const fiber = yield* Stream.runForEachWhile(events, () =>
          Effect.sync(() => {
            if (!changed()) return true
            notify(watchId)
            return false
          })).pipe(Effect.forkIn(scope))
        current = fiber
        return true
      })

    return { watch }
  })
