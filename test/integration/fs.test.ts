/** The fs/* methods against a real temporary directory, through the client library. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { execFileSync } from "node:child_process"
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"

const client = InProcessClient.layer().pipe(
  Layer.provide(ExecServer.layerNodeServices),
  Layer.provide(ServerConfig.layer({ maxReadFileBytes: 8 * 1024 * 1024 }))
)

const withDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(Path.join(tmpdir(), "exec-server-fs-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** The failure of an effect that must fail (a ServerError carries the JSON-RPC code). */
const codeOf = <A, E>(effect: Effect.Effect<A, E>) => Effect.flip(effect)

describe("fs methods", () => {
  it.live("file handles belong to the session: when it ends, an unclosed replacing handle leaves its target and no temporary file", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const target = Path.join(dir, "kept.txt")
        writeFileSync(target, "original")
        yield* Effect.gen(function*() {
          const { call } = yield* ExecServerClient.ExecServerClient
          yield* call("fs/open", { handleId: "w", path: target, mode: "replace" })
          yield* call("fs/writeBlock", { handleId: "w", offset: 0, chunk: Buffer.from("half of a new").toString("base64") })
          expect(readdirSync(dir).length).toBe(2)
          const duplicate = yield* call("fs/open", { handleId: "w", path: target, mode: "replace" }).pipe(Effect.flip)
          expect(duplicate._tag).toBe("ExecServer/InvalidRequest")
        }).pipe(Effect.provide(client))
        expect(readdirSync(dir)).toEqual(["kept.txt"])
        expect(readFileSync(target, "utf8")).toBe("original")
      })
    ))

  it.live("walk lists breadth first in byte order, as the reference: links, loops, pruning and every limit", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { call } = yield* ExecServerClient.ExecServerClient
        const root = realpathSync(dir)
        for (const d of [".hidden/inner", "a/b/c/d", "emptydir", "z"]) mkdirSync(Path.join(root, d), { recursive: true })
        for (const f of [".hf", ".hidden/inner/h1", "B.txt", "a/f1", "a/b/f2", "a/b/c/d/deep", "top.txt"]) writeFileSync(Path.join(root, f), "")
        symlinkSync(root, Path.join(root, "z/loop"))
        symlinkSync(Path.join(root, "a"), Path.join(root, "linkdir"))
        symlinkSync(Path.join(root, "top.txt"), Path.join(root, "linkfile"))
        symlinkSync(Path.join(root, "nonexist"), Path.join(root, "dangling"))
        execFileSync("mkfifo", [Path.join(root, "fifo")])
        const options = { maxDepth: 64, maxDirectories: 100, maxEntries: 1000, followDirectorySymlinks: false }
        const walk = (extra: Partial<typeof options> & { readonly pruneHiddenDirectories?: boolean } = {}, path = root) =>
          call("fs/walk", { path, options: { ...options, pruneHiddenDirectories: false, ...extra } })
        const listed = (result: { readonly entries: ReadonlyArray<{ readonly path: string; readonly kind: string }> }) =>
          result.entries.map((entry) => `${entry.kind[0]} ${decodeURIComponent(new URL(entry.path).pathname).slice(root.length + 1)}`)
        expect(listed(yield* walk())).toEqual([
          "f .hf", "d .hidden", "f B.txt", "d a", "d emptydir", "f top.txt", "d z",
          "d .hidden/inner", "d a/b", "f a/f1", "f .hidden/inner/h1", "d a/b/c", "f a/b/f2", "d a/b/c/d", "f a/b/c/d/deep"
        ])
        // Followed links are listed, and not descended again when their target was.
        expect(listed(yield* walk({ followDirectorySymlinks: true }))).toEqual([
          "f .hf", "d .hidden", "f B.txt", "d a", "d emptydir", "d linkdir", "f top.txt", "d z",
          "d .hidden/inner", "d a/b", "f a/f1", "d z/loop", "f .hidden/inner/h1", "d a/b/c", "f a/b/f2", "d a/b/c/d", "f a/b/c/d/deep"
        ])
        expect(listed(yield* walk({ pruneHiddenDirectories: true }))).not.toContain("d .hidden/inner")
        expect(listed(yield* walk({ pruneHiddenDirectories: true }))).toContain("d .hidden")
        expect(listed(yield* walk({ maxDepth: 0 }))).toEqual(["f .hf", "d .hidden", "f B.txt", "d a", "d emptydir", "f top.txt", "d z"])
        const fewEntries = yield* walk({ maxEntries: 3 })
        expect([listed(fewEntries), fewEntries.truncated]).toEqual([["f .hf", "d .hidden", "f B.txt"], true])
        const fewDirectories = yield* walk({ maxDirectories: 2 })
        expect(listed(fewDirectories).at(-1)).toBe("d .hidden/inner")
        expect(fewDirectories.truncated).toBe(true)
        expect((yield* walk({ maxEntries: 0 }).pipe(Effect.flip)).message).toBe("filesystem walk limits must be greater than zero")
        expect((yield* walk({ maxDepth: 65 }).pipe(Effect.flip))._tag).toBe("ExecServer/InvalidRequest")
        expect((yield* walk({}, Path.join(root, "nonexist")).pipe(Effect.flip))._tag).toBe("ExecServer/PathNotFound")
        expect(yield* walk({}, Path.join(root, "top.txt"))).toEqual({ entries: [], errors: [], truncated: false })
        expect(yield* walk({}, Path.join(root, "linkdir"))).toEqual({ entries: [], errors: [], truncated: false })
        expect(listed(yield* walk({ followDirectorySymlinks: true, maxDepth: 1 }, Path.join(root, "linkdir")))
          .map((line) => line.replace(/^(.) [^/]*\//, "$1 "))).toEqual(["d b", "f f1", "d b/c", "f b/f2"])
      }).pipe(Effect.provide(client))
    ))

  it.live("canonicalize resolves symlinks to a file:// URI; a missing path is -32004", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { call } = yield* ExecServerClient.ExecServerClient
        const real = realpathSync(dir)
        mkdirSync(Path.join(real, "a"))
        writeFileSync(Path.join(real, "a", "target.txt"), "x")
        symlinkSync(Path.join(real, "a"), Path.join(real, "link"))
        const resolved = yield* call("fs/canonicalize", { path: pathToFileURL(Path.join(real, "link", "target.txt")).href })
        expect(resolved).toEqual({ path: pathToFileURL(Path.join(real, "a", "target.txt")).href })
        const missing = yield* call("fs/canonicalize", { path: Path.join(real, "nope") }).pipe(Effect.flip)
        expect(missing._tag).toBe("ExecServer/PathNotFound")
      }).pipe(Effect.provide(client))
    ))

  it.live("file handles stream a file both ways in blocks; a read handle refuses writes, and a FIFO is refused", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { call, fs } = yield* ExecServerClient.ExecServerClient
        const data = randomBytes(3 * 1024 * 1024 + 17)
        const target = Path.join(dir, "streamed.bin")
        yield* Effect.scoped(Effect.gen(function*() {
          const handle = yield* fs.open(target, { mode: "replace" })
          for (let offset = 0; offset < data.length; offset += 1024 * 1024) {
            yield* handle.writeBlock(offset, data.subarray(offset, offset + 1024 * 1024))
          }
          yield* handle.close
        }))
        const chunks = yield* Stream.runCollect(fs.readFileStream(target, { blockBytes: 1024 * 1024 }))
        expect(Buffer.concat([...chunks]).equals(data)).toBe(true)
        yield* call("fs/open", { handleId: "r", path: target, mode: "read" })
        const refused = yield* call("fs/writeBlock", { handleId: "r", offset: 0, chunk: "AA==" }).pipe(Effect.flip)
        expect(refused._tag).toBe("ExecServer/InvalidRequest")
        const fifo = Path.join(dir, "fifo")
        execFileSync("mkfifo", [fifo])
        const notRegular = yield* call("fs/open", { handleId: "f", path: fifo, mode: "read" }).pipe(Effect.flip)
        expect(notRegular.message).toContain("a FIFO")
      }).pipe(Effect.provide(client))
    ))

  it.live("writeFile then readFile round-trips binary data, atomically, by path or file:// URI", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        const data = randomBytes(100_000)
        const target = Path.join(dir, "data.bin")
        yield* fs.writeFile(target, data)
        expect(Buffer.from(yield* fs.readFile(pathToFileURL(target).href)).equals(data)).toBe(true)
        expect(readFileSync(target).equals(data)).toBe(true)
        // Overwrites leave no temporary files behind.
        yield* fs.writeFile(target, "second")
        expect(readFileSync(target, "utf8")).toBe("second")
        expect((yield* fs.readDirectory(dir)).map((entry) => entry.fileName)).toEqual(["data.bin"])
      })
    ).pipe(Effect.provide(client)))

  it.live("reads a 50 MB file in blocks, and refuses it whole over the read limit", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        const data = randomBytes(50 * 1024 * 1024)
        const target = Path.join(dir, "big.bin")
        writeFileSync(target, data)
        const whole = yield* codeOf(fs.readFile(target))
        expect(whole).toMatchObject({ code: -32600 })
        expect(String((whole as { message?: string }).message)).toContain(String(8 * 1024 * 1024))
        const hash = createHash("sha256")
        const block = 4 * 1024 * 1024
        for (let offset = 0; offset < data.length; offset += block) {
          hash.update(yield* fs.readFile(target, { offset, length: block }))
        }
        expect(hash.digest("hex")).toBe(createHash("sha256").update(data).digest("hex"))
        expect((yield* fs.readFile(target, { offset: data.length, length: 10 })).length).toBe(0)
      })
    ).pipe(Effect.provide(client)))

  it.live("createDirectory, getMetadata and readDirectory describe what is there", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        yield* fs.createDirectory(Path.join(dir, "a/b/c"))
        const flat = yield* codeOf(fs.createDirectory(Path.join(dir, "x/y"), { recursive: false }))
        expect(flat).toMatchObject({ code: -32004 })
        writeFileSync(Path.join(dir, "file.txt"), "12345")
        symlinkSync(Path.join(dir, "file.txt"), Path.join(dir, "link"))
        const metadata = yield* fs.getMetadata(Path.join(dir, "file.txt"))
        expect(metadata).toMatchObject({ isFile: true, isDirectory: false, isSymlink: false, size: 5 })
        expect(metadata.modifiedAtMs).toBeGreaterThan(Date.now() - 60_000)
        expect(yield* fs.getMetadata(Path.join(dir, "link"))).toMatchObject({ isFile: true, isSymlink: true })
        expect(yield* fs.getMetadata(Path.join(dir, "a"))).toMatchObject({ isDirectory: true, isFile: false })
        const entries = [...(yield* fs.readDirectory(dir))].sort((x, y) => x.fileName.localeCompare(y.fileName))
        expect(entries).toEqual([
          { fileName: "a", isDirectory: true, isFile: false },
          { fileName: "file.txt", isDirectory: false, isFile: true },
          { fileName: "link", isDirectory: false, isFile: true }
        ])
      })
    ).pipe(Effect.provide(client)))

  it.live("copy copies files and, when recursive, directory trees", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        mkdirSync(Path.join(dir, "src/nested/deeper"), { recursive: true })
        writeFileSync(Path.join(dir, "src/top.txt"), "top")
        writeFileSync(Path.join(dir, "src/nested/deeper/bottom.bin"), Buffer.from([0, 1, 2, 255]))
        yield* fs.copy(Path.join(dir, "src/top.txt"), Path.join(dir, "copy.txt"))
        expect(readFileSync(Path.join(dir, "copy.txt"), "utf8")).toBe("top")
        const refused = yield* codeOf(fs.copy(Path.join(dir, "src"), Path.join(dir, "dst")))
        expect(refused).toMatchObject({ code: -32600 })
        yield* fs.copy(Path.join(dir, "src"), Path.join(dir, "dst"), { recursive: true })
        expect(readFileSync(Path.join(dir, "dst/top.txt"), "utf8")).toBe("top")
        expect([...readFileSync(Path.join(dir, "dst/nested/deeper/bottom.bin"))]).toEqual([0, 1, 2, 255])
      })
    ).pipe(Effect.provide(client)))

  it.live("remove deletes files and, when recursive, trees; force ignores a missing path", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        mkdirSync(Path.join(dir, "tree/inner"), { recursive: true })
        writeFileSync(Path.join(dir, "tree/inner/f"), "x")
        writeFileSync(Path.join(dir, "single"), "x")
        yield* fs.remove(Path.join(dir, "single"))
        expect(existsSync(Path.join(dir, "single"))).toBe(false)
        const notRecursive = yield* codeOf(fs.remove(Path.join(dir, "tree")))
        expect(notRecursive).toMatchObject({ code: -32603 })
        yield* fs.remove(Path.join(dir, "tree"), { recursive: true })
        expect(existsSync(Path.join(dir, "tree"))).toBe(false)
        expect(yield* codeOf(fs.remove(Path.join(dir, "missing")))).toMatchObject({ code: -32004 })
        yield* fs.remove(Path.join(dir, "missing"), { force: true })
      })
    ).pipe(Effect.provide(client)))

  it.live("readDirectory follows symlinks to report kinds: files, directories, FIFOs; a dangling link is left out (as the reference)", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        mkdirSync(Path.join(dir, "sub"))
        writeFileSync(Path.join(dir, "file"), "x")
        symlinkSync(Path.join(dir, "file"), Path.join(dir, "to-file"))
        symlinkSync(Path.join(dir, "sub"), Path.join(dir, "to-dir"))
        symlinkSync(Path.join(dir, "nowhere"), Path.join(dir, "dangling"))
        execFileSync("mkfifo", [Path.join(dir, "fifo")])
        const entries = [...(yield* fs.readDirectory(dir))].sort((x, y) => x.fileName.localeCompare(y.fileName))
        expect(entries).toEqual([
          { fileName: "fifo", isDirectory: false, isFile: false },
          { fileName: "file", isDirectory: false, isFile: true },
          { fileName: "sub", isDirectory: true, isFile: false },
          { fileName: "to-dir", isDirectory: true, isFile: false },
          { fileName: "to-file", isDirectory: false, isFile: true }
        ])
        expect(yield* codeOf(fs.readDirectory(Path.join(dir, "file")))).toMatchObject({ code: -32600 })
        expect(yield* codeOf(fs.readDirectory(Path.join(dir, "dangling")))).toMatchObject({ code: -32004 })
        // A large directory, whole.
        const big = Path.join(dir, "big")
        mkdirSync(big)
        for (let i = 0; i < 20_000; i++) writeFileSync(Path.join(big, `f${i}`), "")
        const listed = yield* fs.readDirectory(big)
        expect(listed.length).toBe(20_000)
        expect(new Set(listed.map((entry) => entry.fileName)).size).toBe(20_000)
        expect(listed.every((entry) => entry.isFile && !entry.isDirectory)).toBe(true)
      })
    ).pipe(Effect.provide(client)), { timeout: 60_000 })

  it.live("readFile and copy refuse what is not a regular file; /proc files whose size says 0 read whole", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        const fifo = Path.join(dir, "fifo")
        execFileSync("mkfifo", [fifo])
        for (const path of [fifo, "/dev/zero", "/dev/null", "/dev/urandom"]) {
          const whole = yield* codeOf(fs.readFile(path))
          expect(whole, path).toMatchObject({ code: -32600 })
          expect(String((whole as { message?: string }).message), path).toMatch(/not a regular file/)
          expect(yield* codeOf(fs.readFile(path, { offset: 0, length: 10 })), path).toMatchObject({ code: -32600 })
          expect(yield* codeOf(fs.copy(path, Path.join(dir, "copy"))), path).toMatchObject({ code: -32600 })
        }
        expect(existsSync(Path.join(dir, "copy"))).toBe(false)
        const status = Buffer.from(yield* fs.readFile("/proc/self/status")).toString()
        expect(status).toMatch(/^Name:/)
        expect(status).toContain(`\nPid:\t${process.pid}\n`)
        // A tree holding a FIFO is refused, not copied until it blocks.
        mkdirSync(Path.join(dir, "tree"))
        writeFileSync(Path.join(dir, "tree/file"), "x")
        execFileSync("mkfifo", [Path.join(dir, "tree/pipe")])
        expect(yield* codeOf(fs.copy(Path.join(dir, "tree"), Path.join(dir, "tree-copy"), { recursive: true })))
          .toMatchObject({ code: -32600 })
        // writeFile does not replace a FIFO (or a device) with a regular file.
        expect(yield* codeOf(fs.writeFile(fifo, "x"))).toMatchObject({ code: -32600 })
        expect(lstatSync(fifo).isFIFO()).toBe(true)
      })
    ).pipe(Effect.provide(client)))

  it.live("reports errors with their codes: -32004 missing, -32600 directory, -32602 relative, -32603 errno", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { call, fs } = yield* ExecServerClient.ExecServerClient
        expect(yield* codeOf(fs.readFile(Path.join(dir, "nope")))).toMatchObject({ code: -32004 })
        expect(yield* codeOf(fs.getMetadata(Path.join(dir, "nope")))).toMatchObject({ code: -32004 })
        expect(yield* codeOf(fs.readDirectory(Path.join(dir, "nope")))).toMatchObject({ code: -32004 })
        expect(yield* codeOf(fs.readFile(dir))).toMatchObject({ code: -32600 })
        writeFileSync(Path.join(dir, "plain"), "x")
        expect(yield* codeOf(fs.writeFile(Path.join(dir, "plain/child"), "x"))).toMatchObject({
          _tag: "ExecServer/InternalError",
          code: -32603,
          errno: "ENOTDIR"
        })
        const relative = yield* codeOf(call("fs/readFile", { path: "relative/path" }))
        expect(relative).toMatchObject({ _tag: "ExecServer/InvalidParams", code: -32602 })
      })
    ).pipe(Effect.provide(client)))
})
