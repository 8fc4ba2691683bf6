/**
 * The operations on paths are declared once, as the worker's `PathRpcs`:
 * the host backend, the access each is checked for under a sandbox, the
 * worker's handlers and the sandboxed backend all follow from the group.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as FileSystem from "effect/FileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as FsBackend from "../../src/fs/FsBackend.js"
import { PATH_ACCESS, PathRpcs, WorkerRpcs } from "../../src/fs/WorkerRpcs.js"

const pathTags = [...PathRpcs.requests.keys()].sort()

describe("operations on paths, derived from PathRpcs", () => {
  it("every one has its access rule, and the worker serves them all besides its handle operations", () => {
    expect(Object.keys(PATH_ACCESS).sort()).toEqual(pathTags)
    expect([...WorkerRpcs.requests.keys()].sort()).toEqual(
      [...pathTags, "openFile", "readBlock", "writeBlock", "closeFile"].sort()
    )
    expect(PATH_ACCESS.copy({ sourcePath: "/a", destinationPath: "/b", recursive: true }))
      .toEqual({ reads: ["/a"], writes: ["/b"] })
    expect(PATH_ACCESS.remove({ path: "/a", recursive: false, force: false })).toEqual({ reads: [], writes: ["/a"] })
  })

  it.effect("pathOperations makes each by its name, and the host backend has exactly them and openFile", () =>
    Effect.gen(function*() {
      const made = FsBackend.pathOperations((tag) => () => Effect.succeed(tag))
      expect(Object.keys(made).sort()).toEqual(pathTags)
      expect(yield* made.canonicalize({ path: "/" })).toBe("canonicalize")
      const host = FsBackend.host(yield* FileSystem.FileSystem)
      expect(Object.keys(host).sort()).toEqual([...pathTags, "openFile"].sort())
      const dir = mkdtempSync(Path.join(tmpdir(), "fs-backend-"))
      try {
        writeFileSync(Path.join(dir, "a"), "hello")
        expect(new TextDecoder().decode(yield* host.readFile({ path: Path.join(dir, "a"), offset: 1, length: 3, maxBytes: 100 })))
          .toBe("ell")
        yield* host.copy({ sourcePath: Path.join(dir, "a"), destinationPath: Path.join(dir, "b"), recursive: false })
        expect((yield* host.readDirectory({ path: dir })).entries.map((entry) => entry.fileName).sort()).toEqual(["a", "b"])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
