/**
 * `fs/watch` / `fs/unwatch` (ours; the reference answers them with
 * -32601): a connection watches files and directories, recursively if it
 * asks, and hears of changes as `fs/changed` notifications, coalesced (one
 * notification per watch every `coalesceMs` at most, a path once, with its
 * net change) and bounded (at most `maxChanges` paths per notification; more
 * set `overflow`, and the client rescans). An event's kind is decided on
 * the file system, not taken from the event.
 *
 * On Node's `fs.watch` itself rather than the platform's `FileSystem.watch`:
 * an answer to `fs/watch` promises that changes from then on are seen, so
 * the watcher must be registered before the answer, and the platform's
 * stream registers it some time after it starts, with no signal when.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { InvalidRequest, NotFound } from "../protocol/errors.js"

/** How a path changed over a coalescing period. */
export type ChangeKind = "created" | "modified" | "removed"

/** An `fs/changed` payload. */
export interface Changes {
  readonly watchId: string
  readonly changes: ReadonlyArray<{ readonly path: string; readonly kind: ChangeKind }>
  /** More changed than one notification carries: what is under the watch should be looked at again. */
  readonly overflow: boolean
}

export interface PathWatchOptions {
  /** Most watches one connection holds. */
  readonly maxWatches: number
  /** Most paths one notification names. */
  readonly maxChanges: number
  /** Changes are gathered this long before they are sent. */
  readonly coalesceMs: number
}

export const defaultPathWatchOptions: PathWatchOptions = { maxWatches: 64, maxChanges: 1000, coalesceMs: 50 }

/** Whether the client is behind (a connection's flow control, as a watcher sees it). */
export interface Backpressure {
  readonly paused: () => boolean
  /** Calls `listener` on every change; returns the unsubscribe. */
  readonly subscribe: (listener: (paused: boolean) => void) => () => void
}

/** A connection's path watches. */
export interface PathWatcher {
  /**
   * Starts watching `path` under `watchId`; `visible` says whether a changed
   * path may be reported (a sandbox's view).
   */
  readonly watch: (
    watchId: string,
    path: string,
    options: { readonly recursive: boolean; readonly visible: (path: string) => boolean }
  ) => Effect.Effect<void, InvalidRequest | NotFound>
  /** Stops a watch; an id that is not watched is a no-op. */
  readonly unwatch: (watchId: string) => Effect.Effect<void>
}

/** The net change of a path that changed `before` and then `now`; undefined: no change at all. */
const merge = (before: ChangeKind | undefined, now: ChangeKind): ChangeKind | undefined => {
  if (before === undefined) return now
  if (before === "created") return now === "removed" ? undefined : "created"
  if (before === "removed") return now === "removed" ? "removed" : "modified"
  return now === "removed" ? "removed" : "modified"
}

/**
 * Makes the path watcher of one connection; its watches end with the scope.
 * `notify` sends `fs/changed`; while `flow` says the client is behind,
 * changes are only gathered (a path once, `overflow` past the bound) and go
 * out when it catches up.
 */
export const makePathWatcher = (
  notify: (changes: Changes) => void,
  flow: Backpressure,
  options: PathWatchOptions = defaultPathWatchOptions
): Effect.Effect<PathWatcher, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const watches = new Map<string, Fiber.RuntimeFiber<void>>()

    const watch = (
      watchId: string,
      root: string,
      watchOptions: { readonly recursive: boolean; readonly visible: (path: string) => boolean }
    ) =>
      Effect.gen(function*() {
        // The checks and the claim they guard, with nothing that yields between them.
        if (watches.has(watchId)) return yield* new InvalidRequest({ message: `watch ${watchId} is already active` })
        if (watches.size >= options.maxWatches) {
          return yield* new InvalidRequest({
            message: `this connection already has ${watches.size} watches, the most allowed; unwatch one first`
          })
        }
        let stats: NodeFs.Stats
        try {
          stats = NodeFs.statSync(root)
        } catch {
          return yield* new NotFound({ message: `fs/watch: no such file or directory: ${root}` })
        }
        // A file's events name the file; a directory's name what changed in it.
        const base = stats.isDirectory() ? root : Path.dirname(root)
        const events = yield* Mailbox.make<readonly [type: string, path: string]>()
        let watcher: NodeFs.FSWatcher
        try {
          // Registered now, before the answer: nothing that changes after it is missed.
          watcher = NodeFs.watch(root, { recursive: watchOptions.recursive }, (type, name) => {
            events.unsafeOffer([type, name === null ? root : Path.join(base, name.toString())])
          })
        } catch (error) {
          return yield* new InvalidRequest({ message: `fs/watch ${root}: ${error instanceof Error ? error.message : String(error)}` })
        }
        // The watched path went away (or the watcher failed): the watch is over.
        watcher.on("error", () => events.unsafeDone(Exit.void))
        let pending = new Map<string, ChangeKind | undefined>()
        let overflow = false
        const flush = Effect.sync(() => {
          if (flow.paused()) return
          const changes = [...pending].flatMap(([path, kind]) => kind === undefined ? [] : [{ path, kind }])
          const overflowed = overflow
          pending = new Map()
          overflow = false
          if (changes.length > 0 || overflowed) notify({ watchId, changes, overflow: overflowed })
        })
        const record = ([type, absolute]: readonly [string, string]) =>
          Effect.sync(() => {
            if (!watchOptions.visible(absolute)) return
            // "rename" says a name came or went: which one, the file system says.
            const kind: ChangeKind = type === "change" ? "modified" : NodeFs.existsSync(absolute) ? "created" : "removed"
            const uri = pathToFileURL(absolute).href
            if (!pending.has(uri) && pending.size >= options.maxChanges) {
              overflow = true
              return
            }
            pending.set(uri, merge(pending.get(uri), kind))
          })
        const unsubscribe = flow.subscribe((paused) => {
          if (!paused) Effect.runSync(flush)
        })
        const run = Mailbox.toStream(events).pipe(
          Stream.tap(record),
          // Gathered for a while (or until there are many), then sent as one notification.
          Stream.groupedWithin(options.maxChanges, Duration.millis(options.coalesceMs)),
          Stream.runForEach(() => flush),
          Effect.ensuring(Effect.sync(() => {
            unsubscribe()
            watcher.close()
          }))
        )
        watches.set(watchId, yield* Effect.forkIn(run, scope))
      })

    const unwatch = (watchId: string) =>
      Effect.suspend(() => {
        const fiber = watches.get(watchId)
        watches.delete(watchId)
        return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
      })

    return { watch, unwatch }
  })
