/**
 * What a path watcher (`fs/watch` / `fs/unwatch`, PathWatch.ts) is given
 * and what it gives: its bounds and their defaults (the server's count of
 * watched directories among them), the client's backpressure and a
 * sandbox's view as it sees them, the `fs/changed` payload, and the
 * watcher's interface. Apart from the watcher so that what configures and
 * calls it (the handlers, the discovery cache) imports no file watching.
 */
import type * as Effect from "effect/Effect"
import type { InvalidRequest, PathNotFound, SandboxDenied, ServerBusy } from "../protocol/errors.js"
import * as Metrics from "../observability/metrics.js"
import { Slots } from "../slots/Slots.js"

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
  /**
   * Most directories one watch watches (each is a kernel watch and a
   * watcher object). A tree with more is refused when the watch starts;
   * directories that come later beyond it are not watched, and the next
   * notification says `overflow`.
   */
  readonly maxDirectories: number
  /**
   * Most entries (files and directories) a recursive watch lists while it
   * starts: a tree with more is refused. Directories that come later are
   * listed up to as many at a time, the rest not watched (`overflow`).
   */
  readonly maxEntries: number
  /**
   * Most events of one watch waiting to be taken; past it they are dropped,
   * the next notification says `overflow`, and the directories they came
   * from are looked at again for directories not watched yet.
   */
  readonly maxQueuedEvents: number
  /** The directories watched by all watches of the server: its slots are shared by every connection. */
  readonly budget: Slots
}

/** Directories one watch may watch. */
export const DEFAULT_MAX_WATCH_DIRECTORIES = 4096
/**
 * Entries one recursive watch lists as it starts. Each costs a step of the
 * server's only thread whatever the kernel's watches: a directory of a
 * million files, listed whole in one go, held the server 14 s.
 */
export const DEFAULT_MAX_WATCH_ENTRIES = 131_072
/** Directories all watches of a server may watch. */
export const DEFAULT_MAX_SERVER_WATCH_DIRECTORIES = 32768

/**
 * The server's count of watched directories: a watch that would go past it
 * is refused as busy (retryable once others end).
 */
export const watchedDirectorySlots = (limit = DEFAULT_MAX_SERVER_WATCH_DIRECTORIES): Slots =>
  new Slots({
    resource: "watchedDirectories",
    limit,
    setting: `${limit} directories over all of fs/watch`,
    gauge: Metrics.watchedDirectories
  })

export const defaultPathWatchOptions = (budget = watchedDirectorySlots()): PathWatchOptions => ({
  maxWatches: 64,
  maxChanges: 1000,
  coalesceMs: 50,
  maxDirectories: DEFAULT_MAX_WATCH_DIRECTORIES,
  maxEntries: DEFAULT_MAX_WATCH_ENTRIES,
  maxQueuedEvents: DEFAULT_MAX_QUEUED_EVENTS,
  budget
})

/**
 * Events of one watch waiting to be taken, past which they are dropped (the
 * next notification says `overflow`). Events of the same name and kind
 * wait once: without that, two processes creating and removing files in a
 * watched directory queued them faster than they were taken, and a request
 * on the connection waited 12 to 25 s.
 */
export const DEFAULT_MAX_QUEUED_EVENTS = 16_384

/** Whether the client is behind (a connection's flow control, as a watcher sees it). */
export interface Backpressure {
  readonly paused: () => boolean
  /** Calls `listener` on every change; returns the unsubscribe. */
  readonly subscribe: (listener: (paused: boolean) => void) => () => void
}

/**
 * What a sandbox shows, as a watch sees it (real paths: symlinks and `..`
 * resolved). Without one, everything is shown.
 */
export interface WatchView {
  /** Whether a change of the path may be reported (that it changed, or its name). */
  readonly shows: (path: string) => boolean
  /** Whether anything at or below a directory is shown: one that shows nothing is not watched at all. */
  readonly showsAnythingAt: (path: string) => boolean
}

/** A connection's path watches. */
export interface PathWatcher {
  /**
   * Starts watching `path` under `watchId`. With a `view`, the path must be
   * shown once resolved, and only what it shows is reported.
   */
  readonly watch: (
    watchId: string,
    path: string,
    options: { readonly recursive: boolean; readonly view?: WatchView | undefined }
  ) => Effect.Effect<void, InvalidRequest | PathNotFound | SandboxDenied | ServerBusy>
  /** Stops a watch; an id that is not watched is a no-op. */
  readonly unwatch: (watchId: string) => Effect.Effect<void>
}
