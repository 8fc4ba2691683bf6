/**
 * Frame buffers reused once acknowledged (framePool.ts): by size class, never
 * in the macrotask that gave them back. A stream reusing them over a lossy
 * link is in reliableStream.test.ts.
 */
import { describe, expect, it } from "vitest"
import * as FramePool from "../../../src/remote/framePool.js"

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("frame pool", () => {
  it("gives a frame the smallest class that holds it; small and large frames get buffers of their own", () => {
    expect(FramePool.take(20_000).byteLength).toBe(32 * 1024)
    expect(FramePool.take(16 * 1024).byteLength).toBe(16 * 1024)
    expect(FramePool.take(60 * 1024 + 300).byteLength).toBe(64 * 1024)
    expect(FramePool.take(100).byteLength).toBe(100)
    expect(FramePool.take(90_000).byteLength).toBe(128 * 1024)
    expect(FramePool.take(200_000).byteLength).toBe(200_000)
  })

  it("reuses a buffer given back from the next macrotask on, once however often it was given back", async () => {
    await nextMacrotask()
    const buffer = FramePool.take(40_000)
    FramePool.giveBack(buffer)
    FramePool.giveBack(buffer)
    // A publish's copy may still be due in a microtask of this macrotask.
    expect(FramePool.take(40_000)).not.toBe(buffer)
    await nextMacrotask()
    expect(FramePool.take(40_000)).toBe(buffer)
    expect(FramePool.take(40_000)).not.toBe(buffer)
  })

  it("ignores buffers it did not lend", async () => {
    const before = FramePool.freeCounts()
    FramePool.giveBack(new ArrayBuffer(32 * 1024))
    await nextMacrotask()
    expect(FramePool.freeCounts()).toEqual(before)
  })
})
