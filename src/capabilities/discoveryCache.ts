/**
 * A connection's answers of `capabilities/discoverV2`, one per sandbox (16
 * at most), kept until a file under the locations changes, as the
 * reference keeps them (it refreshes on its watcher's events): the same
 * watcher as `fs/watch` (PathWatch.ts), recursive on each location that
 * exists and on the nearest existing directory above one that does not.
 * A change clears every answer, and the next call watches again (what was
 * created may be a location now). When the watches cannot be had (too many
 * directories), nothing is kept and each call reads the locations again.
 */
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import * as Path from "node:path"
import { makePathWatcher } from "../fs/PathWatch.js"
import { type Backpressure, defaultPathWatchOptions } from "../fs/pathWatchContract.js"
import type { Slots } from "../slots/Slots.js"

const MAX_KEPT = 16

/** The watcher's notes are only counted: nothing here can fall behind. */
const NEVER_PAUSED: Backpressure = { paused: () => false, subscribe: () => () => {} }

const nearestExisting = (path: string): string => {
  let at = path
  while (!NodeFs.existsSync(at) && Path.dirname(at) !== at) at = Path.dirname(at)
  return at
}

/** `budget`: the directories the server's discoveries may watch, over all connections. */
export const makeDiscoveryCache = <A>(budget: Slots) =>
  Effect.gen(function*() {
    const answers = new Map<string, A>()
    let generation = 0
    let watching: "no" | "yes" | "cannot" = "no"
    let watchIds: Array<string> = []
    let nextWatch = 0
    const watcher = yield* makePathWatcher(() => {
      generation++
      answers.clear()
      if (watching === "yes") watching = "no"
    }, NEVER_PAUSED, defaultPathWatchOptions(budget))

    const watch = (roots: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        yield* Effect.forEach(watchIds, watcher.unwatch, { discard: true })
        watchIds = []
        for (const root of new Set(roots.map(nearestExisting))) {
          const id = `discovery-${nextWatch++}`
          const watched = yield* Effect.result(watcher.watch(id, root, { recursive: roots.includes(root) }))
          if (watched._tag === "Failure") return false
          watchIds.push(id)
        }
        return true
      })

    /** The kept answer for `key`, else `compute`'s, kept unless something changed meanwhile. */
    const answer = <E>(key: string, roots: ReadonlyArray<string>, compute: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.gen(function*() {
        if (watching === "yes") {
          const kept = answers.get(key)
          if (kept !== undefined) return kept
        }
        if (watching === "no") watching = (yield* watch(roots)) ? "yes" : "cannot"
        const started = generation
        const computed = yield* compute
        if (watching === "yes" && generation === started) {
          answers.set(key, computed)
          if (answers.size > MAX_KEPT) answers.delete(answers.keys().next().value!)
        }
        return computed
      })
    return { answer }
  })
