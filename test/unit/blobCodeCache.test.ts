/**
 * native/blobCodeCache.mjs: dropping Node's code cache of its built-in
 * modules from a startup snapshot's blob (the build's "dropped" way on Node
 * 22). A blob ends with the cache: a count, then each module's id and code,
 * each behind its 64-bit length. test/smoke/otherNode.test.ts runs a blob
 * built so on Node 22.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { codeCacheOffset, dropCodeCache } from "../../native/blobCodeCache.mjs"

const size = (value: number) => {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64LE(BigInt(value))
  return bytes
}
const entry = (id: string, code: Buffer) => Buffer.concat([size(id.length), Buffer.from(id), size(code.length), code])
const codeCache = (entries: ReadonlyArray<readonly [string, Buffer]>) =>
  Buffer.concat([size(entries.length), ...entries.map(([id, code]) => entry(id, code))])

/** What precedes the cache in a blob: bytes of any value, small counts and lengths among them. */
const before = Buffer.concat([Buffer.from([0x19, 0xda, 0x3d, 0x14]), size(3), Buffer.from("vm\0"), Buffer.alloc(1000, 7), size(2)])

let dir: string | undefined
const blobOf = (bytes: Buffer) => {
  dir ??= Fs.mkdtempSync(Path.join(Os.tmpdir(), "blob-code-cache-"))
  const file = Path.join(dir, "test.blob")
  Fs.writeFileSync(file, bytes)
  return file
}
afterEach(() => {
  if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe("dropCodeCache", () => {
  it("leaves what precedes the cache and an empty cache", () => {
    const cache = codeCache([["vm", Buffer.alloc(300, 1)], ["internal/streams/readable", Buffer.alloc(50, 0)], ["undici", Buffer.alloc(0)]])
    const file = blobOf(Buffer.concat([before, cache]))
    expect(codeCacheOffset(Fs.readFileSync(file))).toBe(before.length)
    expect(dropCodeCache(file)).toBe(cache.length - 8)
    expect(Fs.readFileSync(file)).toEqual(Buffer.concat([before, size(0)]))
  })

  it("leaves a file that does not end with a code cache as it was", () => {
    const cases = [
      // Already empty (a blob built without the cache).
      Buffer.concat([before, size(0)]),
      // One byte short of its last entry's code, and one byte past it.
      Buffer.concat([before, codeCache([["vm", Buffer.alloc(300, 1)]])]).subarray(0, -1),
      Buffer.concat([before, codeCache([["vm", Buffer.alloc(300, 1)]]), Buffer.alloc(1)]),
      // An id no built-in module has.
      Buffer.concat([before, codeCache([["vm", Buffer.alloc(30, 1)], ["a b", Buffer.alloc(30, 1)]])])
    ]
    for (const bytes of cases) {
      const file = blobOf(bytes)
      expect(dropCodeCache(file)).toBe(0)
      expect(Fs.readFileSync(file)).toEqual(bytes)
    }
  })
})
