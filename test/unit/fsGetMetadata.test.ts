/**
 * `fs/getMetadata` asks for the path's stat and for its link at once: on a
 * loaded server every trip through libuv's thread pool waits for a turn of
 * the event loop, so two trips one after the other cost two turns
 * (docs/PERFORMANCE.md, "Latency under load"). Checked by order, not time:
 * the stat here is held until the test lets it go, and the link must have
 * been asked for meanwhile.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import * as FileSystem from "effect/FileSystem"
import { mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as FileOperations from "../../src/fs/FileOperations.js"

/** The real filesystem, but its stat waits for `release`; what was asked is noted in `asked`. */
const heldStat = (real: FileSystem.FileSystem, release: Deferred.Deferred<void>, asked: Array<string>) =>
  FileSystem.makeNoop({
    stat: (path) =>
      Effect.suspend(() => {
        asked.push("stat")
        return Effect.andThen(Deferred.await(release), real.stat(path))
      }),
    readLink: (path) =>
      Effect.suspend(() => {
        asked.push("readLink")
        return real.readLink(path)
      })
  })

describe("fs/getMetadata's lookups", () => {
  it.effect("asks for the link while the stat is still on its way, and answers as before", () =>
    Effect.gen(function*() {
      const real = yield* FileSystem.FileSystem
      const dir = mkdtempSync(Path.join(tmpdir(), "get-metadata-"))
      try {
        const link = Path.join(dir, "link")
        symlinkSync(dir, link)
        const release = yield* Deferred.make<void>()
        const asked: Array<string> = []
        const fiber = yield* FileOperations.getMetadata(link).pipe(
          Effect.provideService(FileSystem.FileSystem, heldStat(real, release, asked)),
          Effect.forkChild
        )
        // Until the held stat was asked for, and a few turns of the scheduler more.
        while (!asked.includes("stat")) yield* Effect.yieldNow
        for (let turn = 0; turn < 10; turn++) yield* Effect.yieldNow
        expect(asked).toEqual(["stat", "readLink"])
        yield* Deferred.succeed(release, undefined)
        const metadata = yield* Fiber.join(fiber)
        expect(metadata.isDirectory).toBe(true)
        expect(metadata.isSymlink).toBe(true)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("a missing path still fails with the stat's error (-32004)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(FileOperations.getMetadata(Path.join(tmpdir(), "get-metadata-missing", "nothing")))
      expect(error.code).toBe(-32004)
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
