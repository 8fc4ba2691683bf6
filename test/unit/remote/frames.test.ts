/** The frame contract of remote streams: what is encoded decodes to itself, and no bytes make decode throw. */
import { describe, expect, it } from "vitest"
import * as Result from "effect/Result"
import fc from "fast-check"
import { decode, encode, FrameError, FrameKind, type Frame, type FrameKindName, HEADER_BYTES, isSequenced, prepare } from "../../../src/remote/frames.js"

const KINDS = Object.keys(FrameKind) as Array<FrameKindName>
const counter = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })

/** Any frame the contract allows. */
const frameArb: fc.Arbitrary<Frame> = fc.constantFrom(...KINDS).chain((kind) =>
  fc.record({
    kind: fc.constant(kind),
    streamId: fc.fullUnicodeString({ minLength: 1, maxLength: 60 }),
    seq: isSequenced(kind) ? fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) : fc.constant(0),
    ack: counter,
    ackBits: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    credit: counter,
    segment: kind === "data"
      ? fc.integer({ min: 1, max: 0xffff }).chain((count) => fc.tuple(fc.integer({ min: 0, max: count - 1 }), fc.constant(count)))
      : fc.constant([0, 1] as [number, number]),
    payload: fc.uint8Array({ maxLength: 512 })
  }).map(({ segment: [segmentIndex, segmentCount], ...rest }) => ({ ...rest, segmentIndex, segmentCount }))
)

const plain = (frame: Frame) => ({ ...frame, payload: Array.from(frame.payload) })

describe("remote frames", () => {
  it("decode(encode(frame)) is the frame, for every kind", () => {
    fc.assert(fc.property(frameArb, (frame) => {
      const decoded = decode(encode(frame))
      expect(Result.isSuccess(decoded)).toBe(true)
      expect(plain(Result.getOrThrow(decoded))).toEqual(plain(frame))
    }), { numRuns: 500 })
  })

  it("a prepared payload decodes to itself; sent again, its frame carries the newer ack and credit; it belongs to its stream only", () => {
    fc.assert(fc.property(frameArb.filter((frame) => frame.kind === "data"), counter, counter, (frame, laterAck, laterCredit) => {
      const source = Uint8Array.from(frame.payload)
      const payload = prepare(frame.streamId, source)
      // A copy: the sender's message may change at once.
      source.fill(0xff)
      const prepared = { ...frame, payload }
      const first = encode(prepared)
      expect(plain(Result.getOrThrow(decode(first)))).toEqual(plain(frame))
      const again = encode({ ...prepared, ack: laterAck, credit: laterCredit })
      expect(plain(Result.getOrThrow(decode(again)))).toEqual(plain({ ...frame, ack: laterAck, credit: laterCredit }))
      // Encoded for another stream, the payload is copied into a frame of that stream, not written over.
      const other = encode({ ...prepared, streamId: `${frame.streamId}-other` })
      expect(plain(Result.getOrThrow(decode(other)))).toEqual(plain({ ...frame, streamId: `${frame.streamId}-other`, ack: frame.ack, credit: frame.credit }))
      expect(plain(Result.getOrThrow(decode(again)))).toEqual(plain({ ...frame, ack: laterAck, credit: laterCredit }))
    }), { numRuns: 300 })
  })

  it("arbitrary bytes decode to a frame or a FrameError, never a throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const decoded = decode(bytes)
      if (Result.isFailure(decoded)) expect(decoded.failure).toBeInstanceOf(FrameError)
    }), { numRuns: 2000 })
  })

  it("a valid frame with bytes changed decodes to a frame or a FrameError, never a throw", () => {
    fc.assert(fc.property(frameArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (frame, edits) => {
      const bytes = encode(frame)
      for (const [at, value] of edits) bytes[at % bytes.length] = value
      const decoded = decode(bytes)
      if (Result.isFailure(decoded)) expect(decoded.failure).toBeInstanceOf(FrameError)
    }), { numRuns: 1000 })
  })

  it("names the reason of each malformation", () => {
    const frame: Frame = { kind: "data", streamId: "s1", seq: 1, ack: 0, ackBits: 0, credit: 0, segmentIndex: 0, segmentCount: 1, payload: new Uint8Array([1, 2, 3]) }
    const bytes = encode(frame)
    const reason = (b: Uint8Array) => Result.match(decode(b), { onFailure: (e) => e.reason, onSuccess: () => "ok" })
    const edited = (at: number, value: number) => { const b = bytes.slice(); b[at] = value; return b }
    expect(reason(bytes)).toBe("ok")
    expect(reason(bytes.subarray(0, HEADER_BYTES - 1))).toBe("truncated")
    expect(reason(edited(0, 2))).toBe("unsupported-version")
    expect(reason(edited(1, 9))).toBe("unknown-kind")
    expect(reason(edited(7, 1))).toBe("reserved-bits")
    expect(reason(bytes.subarray(0, bytes.length - 1))).toBe("length-mismatch")
    expect(reason(edited(5, 0))).toBe("bad-segment") // count 0
    expect(reason(edited(15, 0))).toBe("bad-seq") // a data frame with seq 0
    expect(reason(edited(8, 0xff))).toBe("counter-overflow") // seq ≥ 2^56
    expect(reason(edited(HEADER_BYTES, 0xff))).toBe("bad-stream-id") // not UTF-8
  })

  it("refuses to encode what it could not decode", () => {
    const frame: Frame = { kind: "ack", streamId: "s", seq: 3, ack: 0, ackBits: 0, credit: 0, segmentIndex: 0, segmentCount: 1, payload: new Uint8Array() }
    expect(() => encode(frame)).toThrow(FrameError)
    expect(() => encode({ ...frame, seq: 0, streamId: "" })).toThrow(FrameError)
    expect(() => encode({ ...frame, seq: 0, streamId: "\uD800" })).toThrow(FrameError)
  })
})
