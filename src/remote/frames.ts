/**
 * The frame contract of remote streams (docs/PROTOCOL.md, "Remote streams
 * (NATS)"): one binary frame per NATS message, a fixed 40-byte big-endian
 * header, the stream id and the payload. Both ends (executor and client)
 * encode and decode with this module only; the layout is versioned by its
 * first byte.
 *
 * | offset | size | field                                              |
 * |--------|------|----------------------------------------------------|
 * | 0      | 1    | version (1)                                        |
 * | 1      | 1    | kind (FrameKind)                                   |
 * | 2      | 2    | segment index                                      |
 * | 4      | 2    | segment count (≥ 1)                                |
 * | 6      | 1    | stream id length L (1..255)                        |
 * | 7      | 1    | reserved, 0                                        |
 * | 8      | 8    | seq (0 for control frames)                         |
 * | 16     | 8    | ack: highest seq received with none missing below  |
 * | 24     | 4    | ack_bits: bit i set = seq ack+2+i received         |
 * | 28     | 8    | credit: payload byte offset the sender may reach   |
 * | 36     | 4    | payload length                                     |
 * | 40     | L    | stream id, UTF-8                                   |
 * | 40+L   | n    | payload                                            |
 */
import * as Data from "effect/Data"
import * as Result from "effect/Result"

/** The only version this module writes and reads; a peer sending another is answered with a reset. */
export const FRAME_VERSION = 1

/** Size of the fixed part of the header, before the stream id. */
export const HEADER_BYTES = 40

/** The longest stream id, in UTF-8 bytes (its length is one byte). */
export const MAX_STREAM_ID_BYTES = 255

/** The largest seq, ack or credit the contract carries: JavaScript's safe integers (the field is 64-bit). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER

/** What a frame is for; data and close are sequenced (seq ≥ 1), the others are control frames (seq 0). */
export const FrameKind = {
  data: 1,
  ack: 2,
  resume: 3,
  reset: 4,
  heartbeat: 5,
  open: 6,
  close: 7
} as const

/** A kind's name. */
export type FrameKindName = keyof typeof FrameKind

const KIND_NAMES: ReadonlyArray<FrameKindName | undefined> = [
  undefined, "data", "ack", "resume", "reset", "heartbeat", "open", "close"
]

/** Whether frames of a kind take a seq of the stream (and are acknowledged and retransmitted). */
export const isSequenced = (kind: FrameKindName): boolean => kind === "data" || kind === "close"

/** One frame, decoded. Every kind carries the sender's view of the reverse direction (ack, ackBits, credit). */
export interface Frame {
  readonly kind: FrameKindName
  readonly streamId: string
  readonly seq: number
  readonly ack: number
  /** Unsigned 32-bit bitmap of frames received beyond `ack + 1`. */
  readonly ackBits: number
  readonly credit: number
  readonly segmentIndex: number
  readonly segmentCount: number
  readonly payload: Uint8Array
}

/** Why bytes are not a frame (or a frame cannot be written). */
export type FrameErrorReason =
  | "truncated"
  | "unsupported-version"
  | "unknown-kind"
  | "reserved-bits"
  | "bad-stream-id"
  | "bad-segment"
  | "bad-seq"
  | "counter-overflow"
  | "length-mismatch"

/** A malformed frame: decoding never throws, it returns this. */
export class FrameError extends Data.TaggedError("RemoteFrameError")<{
  readonly reason: FrameErrorReason
  readonly message: string
}> {}

const fail = (reason: FrameErrorReason, message: string) => Result.fail(new FrameError({ reason, message }))
const ok: Result.Result<void, never> = Result.succeed(undefined)

const encoder = new TextEncoder()
// ignoreBOM keeps a leading U+FEFF in the id, so that decoding gives back exactly what was encoded.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
/** A lone surrogate would be written as U+FFFD and read back as another id. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const TWO_32 = 2 ** 32

const writeU64 = (view: DataView, offset: number, value: number) => {
  view.setUint32(offset, Math.floor(value / TWO_32))
  view.setUint32(offset + 4, value >>> 0)
}

const readU64 = (view: DataView, offset: number): number => view.getUint32(offset) * TWO_32 + view.getUint32(offset + 4)

const isCounter = (n: number) => Number.isSafeInteger(n) && n >= 0

/** The last stream id checked and encoded: frames come in runs of one stream, so the check and the encoding are done once per run. */
let lastId: { readonly streamId: string; readonly bytes: Uint8Array } | undefined

/** A stream id's UTF-8 bytes, or why it is not one the contract carries. */
const streamIdBytes = (streamId: string): Result.Result<Uint8Array, FrameError> => {
  if (lastId?.streamId === streamId) return Result.succeed(lastId.bytes)
  if (LONE_SURROGATE.test(streamId)) return fail("bad-stream-id", "the stream id is not well-formed Unicode")
  const bytes = encoder.encode(streamId)
  if (bytes.length < 1 || bytes.length > MAX_STREAM_ID_BYTES) return fail("bad-stream-id", `stream id of ${bytes.length} bytes`)
  lastId = { streamId, bytes }
  return Result.succeed(bytes)
}

/** Checks what a frame's header carries beyond its stream id (counters and segments). */
const validateFields = (frame: Omit<Frame, "streamId" | "payload">): Result.Result<void, FrameError> => {
  if (!isCounter(frame.seq) || !isCounter(frame.ack) || !isCounter(frame.credit)) {
    return fail("counter-overflow", "seq, ack and credit are integers in 0..2^53-1")
  }
  if (!Number.isInteger(frame.ackBits) || frame.ackBits < 0 || frame.ackBits >= TWO_32) {
    return fail("counter-overflow", "ack_bits is an unsigned 32-bit integer")
  }
  if (isSequenced(frame.kind) !== frame.seq > 0) {
    return fail("bad-seq", `a ${frame.kind} frame has ${isSequenced(frame.kind) ? "a seq ≥ 1" : "seq 0"}`)
  }
  const { segmentIndex: index, segmentCount: count } = frame
  if (!Number.isInteger(count) || count < 1 || count > 0xffff || !Number.isInteger(index) || index < 0 || index >= count) {
    return fail("bad-segment", `segment ${index} of ${count}`)
  }
  if (frame.kind !== "data" && count !== 1) return fail("bad-segment", `a ${frame.kind} frame is not segmented`)
  return ok
}

/** Checks a frame against the contract's rules (the same ones decode enforces). */
export const validate = (frame: Frame): Result.Result<Frame, FrameError> =>
  Result.flatMap(streamIdBytes(frame.streamId), () => Result.map(validateFields(frame), () => frame))

const writeHeader = (view: DataView, frame: Omit<Frame, "streamId" | "payload">, idLength: number, payloadLength: number) => {
  view.setUint8(0, FRAME_VERSION)
  view.setUint8(1, FrameKind[frame.kind])
  view.setUint16(2, frame.segmentIndex)
  view.setUint16(4, frame.segmentCount)
  view.setUint8(6, idLength)
  view.setUint8(7, 0)
  writeU64(view, 8, frame.seq)
  writeU64(view, 16, frame.ack)
  view.setUint32(24, frame.ackBits)
  writeU64(view, 28, frame.credit)
  view.setUint32(36, payloadLength)
}

/**
 * The buffers made by `prepare`, each holding one frame from its start with
 * its payload in place (the value: the frame's length, which a pooled buffer
 * may exceed): `encode` writes the header into them instead of copying the
 * payload.
 */
const preparedFrames = new WeakMap<ArrayBufferLike, number>()

/** A buffer of its own, not zero filled (`Buffer.allocUnsafeSlow` never slices Node's pool). */
export const ownBuffer = (bytes: number): ArrayBuffer => Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer

/**
 * A copy of `source` as the payload of a frame of `streamId` that `encode`
 * will write in place: one copy from the sender's message to the bytes that
 * go out, where encoding a plain payload copies it once more. The returned
 * view is the payload; the frame's header is written at each `encode` (the
 * ack and credit it carries change between retransmissions). `allocate`
 * gives the buffer (at least the frame's size; by default its own).
 */
export const prepare = (
  streamId: string,
  source: Uint8Array,
  allocate: (bytes: number) => ArrayBuffer = ownBuffer
): Uint8Array => {
  const id = streamIdBytes(streamId)
  if (Result.isFailure(id)) throw id.failure
  const offset = HEADER_BYTES + id.success.length
  const buffer = allocate(offset + source.length)
  // Not zero filled where a pooled buffer is reused: every byte of the frame is written here or by encode.
  new Uint8Array(buffer, HEADER_BYTES, id.success.length).set(id.success)
  const payload = new Uint8Array(buffer, offset, source.length)
  payload.set(source)
  preparedFrames.set(buffer, offset + source.length)
  return payload
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Writes a frame. The frame is built by this module's users from values they
 * control, so an invalid one is a defect: it throws the FrameError. A
 * payload from `prepare` gets its header written in place (a frame sent
 * again gets the header of its latest sending, which only carries newer
 * acks and credit); any other payload is copied into a new frame.
 */
export const encode = (frame: Frame): Uint8Array => {
  const id = streamIdBytes(frame.streamId)
  if (Result.isFailure(id)) throw id.failure
  const fields = validateFields(frame)
  if (Result.isFailure(fields)) throw fields.failure
  const payload = frame.payload
  const offset = HEADER_BYTES + id.success.length
  if (
    payload.byteOffset === offset && preparedFrames.get(payload.buffer) === offset + payload.byteLength &&
    sameBytes(new Uint8Array(payload.buffer, HEADER_BYTES, id.success.length), id.success)
  ) {
    const bytes = new Uint8Array(payload.buffer, 0, offset + payload.byteLength)
    writeHeader(new DataView(payload.buffer, 0, bytes.byteLength), frame, id.success.length, payload.length)
    return bytes
  }
  const bytes = new Uint8Array(offset + payload.length)
  writeHeader(new DataView(bytes.buffer), frame, id.success.length, payload.length)
  bytes.set(id.success, HEADER_BYTES)
  bytes.set(payload, offset)
  return bytes
}

/** Reads a frame; the payload is a view into `bytes` (no copy). Never throws. */
export const decode = (bytes: Uint8Array): Result.Result<Frame, FrameError> => {
  if (bytes.length < HEADER_BYTES) return fail("truncated", `${bytes.length} bytes, the header is ${HEADER_BYTES}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint8(0)
  if (version !== FRAME_VERSION) return fail("unsupported-version", `version ${version}, this end speaks ${FRAME_VERSION}`)
  const kind = KIND_NAMES[view.getUint8(1)]
  if (kind === undefined) return fail("unknown-kind", `kind ${view.getUint8(1)}`)
  if (view.getUint8(7) !== 0) return fail("reserved-bits", "byte 7 is reserved and 0")
  const idLength = view.getUint8(6)
  const payloadLength = view.getUint32(36)
  if (bytes.length !== HEADER_BYTES + idLength + payloadLength) {
    return fail("length-mismatch", `${bytes.length} bytes, the header announces ${HEADER_BYTES + idLength + payloadLength}`)
  }
  let streamId: string
  try {
    streamId = decoder.decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + idLength))
  } catch {
    return fail("bad-stream-id", "the stream id is not UTF-8")
  }
  const frame: Frame = {
    kind,
    streamId,
    segmentIndex: view.getUint16(2),
    segmentCount: view.getUint16(4),
    seq: readU64(view, 8),
    ack: readU64(view, 16),
    ackBits: view.getUint32(24),
    credit: readU64(view, 28),
    payload: bytes.subarray(HEADER_BYTES + idLength)
  }
  return validate(frame)
}
