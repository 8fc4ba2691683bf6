/**
 * ReliableStream over a simulated link on a virtual clock: frames are
 * encoded, dropped, duplicated, delayed out of order and, at a "reconnect",
 * all lost; every message arrives once, whole and in order, and neither end
 * ever holds more than the window.
 */
import { describe, expect, it, vi } from "vitest"
import { createHash, randomBytes } from "node:crypto"
import * as Result from "effect/Result"
import * as Frames from "../../../src/remote/frames.js"
import * as RS from "../../../src/remote/ReliableStream.js"

/** A deterministic generator (mulberry32), so a failing run can be replayed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

interface LinkFaults {
  readonly loss: number
  readonly duplicate: number
  /** Each frame is delayed uniformly in [1, maxDelay] ms: frames overtake each other. */
  readonly maxDelay: number
  /** Virtual times at which one end "reconnects": everything in transit is lost, and so is what either end sends for `outage` ms. */
  readonly reconnects: ReadonlyArray<{ readonly at: number; readonly end: "a" | "b" }>
  readonly outage: number
}

interface RunResult {
  readonly sent: Array<Uint8Array>
  readonly received: Array<Uint8Array>
  readonly ended: boolean
  readonly a: RS.StreamEndpoint
  readonly b: RS.StreamEndpoint
  readonly virtualMs: number
  /** The most bytes the receiving side kept at once: its application's queue, early frames, a message being reassembled. */
  readonly maxRetained: number
  /** Frames both ends handed to the link, and the buffers the sender's data frames of over 8 KiB were in. */
  readonly framesSent: number
  readonly frameBuffers: number
}

const options = (over: Partial<RS.StreamOptions> = {}): RS.StreamOptions => ({
  ...RS.defaultOptions("stream-1"),
  maxPayload: 8 * 1024,
  window: 64 * 1024,
  retransmitAfter: 200,
  ackDelay: 5,
  ...over
})

/**
 * Streams `messages` from a to b and closes; b's application consumes
 * `consumeRate` bytes per virtual ms (a slow client when small). Yields
 * every 10 virtual ms, where `runTurning` lets the event loop turn.
 */
function* simulate(messages: Array<Uint8Array>, faults: LinkFaults, consumeRate: number, seed: number, opts: RS.StreamOptions): Generator<void, RunResult> {
  const random = rng(seed)
  const a = RS.make(opts, 0)
  const b = RS.make(opts, 0)
  const transit: Array<{ at: number; to: "a" | "b"; bytes: Uint8Array }> = []
  const received: Array<Uint8Array> = []
  const appQueue: Array<RS.Delivery> = []
  let budget = 0
  let next = 0
  let ended = false
  let downUntil = -1
  let reconnecting: "a" | "b" | undefined
  let maxRetained = 0
  let framesSent = 0
  const frameBuffers = new Set<ArrayBufferLike>()
  const reconnects = [...faults.reconnects]
  const transmit = (from: "a" | "b", frames: Array<Frames.Frame>, now: number) => {
    for (const frame of frames) {
      framesSent++
      if (from === "a" && frame.payload.byteLength > 8 * 1024) frameBuffers.add(frame.payload.buffer)
      // Frames from a pool are copied at once, as nats.js copies at its flush: a buffer given back is never read again.
      const bytes = opts.reuseFrames === true ? Frames.encode(frame).slice() : Frames.encode(frame)
      if (now < downUntil || random() < faults.loss) continue
      const copies = random() < faults.duplicate ? 2 : 1
      for (let i = 0; i < copies; i++) {
        transit.push({ at: now + 1 + Math.floor(random() * faults.maxDelay), to: from === "a" ? "b" : "a", bytes })
      }
    }
  }
  let now = 0
  for (; now < 600_000 && !(ended && RS.isAcknowledged(a)); now++) {
    if (reconnects.length > 0 && reconnects[0]!.at <= now) {
      reconnecting = reconnects.shift()!.end
      transit.length = 0
      downUntil = now + faults.outage
    }
    if (reconnecting !== undefined && now >= downUntil) {
      // The connection is back: that end resends what it had in flight and asks the peer to resume.
      RS.reconnected(reconnecting === "a" ? a : b)
      reconnecting = undefined
    }
    if (RS.isDrained(a)) {
      if (next < messages.length) RS.send(a, messages[next++]!)
      else RS.close(a)
    }
    transmit("a", RS.poll(a, now), now)
    transmit("b", RS.poll(b, now), now)
    for (let i = 0; i < transit.length;) {
      const item = transit[i]!
      if (item.at > now) {
        i++
        continue
      }
      transit.splice(i, 1)
      const decoded = Frames.decode(item.bytes)
      if (Result.isFailure(decoded)) throw decoded.failure
      const deliveries = RS.receive(item.to === "a" ? a : b, decoded.success, now)
      if (item.to === "b") appQueue.push(...deliveries)
    }
    budget += consumeRate
    for (let head = appQueue[0]; head !== undefined; head = appQueue[0]) {
      if (head._tag === "End") {
        ended = true
        appQueue.shift()
        continue
      }
      if (budget < head.bytes.length) break
      appQueue.shift()
      budget -= head.bytes.length
      received.push(head.bytes)
      RS.consume(b, head.holds)
    }
    if (appQueue.length === 0) budget = Math.min(budget, consumeRate)
    let retained = b.receiver.bufferedBytes + b.receiver.partialBytes
    for (const item of appQueue) if (item._tag === "Message") retained += item.bytes.length
    if (retained > maxRetained) maxRetained = retained
    if (now % 10 === 0) yield
  }
  return { sent: messages, received, ended, a, b, virtualMs: now, maxRetained, framesSent, frameBuffers: frameBuffers.size }
}

const run = (messages: Array<Uint8Array>, faults: LinkFaults, consumeRate: number, seed: number, opts = options()): RunResult => {
  const steps = simulate(messages, faults, consumeRate, seed, opts)
  for (;;) {
    const step = steps.next()
    if (step.done === true) return step.value
  }
}

/** `run` with a turn of the event loop every 10 virtual ms: frames given back to the pool are reused from the next turn on. */
const runTurning = async (messages: Array<Uint8Array>, faults: LinkFaults, consumeRate: number, seed: number, opts = options()): Promise<RunResult> => {
  const steps = simulate(messages, faults, consumeRate, seed, opts)
  for (;;) {
    const step = steps.next()
    if (step.done === true) return step.value
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

const sha256 = (chunks: Array<Uint8Array>) => {
  const hash = createHash("sha256")
  for (const chunk of chunks) hash.update(chunk)
  return hash.digest("hex")
}

/** Messages of 1 byte to `max` bytes with random content, `total` bytes in all. */
const messagesOf = (total: number, max: number, seed: number): Array<Uint8Array> => {
  const random = rng(seed)
  const out: Array<Uint8Array> = []
  for (let sum = 0; sum < total;) {
    const size = Math.min(total - sum, 1 + Math.floor(random() * max))
    const bytes = new Uint8Array(size)
    for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256)
    out.push(bytes)
    sum += size
  }
  return out
}

const expectExactDelivery = (result: RunResult) => {
  expect(result.ended).toBe(true)
  expect(result.received.length).toBe(result.sent.length)
  expect(result.received.map((m) => m.length)).toEqual(result.sent.map((m) => m.length))
  expect(sha256(result.received)).toBe(sha256(result.sent))
  expect(RS.isAcknowledged(result.a)).toBe(true)
}

describe("ReliableStream over a lossy link", () => {
  it("delivers 4 MiB once, whole and in order under 10% loss, 5% duplicates and reordering, within the window", () => {
    const messages = messagesOf(4 * 1024 * 1024, 100 * 1024, 1)
    const result = run(messages, { loss: 0.1, duplicate: 0.05, maxDelay: 20, reconnects: [], outage: 0 }, 64 * 1024, 7)
    expectExactDelivery(result)
    expect(result.b.stats.duplicates).toBeGreaterThan(0)
    expect(result.a.stats.retransmissions).toBeGreaterThan(0)
    expect(result.a.stats.maxInFlightBytes).toBeLessThanOrEqual(64 * 1024)
    expect(result.b.stats.maxHeldBytes).toBeLessThanOrEqual(64 * 1024)
  })

  it("recovers from reconnects of either end that lose everything in flight", () => {
    const messages = messagesOf(2 * 1024 * 1024, 40 * 1024, 2)
    const faults = { loss: 0.02, duplicate: 0.02, maxDelay: 10, outage: 300, reconnects: [{ at: 50, end: "a" as const }, { at: 400, end: "b" as const }, { at: 900, end: "a" as const }] }
    const result = run(messages, faults, 32 * 1024, 3)
    expectExactDelivery(result)
    expect(result.a.stats.maxInFlightBytes).toBeLessThanOrEqual(64 * 1024)
  })

  it("a slow consumer blocks the sender: nothing beyond the window is in flight or held", () => {
    const messages = messagesOf(1024 * 1024, 16 * 1024, 4)
    // 64 bytes per virtual ms: the receiver is ~1000x slower than the link.
    const result = run(messages, { loss: 0.05, duplicate: 0, maxDelay: 5, reconnects: [], outage: 0 }, 64, 5)
    expectExactDelivery(result)
    expect(result.virtualMs).toBeGreaterThan((1024 * 1024) / 64)
    expect(result.a.stats.maxInFlightBytes).toBeLessThanOrEqual(64 * 1024)
    expect(result.b.stats.maxHeldBytes).toBeLessThanOrEqual(64 * 1024)
    // What the receiving side keeps: the window, plus at most the one message being reassembled.
    expect(result.maxRetained).toBeLessThanOrEqual(64 * 1024 + 16 * 1024)
    // The window was used: a blocked sender is not a sender that never sent.
    expect(result.a.stats.maxInFlightBytes).toBeGreaterThan(32 * 1024)
  })

  it("reassembles a message of many segments, itself larger than the window", () => {
    const big = [Uint8Array.from(messagesOf(300 * 1024, 1024, 6).flatMap((m) => Array.from(m)))]
    expect(big[0]!.length).toBe(300 * 1024)
    const result = run(big, { loss: 0.1, duplicate: 0.1, maxDelay: 15, reconnects: [], outage: 0 }, 16 * 1024, 8)
    expectExactDelivery(result)
    // Its earlier segments are credited as they come: the window still bounds what is held,
    // and the message itself is all that is kept beyond it.
    expect(result.b.stats.maxHeldBytes).toBeLessThanOrEqual(64 * 1024)
    expect(result.maxRetained).toBeLessThanOrEqual(64 * 1024 + 300 * 1024)
  })
})

describe("ReliableStream reusing its frames (framePool.ts, as over NATS)", () => {
  it("delivers every message whole over a lossy, duplicating, reordering link that copies what it transmits, in few buffers", async () => {
    const messages = messagesOf(2 * 1024 * 1024, 90_000, 9)
    const opts = options({ maxPayload: 20 * 1024, window: 256 * 1024, retransmitAfter: 100, reuseFrames: true })
    const result = await runTurning(messages, { loss: 0.05, duplicate: 0.05, maxDelay: 20, reconnects: [], outage: 0 }, 1024 * 1024, 11, opts)
    expectExactDelivery(result)
    expect(result.a.stats.retransmissions).toBeGreaterThan(0)
    // Reused: far fewer buffers than frames sent.
    expect(result.frameBuffers).toBeLessThan(result.framesSent / 4)
  })
})

describe("ReliableStream with a shared reassembly budget", () => {
  it("while the budget holds it back, a message larger than the window stops one window in; let go, it completes", () => {
    const a = RS.make(options(), 0)
    const b = RS.make(options(), 0)
    const told: Array<string> = []
    b.receiver.budget = {
      read: (bytes) => {
        told.push(`read ${bytes}`)
        if (told.length === 1) RS.holdAhead(b, true)
      },
      completed: () => told.push("completed")
    }
    const delivered: Array<RS.Delivery> = []
    let now = 0
    const pump = (rounds: number) => {
      for (let i = 0; i < rounds; i++, now += 10) {
        for (const f of RS.poll(a, now)) delivered.push(...RS.receive(b, Result.getOrThrow(Frames.decode(Frames.encode(f))), now))
        for (const f of RS.poll(b, now)) RS.receive(a, Result.getOrThrow(Frames.decode(Frames.encode(f))), now)
        for (const d of delivered.splice(0)) if (d._tag === "Message") {
          delivered.push(d)
          RS.consume(b, d.holds)
          return
        }
      }
    }
    const message = new Uint8Array(300 * 1024).map((_, i) => i % 251)
    RS.send(a, message)
    pump(200)
    // Held: the segments count against the window, so the sender stopped at it.
    expect(delivered).toEqual([])
    expect(RS.isDrained(a)).toBe(false)
    expect(b.receiver.partialBytes).toBeLessThanOrEqual(64 * 1024)
    expect(b.stats.maxHeldBytes).toBeLessThanOrEqual(64 * 1024)
    RS.holdAhead(b, false)
    pump(1000)
    expect(delivered).toHaveLength(1)
    const whole = delivered[0]!
    expect(whole._tag === "Message" && Buffer.from(whole.bytes).equals(Buffer.from(message))).toBe(true)
    expect(told.filter((line) => line.startsWith("read")).length).toBe(Math.ceil(300 / 8))
    expect(told.at(-1)).toBe("completed")
  })
})

describe("ReliableStream reset", () => {
  const frame = (over: Partial<Frames.Frame>): Frames.Frame => ({
    kind: "data", streamId: "stream-1", seq: 1, ack: 0, ackBits: 0, credit: 0, segmentIndex: 0, segmentCount: 1, payload: new Uint8Array(4), ...over
  })

  it("ends both sides with the reason, even when the first reset frame is lost", () => {
    const a = RS.make(options(), 0)
    const b = RS.make(options(), 0)
    RS.send(b, new Uint8Array(10))
    RS.reset(a, "executor shutting down")
    const first = RS.poll(a, 1)
    expect(first.map((f) => f.kind)).toEqual(["reset"])
    // The reset is lost; b's next frame reaches a, which answers with the reset again.
    for (const f of RS.poll(b, 1)) RS.receive(a, f, 2)
    const again = RS.poll(a, 3)
    expect(again.map((f) => f.kind)).toEqual(["reset"])
    for (const f of again) RS.receive(b, f, 4)
    expect(b.reset).toMatchObject({ reason: "executor shutting down", byPeer: true })
    expect(a.reset).toMatchObject({ reason: "executor shutting down", byPeer: false })
    expect(RS.send(a, new Uint8Array(1))).toBe(false)
    expect(RS.send(b, new Uint8Array(1))).toBe(false)
    expect(RS.poll(b, 5)).toEqual([])
  })

  it("resets on a segment out of place and tells the peer why", () => {
    const b = RS.make(options(), 0)
    expect(RS.receive(b, frame({ segmentIndex: 1, segmentCount: 2 }), 0)).toEqual([])
    expect(b.reset?.reason).toMatch(/segment 1 of 2/)
    const out = RS.poll(b, 1)
    expect(out.map((f) => f.kind)).toEqual(["reset"])
    expect(new TextDecoder().decode(out[0]!.payload)).toMatch(/segment 1 of 2/)
  })

  it("reassembles segments of unequal sizes (a peer cutting otherwise), and keeps no view into a larger read buffer", () => {
    const b = RS.make(options(), 0)
    const parts = [3, 700, 20_000, 5].map((length, i) => Uint8Array.from({ length }, (_, j) => (i * 31 + j) & 0xff))
    // Each segment a view into a read buffer four times its size, which the link reuses at once.
    const viewOf = (part: Uint8Array) => {
      const read = new Uint8Array(part.length * 4 + 16)
      read.set(part, 8)
      return { read, view: read.subarray(8, 8 + part.length) }
    }
    const out: Array<RS.Delivery> = []
    parts.forEach((part, i) => {
      const { read, view } = viewOf(part)
      out.push(...RS.receive(b, frame({ seq: i + 1, segmentIndex: i, segmentCount: parts.length, payload: view }), i))
      read.fill(0xee)
    })
    expect(out).toHaveLength(1)
    const message = out[0]!
    expect(message._tag === "Message" && Buffer.from(message.bytes).equals(Buffer.concat(parts))).toBe(true)
    // A message of one segment that is a small view of its read buffer is copied out of it.
    const { read, view } = viewOf(parts[1]!)
    const [single] = RS.receive(b, frame({ seq: 5, payload: view }), 5)
    read.fill(0xee)
    expect(single?._tag === "Message" && single.bytes.buffer !== read.buffer && Buffer.from(single.bytes).equals(Buffer.from(parts[1]!))).toBe(true)
  })

  it("reassembles a message of 9 MiB in 60 KiB segments into a handful of buffers, not one per segment", () => {
    const b = RS.make(options({ maxPayload: 60 * 1024, window: 1024 * 1024 }), 0)
    const message = randomBytes(9 * 1024 * 1024 + 123)
    const count = Math.ceil(message.length / (60 * 1024))
    const allocations = vi.spyOn(Buffer, "allocUnsafeSlow")
    const out: Array<RS.Delivery> = []
    try {
      for (let i = 0; i < count; i++) {
        const payload = message.subarray(i * 60 * 1024, (i + 1) * 60 * 1024)
        out.push(...RS.receive(b, frame({ seq: i + 1, segmentIndex: i, segmentCount: count, payload }), i))
      }
      // A first part of 4 MiB, then at once what the segment count says (not a buffer per segment).
      expect(allocations.mock.calls.length).toBeLessThanOrEqual(3)
    } finally {
      allocations.mockRestore()
    }
    expect(out).toHaveLength(1)
    expect(out[0]?._tag === "Message" && Buffer.from(out[0].bytes).equals(message)).toBe(true)
  })

  it("drops a duplicate and re-acknowledges it at once", () => {
    const b = RS.make(options(), 0)
    expect(RS.receive(b, frame({}), 0)).toHaveLength(1)
    expect(RS.receive(b, frame({}), 0)).toHaveLength(0)
    expect(b.stats.duplicates).toBe(1)
    const out = RS.poll(b, 0)
    expect(out.map((f) => [f.kind, f.ack])).toEqual([["ack", 1]])
  })

  it("reports frames beyond a gap in ack_bits", () => {
    const b = RS.make(options(), 0)
    RS.receive(b, frame({ seq: 1 }), 0)
    RS.receive(b, frame({ seq: 3 }), 0)
    RS.receive(b, frame({ seq: 5 }), 0)
    const [ack] = RS.poll(b, 0)
    // ack 1; bit 0 = seq 3, bit 2 = seq 5.
    expect([ack!.ack, ack!.ackBits]).toEqual([1, 0b101])
  })

  it("names when poll is next due: an ack, a retransmission, a heartbeat, never later", () => {
    const opts = options({ heartbeatEvery: 5000, retransmitAfter: 200, ackDelay: 5 })
    const a = RS.make(opts, 0)
    expect(RS.nextDeadline(a, 0)).toBe(5000)
    RS.send(a, new Uint8Array(100))
    expect(RS.poll(a, 10).map((f) => f.kind)).toEqual(["data"])
    expect(RS.nextDeadline(a, 10)).toBe(210)
    // Nothing is due before the deadline, and the retransmission is at it.
    expect(RS.poll(a, 209)).toEqual([])
    expect(RS.poll(a, 210).map((f) => [f.kind, f.seq])).toEqual([["data", 1]])
    const b = RS.make(opts, 0)
    RS.receive(b, frame({ seq: 1 }), 50)
    expect(RS.nextDeadline(b, 50)).toBe(55)
    expect(RS.poll(b, 55).map((f) => [f.kind, f.ack])).toEqual([["ack", 1]])
    expect(RS.nextDeadline(b, 55)).toBe(5055)
  })

  it("backs off retransmissions to a silent peer, and a resume or an ack restores the timeout", () => {
    const a = RS.make(options({ retransmitAfter: 200, heartbeatEvery: 60_000 }), 0)
    RS.send(a, new Uint8Array(100))
    RS.poll(a, 0)
    const retransmittedAt: Array<number> = []
    for (let now = 1; now <= 3000; now++) if (RS.poll(a, now).some((f) => f.kind === "data")) retransmittedAt.push(now)
    expect(retransmittedAt).toEqual([200, 600, 1400, 3000].filter((t) => t <= 3000))
    // The peer resumes: everything goes at once, and the timeout is back to 200.
    RS.receive(a, { ...frame({}), kind: "resume", seq: 0, payload: new Uint8Array(0) }, 3001)
    expect(RS.poll(a, 3001).filter((f) => f.kind === "data")).toHaveLength(1)
    expect(RS.nextDeadline(a, 3001)).toBe(3201)
  })

  it("resets a stream whose peer has been silent for peerTimeout, and not one whose peer heartbeats", () => {
    const opts = options({ heartbeatEvery: 1000, peerTimeout: 3000 })
    const a = RS.make(opts, 0)
    const b = RS.make(opts, 0)
    // Both idle but alive: heartbeats cross, nobody resets.
    for (let now = 0; now <= 10_000; now += 100) {
      for (const f of RS.poll(a, now)) RS.receive(b, f, now)
      for (const f of RS.poll(b, now)) RS.receive(a, f, now)
    }
    expect([a.reset, b.reset]).toEqual([undefined, undefined])
    // b goes away: a resets at its deadline, and says why.
    expect(RS.nextDeadline(a, 10_000)).toBeLessThanOrEqual(13_000)
    expect(RS.poll(a, 12_999).some((f) => f.kind === "reset")).toBe(false)
    const out = RS.poll(a, 13_000)
    expect(out.map((f) => f.kind)).toEqual(["reset"])
    expect(a.reset?.reason).toMatch(/nothing heard of the peer for 3000 ms/)
  })
})
