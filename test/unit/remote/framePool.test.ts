/**
 * Frame buffers reused once acknowledged (framePool.ts): by size class, never
 * in the macrotask that gave them back, and a stream that reuses them still
 * delivers every message whole over a link that loses, duplicates and
 * reorders (copying what it transmits, as nats.js does at its flush).
 */
import { describe, expect, it } from "vitest"
import { createHash, randomBytes } from "node:crypto"
import * as Either from "effect/Either"
import * as FramePool from "../../../src/remote/framePool.js"
import * as Frames from "../../../src/remote/frames.js"
import * as RS from "../../../src/remote/ReliableStream.js"

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

  it("a stream reusing its frames delivers every message whole over a lossy, duplicating, reordering link", async () => {
    const options: RS.StreamOptions = {
      ...RS.defaultOptions("pooled"),
      maxPayload: 20 * 1024,
      window: 256 * 1024,
      retransmitAfter: 100,
      ackDelay: 5,
      reuseFrames: true
    }
    const a = RS.make(options, 0)
    const b = RS.make(options, 0)
    const messages = Array.from({ length: 120 }, (_, i) => randomBytes(1 + ((i * 7919) % 90_000)))
    const received: Array<Uint8Array> = []
    const transit: Array<{ at: number; to: RS.StreamEndpoint; bytes: Uint8Array }> = []
    const buffers = new Set<ArrayBufferLike>()
    let framesSent = 0
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const transmit = (to: RS.StreamEndpoint, frames: Array<Frames.Frame>, now: number) => {
      for (const frame of frames) {
        if (frame.payload.byteLength > 8 * 1024) buffers.add(frame.payload.buffer)
        framesSent++
        // Copied at once, as nats.js copies at its flush: a buffer given back is never read again.
        const bytes = Frames.encode(frame).slice()
        if (random() < 0.05) continue
        const copies = random() < 0.05 ? 2 : 1
        for (let i = 0; i < copies; i++) transit.push({ at: now + 1 + Math.floor(random() * 20), to, bytes })
      }
    }
    let next = 0
    let ended = false
    let now = 0
    for (; now < 200_000 && !(ended && RS.isAcknowledged(a)); now++) {
      if (RS.isDrained(a)) {
        if (next < messages.length) RS.send(a, messages[next++]!)
        else RS.close(a)
      }
      transmit(b, RS.poll(a, now), now)
      transmit(a, RS.poll(b, now), now)
      for (let i = 0; i < transit.length;) {
        const item = transit[i]!
        if (item.at > now) {
          i++
          continue
        }
        transit.splice(i, 1)
        for (const delivery of RS.receive(item.to, Either.getOrThrow(Frames.decode(item.bytes)), now)) {
          if (delivery._tag === "End") ended = true
          else {
            received.push(delivery.bytes.slice())
            RS.consume(b, delivery.holds)
          }
        }
      }
      if (now % 10 === 0) await nextMacrotask()
    }
    const sha256 = (chunks: ReadonlyArray<Uint8Array>) => chunks.reduce((hash, chunk) => hash.update(chunk), createHash("sha256")).digest("hex")
    expect(ended).toBe(true)
    expect(received.length).toBe(messages.length)
    expect(sha256(received)).toBe(sha256(messages))
    expect(a.stats.retransmissions).toBeGreaterThan(0)
    // Reused: far fewer buffers than large frames sent.
    expect(buffers.size).toBeLessThan(framesSent / 4)
  })
})
