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
 *
 * One non-recursive `fs.watch` per directory (a recursive watch adds the
 * directories below as they come) rather than Node's recursive watching,
 * which on Linux watches every file and every symlink's target under the
 * path by name: a symlink made in the tree would have it watch whatever the
 * link leads to, and a name moved elsewhere kept reporting under its old
 * one. Here each directory is watched as the inode it is (opened without
 * following symlinks, watched through /proc/self/fd), symlinks are never
 * followed, and every event is taken only once that inode is found, by the
 * kernel's own naming of it, still at its real place: an event's path is
 * the real path of the directory it came from and the name in it, checked
 * against the sandbox's view without resolving the whole path again.
 *
 * What a watcher is given and gives is pathWatchContract.ts; the inodes it
 * holds, watchedInodes.ts. This module is the watcher itself.
 */
import type * as Arr from "effect/Array"
import type * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { InvalidRequest, PathNotFound } from "../protocol/errors.js"
import { lstatOf } from "./MissingWatch.js"
import { ownDescriptorPath } from "../procfs/processes.js"
import { realPathOf } from "../sandbox/policy.js"
import {
  type Backpressure,
  type ChangeKind,
  type Changes,
  defaultPathWatchOptions,
  type PathWatcher,
  type PathWatchOptions,
  type WatchView
} from "./pathWatchContract.js"
import { denied } from "./SandboxedFs.js"
import { type Held, hold, type Listing, type Watched, type WatchEvent } from "./watchedInodes.js"

/** Directories watched, and entries listed, in one go while a tree is watched, before the event loop gets a turn. */
const DIRECTORIES_PER_STEP = 64
const ENTRIES_PER_STEP = 4096

/** Lets the event loop run (I/O included) before going on. */
const breathe = Effect.callback<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})

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
  options: PathWatchOptions = defaultPathWatchOptions()
): Effect.Effect<PathWatcher, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    /** The watches, by id; "starting" while a watch's tree is being watched (the id is taken then). */
    const watches = new Map<string, { readonly fiber: Fiber.Fiber<void>; readonly stop: () => void } | "starting">()
    // The connection's end stops every watch, started or not.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const watch of watches.values()) if (watch !== "starting") watch.stop()
      })
    )

    const watch = (
      watchId: string,
      root: string,
      watchOptions: { readonly recursive: boolean; readonly view?: WatchView | undefined }
    ) =>
      Effect.gen(function*() {
        // The checks and the claim they guard, with nothing that yields between them.
        if (watches.has(watchId)) return yield* new InvalidRequest({ message: `watch ${watchId} is already active` })
        if (watches.size >= options.maxWatches) {
          return yield* new InvalidRequest({
            message: `this connection already has ${watches.size} watches, the most allowed; unwatch one first`
          })
        }
        const { recursive, view } = watchOptions
        let real: string
        try {
          real = NodeFs.realpathSync.native(root)
        } catch {
          return yield* new PathNotFound({ message: `fs/watch: no such file or directory: ${root}` })
        }
        // What is watched is what the view shows, as the path resolves now.
        if (view !== undefined && !view.shows(real)) return yield* denied("fs/watch", root, false)
        watches.set(watchId, "starting")
        /** Whether the id is still this watch's: an unwatch while it starts ends it. */
        const stillWanted = () => watches.get(watchId) === "starting"

        const events = yield* Queue.make<WatchEvent, Cause.Done>()
        const watched = new Map<string, Watched>()
        const realOf = (rel: string) => rel === "" ? real : Path.join(real, rel)
        const childOf = (rel: string, name: string) => rel === "" ? name : `${rel}/${name}`
        let pending = new Map<string, ChangeKind | undefined>()
        let overflow = false
        /** Events in `events`, not yet taken. */
        let queued = 0

        /** Records a change of `rel`, unless the view hides `judged` (where that change is, really). */
        const report = (rel: string, kind: ChangeKind, judged: string) => {
          if (view !== undefined && !view.shows(judged)) return
          const uri = pathToFileURL(Path.join(root, rel)).href
          if (!pending.has(uri) && pending.size >= options.maxChanges) {
            overflow = true
            return
          }
          pending.set(uri, merge(pending.get(uri), kind))
        }
        /** A symlink is judged by where it leads; anything else is where it is. */
        const judgedOf = (entryReal: string, stats: { isSymbolicLink(): boolean } | undefined) =>
          stats?.isSymbolicLink() ? realPathOf(entryReal) : entryReal

        /** Stops watching `rel` and everything watched below it. */
        const forget = (rel: string) => {
          for (const [key, entry] of watched) {
            if (rel === "" || key === rel || key.startsWith(rel + "/")) {
              entry.closed = true
              entry.watcher?.close()
              watched.delete(key)
              options.budget.release()
            }
          }
        }

        /**
         * Watches `rel` (the root, or a directory below it) and, when
         * recursive, opens it for listing (`listSome`). Past the watch's or
         * the server's bound nothing more is watched: `exceeded` says which,
         * and the next notification says `overflow`.
         */
        let exceeded: "watch" | "server" | "entries" | undefined
        const start = (rel: string): Listing | undefined => {
          const entryReal = realOf(rel)
          if (watched.has(rel)) return undefined
          if (rel !== "" && view !== undefined && !view.showsAnythingAt(entryReal)) return undefined
          if (watched.size >= options.maxDirectories || !options.budget.tryTake()) {
            exceeded ??= watched.size >= options.maxDirectories ? "watch" : "server"
            overflow = true
            return undefined
          }
          const held = hold(entryReal, rel !== "")
          if (held === undefined) {
            options.budget.release()
            if (rel === "") throw new PathNotFound({ message: `fs/watch: no such file or directory: ${root}` })
            return undefined
          }
          const directory = held.stats.isDirectory()
          const entry: Watched = {
            rel,
            real: entryReal,
            directory,
            dev: held.stats.dev,
            ino: held.stats.ino,
            watcher: undefined,
            closed: false,
            queued: new Set(),
            dropped: false
          }
          try {
            // Registered now, before the listing and the answer: nothing that changes after it is missed.
            // Watched through the descriptor (its inode, whatever path leads there now); "/." makes the
            // directory's events about itself name ".", which no entry can be called.
            const watcher = NodeFs.watch(directory ? `${ownDescriptorPath(held.fd)}/.` : ownDescriptorPath(held.fd), (type, name) => {
              const named = name === null ? null : name.toString()
              const key = `${type}/${named}`
              if (entry.queued.has(key)) return
              if (queued >= options.maxQueuedEvents) {
                entry.dropped = true
                overflow = true
                return
              }
              entry.queued.add(key)
              queued++
              Queue.offerUnsafe(events, [entry, type, named])
            })
            entry.watcher = watcher
            watched.set(rel, entry)
            watcher.on("error", () => Queue.offerUnsafe(events, [entry, "error", null]))
          } catch (error) {
            NodeFs.closeSync(held.fd)
            options.budget.release()
            if (rel === "") {
              throw new InvalidRequest({ message: `fs/watch ${root}: ${error instanceof Error ? error.message : String(error)}` })
            }
            return undefined
          }
          try {
            // Opened through the descriptor: the inode just watched, whatever is at its path now.
            return recursive && directory ? { rel, directory: NodeFs.opendirSync(ownDescriptorPath(held.fd), { bufferSize: 256 }) } : undefined
          } catch {
            // Not listable: only what changes in it from now on is seen.
            return undefined
          } finally {
            NodeFs.closeSync(held.fd)
          }
        }

        /**
         * Lists up to `most` more entries of a directory being watched; the
         * directories among them are still to watch. `announce`: the
         * directory appeared after the watch began, so what is in it already
         * is reported as created (it may have come before its watcher).
         */
        const listSome = (listing: Listing, most: number, announce: boolean) => {
          const below: Array<string> = []
          let read = 0
          let done = false
          try {
            while (read < most) {
              const dirent = listing.directory.readSync()
              if (dirent === null) {
                done = true
                break
              }
              read++
              const childRel = childOf(listing.rel, dirent.name)
              if (announce) report(childRel, "created", judgedOf(realOf(childRel), dirent))
              if (dirent.isDirectory()) below.push(childRel)
            }
          } catch {
            // No longer listable: what was listed is watched.
            done = true
          }
          return { below, read, done }
        }

        /**
         * Watches `rels` and, when recursive, the directories below them, a
         * step at a time with the event loop running between steps. At most
         * `options.maxEntries` entries are listed: past them `exceeded` is
         * "entries", the next notification says `overflow`, and nothing more
         * is watched. `going`: whether to go on (the watch still wanted);
         * `first`: a directory already watched, to list first.
         */
        const watchTree = (rels: ReadonlyArray<string>, announce: boolean, going: () => boolean, first?: Listing) =>
          Effect.gen(function*() {
            const pending = [...rels]
            let listing = first
            let entriesLeft = options.maxEntries
            try {
              while ((listing !== undefined || pending.length > 0) && going()) {
                let entries = 0
                for (let directories = 0; directories < DIRECTORIES_PER_STEP && entries < ENTRIES_PER_STEP;) {
                  if (listing === undefined) {
                    const next = pending.pop()
                    if (next === undefined) break
                    listing = start(next)
                    directories++
                    if (exceeded === "watch" || exceeded === "server") return
                    continue
                  }
                  const { below, done, read } = listSome(listing, Math.min(ENTRIES_PER_STEP - entries, entriesLeft + 1), announce)
                  entries += read
                  entriesLeft -= read
                  pending.push(...below)
                  if (entriesLeft < 0) {
                    exceeded ??= "entries"
                    overflow = true
                    return
                  }
                  if (done) {
                    listing.directory.closeSync()
                    listing = undefined
                  }
                }
                yield* breathe
              }
            } finally {
              listing?.directory.closeSync()
            }
          })

        /** `entry` is not at its place any more: the root's watch is over (said as its change); a directory's stops. */
        const gone = (entry: Watched) => {
          if (entry.rel !== "") return forget(entry.rel)
          const now = hold(real, false)
          if (now !== undefined) NodeFs.closeSync(now.fd)
          report("", now === undefined ? "removed" : "modified", real)
          forget("")
          Queue.endUnsafe(events)
        }

        /**
         * Where a watched directory (or file) is now: held if it is still the
         * inode watched, at its real place; looked up once for all the events
         * taken together (each came before the look, as one looked up per
         * event would).
         */
        const placeOf = (entry: Watched, places: Map<Watched, Held | undefined>): Held | undefined => {
          if (places.has(entry)) return places.get(entry)
          let here = hold(entry.real, entry.directory)
          if (here !== undefined && (here.stats.ino !== entry.ino || here.stats.dev !== entry.dev)) {
            NodeFs.closeSync(here.fd)
            here = undefined
          }
          places.set(entry, here)
          return here
        }

        const handle = ([entry, type, name]: WatchEvent, places: Map<Watched, Held | undefined>, later: Set<string>) => {
          if (type !== "error") {
            entry.queued.delete(`${type}/${name}`)
            queued--
          }
          if (entry.closed) return
          // The event counts only if what it came from is still the inode watched, at its real place.
          const here = type === "error" ? undefined : placeOf(entry, places)
          if (here === undefined) return gone(entry)
          if (!entry.directory || name === null || name === ".") {
            // The watched file, or a directory itself (its contents are its entries' events).
            if (!entry.directory || type === "change") report(entry.rel, "modified", entry.real)
            return
          }
          const rel = childOf(entry.rel, name)
          // Looked up in the directory the event came from, not by its path again.
          const stats = lstatOf(`${ownDescriptorPath(here.fd)}/${name}`)
          // "rename" says a name came or went: which one, the file system says.
          report(rel, type === "change" ? "modified" : stats === undefined ? "removed" : "created", judgedOf(Path.join(entry.real, name), stats))
          if (recursive && type === "rename") {
            const known = watched.get(rel)
            if (
              known !== undefined &&
              (stats === undefined || !stats.isDirectory() || stats.ino !== known.ino || stats.dev !== known.dev)
            ) {
              forget(rel)
            }
            if (stats?.isDirectory() && !watched.has(rel)) later.add(rel)
          }
        }

        /** The directories in a watched one (held at `here`) that are not watched, listed up to the watch's bound. */
        const unwatchedBelow = (entry: Watched, here: Held): Array<string> => {
          const found: Array<string> = []
          let directory: NodeFs.Dir
          try {
            directory = NodeFs.opendirSync(ownDescriptorPath(here.fd), { bufferSize: 256 })
          } catch {
            return found
          }
          try {
            for (let read = 0; read < options.maxEntries; read++) {
              const dirent = directory.readSync()
              if (dirent === null) return found
              const rel = childOf(entry.rel, dirent.name)
              if (dirent.isDirectory() && !watched.has(rel)) found.push(rel)
            }
            overflow = true
            return found
          } catch {
            return found
          } finally {
            directory.closeSync()
          }
        }

        /** The events taken together, then the directories that came with them watched (a step at a time). */
        const handleAll = (chunk: Arr.NonEmptyReadonlyArray<WatchEvent>) =>
          Effect.gen(function*() {
            const places = new Map<Watched, Held | undefined>()
            const later = new Set<string>()
            try {
              for (const event of chunk) handle(event, places, later)
              // A directory whose events were dropped: the directories in it not watched yet are watched now.
              if (recursive) {
                for (const entry of watched.values()) {
                  if (!entry.dropped || entry.closed || !entry.directory) continue
                  entry.dropped = false
                  const here = placeOf(entry, places)
                  if (here === undefined) continue
                  for (const rel of unwatchedBelow(entry, here)) later.add(rel)
                }
              }
            } finally {
              for (const here of places.values()) if (here !== undefined) NodeFs.closeSync(here.fd)
            }
            // Each batch of later directories meets the bounds afresh (watches ended meanwhile free their places).
            exceeded = undefined
            if (later.size > 0) yield* watchTree([...later], true, () => watched.has(""))
            return chunk
          })

        // The tree is watched a few directories at a time, the event loop
        // running between them: a large tree never stalls other clients. Its
        // events wait in the mailbox until the watch runs.
        const startFailed = yield* Effect.gen(function*() {
          const listing = yield* Effect.try({
            try: () => start(""),
            catch: (error) => error as InvalidRequest | PathNotFound
          })
          yield* watchTree([], false, stillWanted, listing)
          if (exceeded === "entries") {
            return new InvalidRequest({
              message: `fs/watch ${root}: the tree has more than ${options.maxEntries} entries (files and directories), the most ` +
                "one watch lists; watch a smaller tree, or without recursive"
            })
          }
          if (exceeded === "watch") {
            return new InvalidRequest({
              message: `fs/watch ${root}: the tree has more than ${options.maxDirectories} directories, the most one watch ` +
                "covers; watch a smaller tree, or without recursive"
            })
          }
          if (exceeded === "server") {
            return options.budget.refusal(`fs/watch ${root}: the server already watches ${options.budget.inUse} directories`)
          }
          return undefined
        }).pipe(Effect.onExit((exit) =>
          Effect.sync(() => {
            if (Exit.isSuccess(exit) && exit.value === undefined && stillWanted()) return
            forget("")
            if (stillWanted()) watches.delete(watchId)
          })
        ))
        if (startFailed !== undefined) return yield* startFailed
        // Unwatched while it started: that answer is given, nothing is left.
        if (!stillWanted()) return

        const flush = Effect.sync(() => {
          if (flow.paused()) return
          const changes = [...pending].flatMap(([path, kind]) => kind === undefined ? [] : [{ path, kind }])
          const overflowed = overflow
          pending = new Map()
          overflow = false
          if (changes.length > 0 || overflowed) notify({ watchId, changes, overflow: overflowed })
        })
        const unsubscribe = flow.subscribe((paused) => {
          if (!paused) Effect.runSync(flush)
        })
        const run = Stream.fromQueue(events).pipe(
          Stream.mapArrayEffect(handleAll),
          // Gathered for a while (or until there are many), then sent as one notification.
          Stream.groupedWithin(options.maxChanges, Duration.millis(options.coalesceMs)),
          Stream.runForEach(() => flush),
          Effect.ensuring(Effect.sync(stop))
        )
        /** Ends the watch's watchers; also run by `unwatch`, since a fiber interrupted before its first step runs no finalizer. */
        function stop() {
          unsubscribe()
          forget("")
        }
        const fiber = yield* Effect.forkIn(run, scope)
        if (stillWanted()) watches.set(watchId, { fiber, stop })
        else {
          yield* Fiber.interrupt(fiber)
          stop()
        }
      })

    const unwatch = (watchId: string) =>
      Effect.suspend(() => {
        const watch = watches.get(watchId)
        watches.delete(watchId)
        return watch === undefined || watch === "starting" ? Effect.void : Effect.andThen(Fiber.interrupt(watch.fiber), Effect.sync(watch.stop))
      })

    return { watch, unwatch }
  })
