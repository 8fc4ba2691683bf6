/**
 * What one recursive `fs/watch` may cover, and all of a server's together:
 * a big tree is refused at once instead of stalling every client while it
 * is watched, and the directories of all watches share one budget. The
 * server in process, on src/. That a tree within the bound is watched
 * without stalling other clients is watchBoundsProcess.test.ts.
 */
import { Effect, Exit, Scope } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { makePathWatcher } from "../../src/fs/PathWatch.js"
import { defaultPathWatchOptions, watchedDirectorySlots } from "../../src/fs/pathWatchContract.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { useTempDirs } from "../support/tempDirs.js"
import { treesIn } from "../support/watchBounds.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

const startWebSocket = useInProcessWebSocketServers()
const tempDir = useTempDirs("watch-bounds-")

const treeOf = treesIn(tempDir)

describe("a recursive fs/watch", () => {
  it("of a tree past the bound (/usr) is refused, and the server goes on", async () => {
    const server = await startWebSocket()
    const client = await RawWebSocketClient.connectReady(server.url)
    const refused = await client.request("fs/watch", { watchId: "usr", path: "/usr", recursive: true })
    expect(refused.error).toMatchObject({ code: -32600 })
    expect(refused.error.message).toContain("more than 4096 directories")
    // The id is free again, and a smaller watch works.
    const dir = tempDir()
    expect((await client.request("fs/watch", { watchId: "usr", path: dir, recursive: true })).result).toEqual({ watchId: "usr" })
  })

  it("of a tree past the bound is refused once the bound is reached, not after the whole tree is walked", () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      // Counted, not timed: the walk asks the view about each directory below the root before it watches it.
      let looked = 0
      const view = { shows: () => true, showsAnythingAt: () => (looked++, true) }
      const flow = { paused: () => false, subscribe: () => () => {} }
      const watcher = yield* makePathWatcher(() => {}, flow, { ...defaultPathWatchOptions(watchedDirectorySlots(1000)), maxDirectories: 12 })
      // 200 directories, the 4 they are in and the root.
      const refused = yield* Effect.exit(watcher.watch("big", treeOf(200, 50), { recursive: true, view }))
      expect(Exit.isFailure(refused) && JSON.stringify(refused.cause)).toContain("more than 12 directories")
      // The root and 11 below it watched, and the 12th below it found past the bound: nothing after.
      expect(looked).toBe(12)
    }))))
})

describe("watch budgets", () => {
  const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))

  it("are shared by the server's watches: past the server's bound a watch is busy (-32001), and free again once another ends", () =>
    run(Effect.gen(function*() {
      const budget = watchedDirectorySlots(15)
      const options = { ...defaultPathWatchOptions(budget), maxDirectories: 12 }
      const flow = { paused: () => false, subscribe: () => () => {} }
      const first = yield* makePathWatcher(() => {}, flow, options)
      const second = yield* makePathWatcher(() => {}, flow, options)
      // 9 directories, the 3 they are in and the root: 13, past one watch's bound of 12.
      const tree = treeOf(9, 3)
      const tooBig = yield* Effect.exit(first.watch("big", tree, { recursive: true }))
      expect(Exit.isFailure(tooBig) && JSON.stringify(tooBig.cause)).toContain("more than 12 directories")
      expect(budget.inUse).toBe(0)
      // 6 + 2 + 1 = 9 directories: one such watch fits in the server's 15, two do not.
      const small = treeOf(6, 3)
      yield* first.watch("a", small, { recursive: true })
      expect(budget.inUse).toBe(9)
      const busy = yield* Effect.exit(second.watch("b", small, { recursive: true }))
      expect(Exit.isFailure(busy) && JSON.stringify(busy.cause)).toContain("ExecServer/ServerBusy")
      expect(budget.inUse).toBe(9)
      yield* first.unwatch("a")
      expect(budget.inUse).toBe(0)
      yield* second.watch("b", small, { recursive: true })
      expect(budget.inUse).toBe(9)
    })))

  it("are given back by an unwatch that comes at once after the watch (before the watch's fiber ran a step)", () =>
    run(Effect.gen(function*() {
      const budget = watchedDirectorySlots(100)
      const flow = { paused: () => false, subscribe: () => () => {} }
      const watcher = yield* makePathWatcher(() => {}, flow, defaultPathWatchOptions(budget))
      yield* watcher.watch("a", treeOf(6, 3), { recursive: true })
      expect(budget.inUse).toBe(9)
      yield* watcher.unwatch("a")
      expect(budget.inUse).toBe(0)
    })))

  it("bound a tree that grows after the watch began: what comes past the bound is not watched, and the client is told to look again", () =>
    run(Effect.gen(function*() {
      const budget = watchedDirectorySlots(100)
      let overflowed: () => void = () => {}
      const overflow = new Promise<void>((resolve) => overflowed = resolve)
      const flow = { paused: () => false, subscribe: () => () => {} }
      const watcher = yield* makePathWatcher((changes) => {
        if (changes.overflow) overflowed()
      }, flow, { ...defaultPathWatchOptions(budget), maxDirectories: 4 })
      const root = tempDir()
      yield* watcher.watch("grow", root, { recursive: true })
      mkdirSync(`${root}/a/b/c/d/e`, { recursive: true })
      yield* Effect.promise(() => overflow).pipe(Effect.timeout("5 seconds"))
      expect(budget.inUse).toBe(4)
    })))

  it("bound the events waiting to be taken: a burst past it is dropped with overflow, and a directory made in the burst is still watched", () =>
    run(Effect.gen(function*() {
      const notes: Array<{ readonly paths: ReadonlyArray<string>; readonly overflow: boolean }> = []
      let heard: () => void = () => {}
      const flow = { paused: () => false, subscribe: () => () => {} }
      const watcher = yield* makePathWatcher((changes) => {
        notes.push({ paths: changes.changes.map((change) => change.path), overflow: changes.overflow })
        heard()
      }, flow, { ...defaultPathWatchOptions(watchedDirectorySlots(100)), maxQueuedEvents: 8 })
      const root = tempDir()
      yield* watcher.watch("burst", root, { recursive: true })
      const next = (test: () => boolean) =>
        Effect.promise(() => new Promise<void>((resolve) => {
          heard = () => test() && resolve()
          heard()
        }))
      // All written before the server's thread takes one event: far more than 8 wait, a directory among them.
      for (let i = 0; i < 200; i++) writeFileSync(`${root}/f${i}`, "x")
      mkdirSync(`${root}/late`)
      for (let i = 200; i < 400; i++) writeFileSync(`${root}/f${i}`, "x")
      yield* next(() => notes.some((note) => note.overflow))
      // Looked at again: the directory that came in the burst is watched.
      writeFileSync(`${root}/late/inside`, "x")
      yield* next(() => notes.some((note) => note.paths.some((path) => path.endsWith("/late/inside"))))
    })))
})
