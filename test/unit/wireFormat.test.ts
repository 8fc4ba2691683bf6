import { describe, expect, it } from "@effect/vitest"
import { classify, parseFrame } from "../../src/wire/JsonRpc.js"
import { LineFramer } from "../../src/wire/LineFramer.js"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { Base64Bytes } from "../../src/protocol/primitives.js"
import { ChunkRing } from "../../src/process/OutputBuffers.js"
import { ProcessOutput } from "../../src/protocol/rpcs.js"
import { encodeNotificationOf } from "../../src/jsonrpc/clientMessages.js"
import { nativeAddon as loadNativeAddon } from "../../src/native/addon.js"
import { encodeOutput, writeBase64ViaString } from "../../src/server/processNotifications.js"

const nativeAddon = loadNativeAddon()

const bytes = (text: string) => new TextEncoder().encode(text)

describe("JSON-RPC framing", () => {
  it("classifies requests, notifications and client responses", () => {
    expect(classify({ id: 0, method: "m", params: { a: 1 } })).toEqual({
      _tag: "Request",
      id: 0,
      method: "m",
      params: { a: 1 }
    })
    expect(classify({ jsonrpc: "2.0", id: "abc", method: "m" })).toMatchObject({ _tag: "Request", id: "abc" })
    expect(classify({ method: "initialized" })).toEqual({ _tag: "Notification", method: "initialized", params: undefined })
    expect(classify({ id: 3, result: {} })).toEqual({ _tag: "ClientResponse", id: 3, result: {}, error: undefined })
  })

  it("rejects malformed messages with -32600 and keeps a usable id", () => {
    expect(classify(42)).toMatchObject({ _tag: "Invalid", id: null, error: { code: -32600 } })
    expect(classify({ id: { x: 1 }, method: "m" })).toMatchObject({ _tag: "Invalid", id: null })
    expect(classify({ id: 7, method: 5 })).toMatchObject({ _tag: "Invalid", id: 7, error: { code: -32600 } })
  })

  it("answers text that is not JSON with -32700 and an empty batch with -32600", () => {
    expect(parseFrame("{nope")).toMatchObject({ _tag: "Single", message: { id: null, error: { code: -32700 } } })
    expect(parseFrame("[]")).toMatchObject({ _tag: "Single", message: { error: { code: -32600 } } })
    expect(parseFrame("[{\"id\":1,\"method\":\"a\"},{\"method\":\"b\"}]")).toMatchObject({
      _tag: "Batch",
      messages: [{ _tag: "Request", id: 1 }, { _tag: "Notification", method: "b" }]
    })
  })
})

describe("LineFramer", () => {
  it("splits lines across chunk boundaries", () => {
    const framer = new LineFramer(1024)
    expect(framer.push(bytes("{\"a\":"))).toEqual([])
    expect(framer.push(bytes("1}\n{\"b\":2}\n{\"c\""))).toEqual([
      { _tag: "Text", text: "{\"a\":1}" },
      { _tag: "Text", text: "{\"b\":2}" }
    ])
    expect(framer.end()).toEqual([{ _tag: "Text", text: "{\"c\"" }])
  })

  it("drops an over-long line as it arrives and reports its size once", () => {
    const framer = new LineFramer(10)
    expect(framer.push(bytes("0123456789abc"))).toEqual([])
    expect(framer.push(bytes("def\nok\n"))).toEqual([
      { _tag: "Oversized", bytes: 16 },
      { _tag: "Text", text: "ok" }
    ])
  })

  it("keeps multi-byte characters split across chunks intact", () => {
    const framer = new LineFramer(1024)
    const encoded = bytes("\"héllo→\"\n")
    expect(framer.push(encoded.subarray(0, 3))).toEqual([])
    expect(framer.push(encoded.subarray(3))).toEqual([{ _tag: "Text", text: "\"héllo→\"" }])
  })
})

describe("ChunkRing", () => {
  it("shares one seq counter between output and other events", () => {
    const ring = new ChunkRing(1024)
    expect(ring.append("stdout", bytes("a")).seq).toBe(1)
    expect(ring.nextEventSeq()).toBe(2)
    expect(ring.append("stderr", bytes("b")).seq).toBe(3)
    expect(ring.nextSeq).toBe(4)
  })

  it("evicts the oldest whole chunks past the cap and flags reads that hit the gap", () => {
    const ring = new ChunkRing(10)
    for (const text of ["aaaa", "bbbb", "cccc", "dddd"]) ring.append("stdout", bytes(text))
    expect(ring.retainedBytes).toBe(8)
    const fromStart = ring.read(0, undefined)
    expect(fromStart.chunks.map((chunk) => chunk.seq)).toEqual([3, 4])
    expect(fromStart.truncated).toBe(true)
    const fromCursor = ring.read(2, undefined)
    expect(fromCursor.truncated).toBe(false)
    expect(fromCursor.chunks.map((chunk) => chunk.seq)).toEqual([3, 4])
  })

  it("keeps the newest chunk even when it alone is over the cap", () => {
    const ring = new ChunkRing(4)
    ring.append("stdout", bytes("12"))
    ring.append("stdout", bytes("123456"))
    expect(ring.read(0, undefined).chunks.map((chunk) => chunk.seq)).toEqual([2])
  })

  it("retains the newest output, byte for byte, through growth and wrap-around", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4096 }),
      fc.integer({ min: 1, max: 1500 }).chain((largest) =>
        fc.tuple(fc.constant(largest), fc.array(fc.uint8Array({ maxLength: largest }), { minLength: 1, maxLength: 120 }))
      ),
      (maxBytes, [largest, appended]) => {
        const ring = new ChunkRing(maxBytes)
        let total = 0
        appended.forEach((chunk, index) => {
          expect(ring.append("stdout", chunk).seq).toBe(index + 1)
          total += chunk.byteLength
          const read = ring.read(0, undefined)
          const seqs = read.chunks.map((retained) => retained.seq)
          // A suffix of what was appended, always with the newest chunk, each intact.
          expect(seqs.at(-1)).toBe(index + 1)
          expect(seqs).toEqual(seqs.map((_, i) => index + 2 - seqs.length + i))
          for (const retained of read.chunks) expect(retained.bytes).toEqual(appended[retained.seq - 1])
          expect(read.truncated).toBe(seqs[0]! > 1)
          const retainedBytes = read.chunks.reduce((sum, retained) => sum + retained.bytes.byteLength, 0)
          expect(ring.retainedBytes).toBe(retainedBytes)
          // Within the cap (but for a lone newest chunk), and not far below it.
          if (seqs.length > 1) expect(retainedBytes).toBeLessThanOrEqual(maxBytes)
          expect(retainedBytes).toBeGreaterThanOrEqual(Math.min(total, maxBytes - 3 * largest))
        })
      }
    ), { numRuns: 300 })
  })

  it("hands out copies: later output does not change what a read returned", () => {
    const ring = new ChunkRing(8)
    ring.append("stdout", bytes("abcd"))
    const [first] = ring.read(0, undefined).chunks
    for (const text of ["efgh", "ijkl", "mnop"]) ring.append("stdout", bytes(text))
    expect(new TextDecoder().decode(first!.bytes)).toBe("abcd")
  })

  it("stops before the chunk that would pass maxBytes but returns at least one", () => {
    const ring = new ChunkRing(1024)
    for (const text of ["aaa", "bbb", "ccc"]) ring.append("stdout", bytes(text))
    expect(ring.read(0, 7).chunks.map((chunk) => chunk.seq)).toEqual([1, 2])
    expect(ring.read(0, 1).chunks.map((chunk) => chunk.seq)).toEqual([1])
    expect(ring.read(1, 0).chunks.map((chunk) => chunk.seq)).toEqual([2])
    expect(ring.read(3, 100).chunks).toEqual([])
  })
})

describe("hand-built process/output notification", () => {
  it("is exactly the schema encoding, for any bytes, stream and process id", () => {
    fc.assert(fc.property(
      fc.string(),
      fc.integer({ min: 1, max: 2 ** 40 }),
      fc.constantFrom("stdout" as const, "stderr" as const, "pty" as const),
      fc.uint8Array({ maxLength: 5000 }),
      (processId, seq, stream, chunk) => {
        const handBuilt = Buffer.from(encodeOutput(processId, seq, stream, chunk)).toString("utf8")
        const viaSchema = encodeNotificationOf(ProcessOutput, { processId, seq, stream, chunk })
        expect(handBuilt).toBe(viaSchema)
      }
    ), { numRuns: 300 })
  })

  it("encodes a view into a larger buffer and a full 64 KiB read like Node's base64", () => {
    const backing = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256))
    for (const chunk of [backing.subarray(3, 8), backing.subarray(1, 65_537), backing]) {
      const handBuilt = JSON.parse(Buffer.from(encodeOutput("p", 1, "stdout", chunk)).toString("utf8"))
      expect(handBuilt.params.chunk).toBe(chunk.toString("base64"))
    }
  })

  it("writes base64 the same way with the addon and without it", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 16 }), (bytes, offset) => {
      const size = offset + Math.ceil(bytes.byteLength / 3) * 4
      const viaString = Buffer.alloc(size)
      const written = writeBase64ViaString(bytes, viaString, offset)
      expect(viaString.toString("latin1", offset, offset + written)).toBe(Buffer.from(bytes).toString("base64"))
      if (nativeAddon !== undefined) {
        const native = Buffer.alloc(size)
        expect(nativeAddon.encodeBase64Into(bytes, native, offset)).toBe(written)
        expect(native.equals(viaString)).toBe(true)
      }
    }), { numRuns: 300 })
  })

  // The addon encodes 24 bytes a step (AVX2, where the CPU has it) and the rest
  // with a table: every length across several steps, every byte value, and
  // nothing written outside the encoding.
  it.runIf(nativeAddon !== undefined)("the addon's encoder gets every length and byte value right, and writes nowhere else", () => {
    const source = Buffer.from(Array.from({ length: 3 * 256 + 100 }, (_, i) => (i < 256 ? i : (i * 7919 + (i >> 8)) % 256)))
    for (let length = 0; length <= source.length; length++) {
      const bytes = source.subarray(source.length - length)
      const encoded = Math.ceil(length / 3) * 4
      const target = Buffer.alloc(encoded + 6, "~")
      expect(nativeAddon!.encodeBase64Into(bytes, target, 3)).toBe(encoded)
      expect(target.toString("latin1")).toBe(`~~~${bytes.toString("base64")}~~~`)
    }
  })

  // The addon is optional (without it Node's string is used); when it is here, it refuses to overrun.
  it.runIf(nativeAddon !== undefined)("the addon's encoder refuses a target too small and arguments of the wrong kind", () => {
    const encode = nativeAddon!.encodeBase64Into
    expect(encode(Buffer.from("abcd"), Buffer.alloc(8), 0)).toBe(8)
    expect(() => encode(Buffer.from("abcd"), Buffer.alloc(8), 1)).toThrow(RangeError)
    expect(() => encode(Buffer.from("abcd"), Buffer.alloc(7), 0)).toThrow(RangeError)
    expect(() => encode(Buffer.from("abcd"), Buffer.alloc(8), -1)).toThrow(RangeError)
    expect(() => encode("abcd" as unknown as Uint8Array, Buffer.alloc(8), 0)).toThrow(TypeError)
    expect(() => encode(new Uint16Array(2) as unknown as Uint8Array, Buffer.alloc(8), 0)).toThrow(TypeError)
  })
})

describe("Base64Bytes (bytes on the wire)", () => {
  const decode = Schema.decodeUnknownResult(Base64Bytes)
  /** The definition: the standard alphabet, padded to a multiple of 4. */
  const isStrictBase64 = (text: string) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text)

  it("takes the standard alphabet, padded, and gives the bytes back", () => {
    for (let length = 0; length < 70; length++) {
      const original = Buffer.from(Array.from({ length }, (_, index) => (index * 37 + length) & 0xff))
      const decoded = decode(original.toString("base64"))
      expect(Result.isSuccess(decoded) && Buffer.from(decoded.success).equals(original)).toBe(true)
    }
  })

  it("refuses what the lenient native codec would take: the URL-safe alphabet, whitespace, padding inside, no padding", () => {
    for (const text of ["ab-_", "YWJj\n", "YW Jj", "QQ==QUFB", "QQ", "QUE", "A===", "====", "QQ=A", "YWJ\u00e9", "YWJj%"]) {
      expect([text, Result.isFailure(decode(text))]).toEqual([text, true])
    }
  })

  it("accepts exactly the strict base64 texts, with their bytes (random texts near the alphabet)", () => {
    const character = fc.constantFrom(..."AQgw+/=-_ .\n\u00e90Z9z")
    fc.assert(
      fc.property(fc.array(character, { maxLength: 16 }), (characters) => {
        const text = characters.join("")
        const decoded = decode(text)
        expect(Result.isSuccess(decoded)).toBe(isStrictBase64(text))
        if (Result.isSuccess(decoded)) expect(Buffer.from(decoded.success).equals(Buffer.from(text, "base64"))).toBe(true)
      }),
      { numRuns: 20_000, seed: 48 }
    )
  })
})
