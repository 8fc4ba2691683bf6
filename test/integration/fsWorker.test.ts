/**
 * The sandboxed fs worker on its own, driven over its stdio by the server's
 * RpcClient: the protocol's errors come back typed, handles' files are
 * committed or dropped, and the end of its input drops what was never
 * closed and ends it. The worker is the run's bundle of src/fs/worker.ts
 * (test/support/sourcesBuild.ts, bundled as `npm run build` bundles
 * dist/fs/worker.js), so no build is needed.
 */
import * as RpcClient from "effect/rpc/RpcClient"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, inject, it } from "vitest"
import { workerProtocol } from "../../src/fs/workerClient.js"
import { WorkerRpcs } from "../../src/fs/WorkerRpcs.js"
import { InvalidRequest, PathNotFound } from "../../src/protocol/errors.js"

const WORKER = inject("fsWorkerScript")

let directories: Array<string> = []
afterEach(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true })
  directories = []
})

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8")

describe("the fs worker", () => {
  it("answers with the protocol's errors, commits what was closed, and at the end of its input drops the rest and exits", async () => {
    const dir = realpathSync(mkdtempSync(Path.join(tmpdir(), ".fs-worker-")))
    directories.push(dir)
    const child = spawn(process.execPath, [WORKER], { stdio: ["pipe", "pipe", "inherit"] })
    child.stdin.on("error", () => {})
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    let ended = false
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const worker = yield* RpcClient.make(WorkerRpcs).pipe(
        Effect.provideServiceEffect(RpcClient.Protocol, workerProtocol(child, () => (ended = true)))
      )
      yield* worker.openFile({ handle: 1, path: `${dir}/kept`, mode: "replace", maxBlockBytes: 1024 })
      yield* worker.openFile({ handle: 2, path: `${dir}/dropped`, mode: "replace", maxBlockBytes: 1024 })
      yield* worker.writeBlock({ handle: 1, offset: 0, data: new TextEncoder().encode("kept") })
      yield* worker.writeBlock({ handle: 2, offset: 0, data: new TextEncoder().encode("dropped") })
      yield* worker.closeFile({ handle: 1, commit: true })
      expect(text(yield* worker.readFile({ path: `${dir}/kept`, maxBytes: 100 }))).toBe("kept")
      expect(text(yield* worker.readFile({ path: `${dir}/kept`, offset: 1, length: 2, maxBytes: 100 }))).toBe("ep")
      expect(yield* Effect.flip(worker.readFile({ path: `${dir}/missing`, maxBytes: 100 }))).toBeInstanceOf(PathNotFound)
      expect(yield* Effect.flip(worker.readBlock({ handle: 9, offset: 0, length: 1 }))).toBeInstanceOf(InvalidRequest)
      expect(yield* worker.getMetadata({ path: `${dir}/kept` })).toMatchObject({ isFile: true, size: 4 })

      child.stdin.end()
      expect(yield* Effect.promise(() => exited)).toBe(0)
      // Asked after its end: the worker's end, not a wait for ever.
      expect((yield* Effect.flip(worker.getMetadata({ path: dir })))._tag).toBe("RpcClientError")
    })))
    expect(ended).toBe(true)
    expect(readdirSync(dir)).toEqual(["kept"])
    expect(readFileSync(Path.join(dir, "kept"), "utf8")).toBe("kept")
  })
})
