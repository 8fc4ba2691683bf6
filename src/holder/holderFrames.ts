/**
 * The holder's wire (native/holder.c's header comment is its definition):
 * frames of u32 length (little-endian, of what follows), u8 type, payload.
 * Commands are encoded here; events are decoded from the socket's chunks
 * as they come, split anywhere.
 */

/** The protocol version both ends speak. */
export const HOLDER_VERSION = 1
/** The largest frame (type and payload) either end accepts. */
export const MAX_FRAME_BYTES = 1024 * 1024 + 16
/** The most stdin bytes one WRITE frame carries. */
export const MAX_WRITE_BYTES = 1024 * 1024

const MAGIC = Buffer.from("EXSH", "latin1")

const Command = {
  Hello: 0x01,
  Write: 0x02,
  CloseStdin: 0x03,
  Resize: 0x04,
  Signal: 0x05,
  Ack: 0x06,
  EndOutput: 0x07,
  Detach: 0x08,
  Done: 0x09,
  Relay: 0x0a
} as const

const EventType = {
  Welcome: 0x81,
  Output: 0x82,
  Lost: 0x83,
  Exited: 0x84,
  Closed: 0x85,
  Result: 0x86,
  StdinDrained: 0x87,
  Error: 0x88,
  OutputAt: 0x89,
  Listening: 0x8a,
  Relayed: 0x8b
} as const

/** Which stream a chunk came from: a terminal's one, or a pipe's. */
export type HolderStream = "pty" | "stdout" | "stderr"
const STREAMS: ReadonlyArray<HolderStream> = ["pty", "stdout", "stderr"]

/** A command's outcome: written or delivered, stdin closed, the backlog full, the group gone. */
export type ResultStatus = "accepted" | "stdinClosed" | "backlogFull" | "groupGone"
const RESULTS: ReadonlyArray<ResultStatus> = ["accepted", "stdinClosed", "backlogFull", "groupGone"]

/** Why the holder refused a connection (startFailed: a holder started attached could not start its child; the text is its start line). */
export type RefusalReason = "badFrame" | "version" | "busy" | "displaced" | "startFailed"
const REFUSALS: Record<number, RefusalReason> = { 1: "badFrame", 2: "version", 3: "busy", 4: "displaced", 5: "startFailed" }

/** An event the holder sends, decoded. Positions count every output byte of all streams from 0. */
export type HolderFrame =
  | {
    readonly _tag: "Welcome"
    readonly version: number
    readonly terminal: boolean
    readonly stdinOpen: boolean
    readonly childPid: number
    readonly oldest: number
    readonly end: number
    /** The ring's size: an attached reader acknowledges well before that much is outstanding. */
    readonly ringBytes: number
    /**
     * Asked for with HELLO's `shared`: the ring is this holder's memfd, open
     * at /proc/HOLDER_PID/fd/RING_FD, and output comes as OutputAt. Absent
     * when not asked for or the holder has no memfd (output then comes as bytes).
     */
    readonly shared?: { readonly holderPid: number; readonly ringFd: number } | undefined
  }
  | { readonly _tag: "Output"; readonly position: number; readonly stream: HolderStream; readonly bytes: Buffer }
  /** Output in the shared ring: `length` bytes at `position`, not overwritten before they are acknowledged. */
  | { readonly _tag: "OutputAt"; readonly position: number; readonly stream: HolderStream; readonly length: number }
  /** A holder started attached is bound to its socket (errno 0), or could not be (its errno). */
  | { readonly _tag: "Listening"; readonly errno: number }
  /** After RELAY: output comes as bytes from `from` on; what came before this is to be ignored. */
  | { readonly _tag: "Relayed"; readonly from: number }
  | { readonly _tag: "Lost"; readonly from: number; readonly to: number }
  | {
    readonly _tag: "Exited"
    readonly code: number | null
    readonly signal: number | null
    readonly complete: boolean
    readonly end: number
  }
  | { readonly _tag: "Closed"; readonly end: number }
  | { readonly _tag: "Result"; readonly id: number; readonly status: ResultStatus }
  | { readonly _tag: "StdinDrained" }
  | { readonly _tag: "Refused"; readonly reason: RefusalReason; readonly message: string }

const frame = (type: number, payloadBytes: number): Buffer => {
  const buffer = Buffer.allocUnsafe(5 + payloadBytes)
  buffer.writeUInt32LE(1 + payloadBytes, 0)
  buffer[4] = type
  return buffer
}

/**
 * HELLO: attach, output from `from`, taking over from an attached server
 * when `takeover`; with `shared`, output as places in the ring's memfd.
 */
export const hello = (from: number, takeover: boolean, shared = false): Buffer => {
  const buffer = frame(Command.Hello, 16)
  MAGIC.copy(buffer, 5)
  buffer.writeUInt16LE(HOLDER_VERSION, 9)
  buffer.writeUInt16LE((takeover ? 1 : 0) | (shared ? 2 : 0), 11)
  buffer.writeBigUInt64LE(BigInt(from), 13)
  return buffer
}

/** WRITE: at most MAX_WRITE_BYTES to stdin. */
export const write = (id: number, bytes: Uint8Array): Buffer => {
  const buffer = frame(Command.Write, 4 + bytes.byteLength)
  buffer.writeUInt32LE(id, 5)
  buffer.set(bytes, 9)
  return buffer
}

const withId = (type: number, id: number): Buffer => {
  const buffer = frame(type, 4)
  buffer.writeUInt32LE(id, 5)
  return buffer
}

export const closeStdin = (id: number): Buffer => withId(Command.CloseStdin, id)

export const resize = (rows: number, cols: number): Buffer => {
  const buffer = frame(Command.Resize, 4)
  buffer.writeUInt16LE(rows, 5)
  buffer.writeUInt16LE(cols, 7)
  return buffer
}

/** SIGNAL to the child's process group; signal 0 asks whether the group is there. */
export const signal = (id: number, signalNumber: number): Buffer => {
  const buffer = frame(Command.Signal, 5)
  buffer.writeUInt32LE(id, 5)
  buffer[9] = signalNumber
  return buffer
}

export const ack = (position: number): Buffer => {
  const buffer = frame(Command.Ack, 8)
  buffer.writeBigUInt64LE(BigInt(position), 5)
  return buffer
}

/** RELAY: the ring cannot be opened here; output from `from` on as bytes. */
export const relay = (from: number): Buffer => {
  const buffer = frame(Command.Relay, 8)
  buffer.writeBigUInt64LE(BigInt(from), 5)
  return buffer
}

export const endOutput = (): Buffer => frame(Command.EndOutput, 0)
export const detach = (): Buffer => frame(Command.Detach, 0)
export const done = (): Buffer => frame(Command.Done, 0)

/** A frame the holder should not have sent: the connection cannot be trusted further. */
export class FrameError extends Error {}

const decode = (type: number, p: Buffer): HolderFrame => {
  const need = (length: number, exact = true) => {
    if (exact ? p.length !== length : p.length < length) throw new FrameError(`frame 0x${type.toString(16)} of ${p.length} bytes`)
  }
  switch (type) {
    case EventType.Welcome: {
      if (p.length !== 36 && p.length !== 44) need(36)
      if (!p.subarray(0, 4).equals(MAGIC)) throw new FrameError("not a holder")
      const flags = p.readUInt16LE(6)
      return {
        shared: (flags & 4) !== 0 && p.length === 44
          ? { holderPid: p.readUInt32LE(36), ringFd: p.readUInt32LE(40) }
          : undefined,
        _tag: "Welcome",
        version: p.readUInt16LE(4),
        terminal: (flags & 1) !== 0,
        stdinOpen: (flags & 2) !== 0,
        childPid: p.readUInt32LE(8),
        oldest: Number(p.readBigUInt64LE(12)),
        end: Number(p.readBigUInt64LE(20)),
        ringBytes: Number(p.readBigUInt64LE(28))
      }
    }
    case EventType.Output: {
      need(9, false)
      const stream = STREAMS[p[8]!]
      if (stream === undefined) throw new FrameError(`stream ${p[8]}`)
      return { _tag: "Output", position: Number(p.readBigUInt64LE(0)), stream, bytes: p.subarray(9) }
    }
    case EventType.OutputAt: {
      need(13)
      const stream = STREAMS[p[8]!]
      if (stream === undefined) throw new FrameError(`stream ${p[8]}`)
      return { _tag: "OutputAt", position: Number(p.readBigUInt64LE(0)), stream, length: p.readUInt32LE(9) }
    }
    case EventType.Listening:
      need(4)
      return { _tag: "Listening", errno: p.readInt32LE(0) }
    case EventType.Relayed:
      need(8)
      return { _tag: "Relayed", from: Number(p.readBigUInt64LE(0)) }
    case EventType.Lost:
      need(16)
      return { _tag: "Lost", from: Number(p.readBigUInt64LE(0)), to: Number(p.readBigUInt64LE(8)) }
    case EventType.Exited: {
      need(14)
      const code = p.readInt32LE(0)
      return {
        _tag: "Exited",
        code: code < 0 ? null : code,
        signal: p[4] === 0 ? null : p[4]!,
        complete: p[5] !== 0,
        end: Number(p.readBigUInt64LE(6))
      }
    }
    case EventType.Closed:
      need(8)
      return { _tag: "Closed", end: Number(p.readBigUInt64LE(0)) }
    case EventType.Result: {
      need(5)
      const status = RESULTS[p[4]!]
      if (status === undefined) throw new FrameError(`result ${p[4]}`)
      return { _tag: "Result", id: p.readUInt32LE(0), status }
    }
    case EventType.StdinDrained:
      need(0)
      return { _tag: "StdinDrained" }
    case EventType.Error:
      need(1, false)
      return { _tag: "Refused", reason: REFUSALS[p[0]!] ?? "badFrame", message: p.subarray(1).toString("utf8") }
    default:
      throw new FrameError(`unknown frame type 0x${type.toString(16)}`)
  }
}

/**
 * Splits the socket's chunks into frames: `push` each chunk, get the frames
 * it completed. An Output's bytes are a view of the chunk (or of a joined
 * copy when a frame spans chunks): the caller owns them.
 */
export class FrameReader {
  /** The start of a frame not yet whole, in the chunks it came in (joined once, when it is). */
  private pending: Array<Buffer> = []
  private pendingBytes = 0
  /** The whole frame's size once its length is known; 0 before. */
  private needed = 0

  push(chunk: Buffer): Array<HolderFrame> {
    let data = chunk
    if (this.pendingBytes > 0) {
      this.pending.push(chunk)
      this.pendingBytes += chunk.length
      if (this.needed === 0 && this.pendingBytes >= 4) {
        const length = Buffer.concat(this.pending, 4).readUInt32LE(0)
        if (length === 0 || length > MAX_FRAME_BYTES) throw new FrameError(`frame length ${length}`)
        this.needed = 4 + length
      }
      if (this.needed === 0 || this.pendingBytes < this.needed) return []
      data = Buffer.concat(this.pending, this.pendingBytes)
      this.pending = []
      this.pendingBytes = 0
      this.needed = 0
    }
    const frames: Array<HolderFrame> = []
    let at = 0
    while (data.length - at >= 4) {
      const length = data.readUInt32LE(at)
      if (length === 0 || length > MAX_FRAME_BYTES) throw new FrameError(`frame length ${length}`)
      if (data.length - at < 4 + length) {
        this.needed = 4 + length
        break
      }
      frames.push(decode(data[at + 4]!, data.subarray(at + 5, at + 4 + length)))
      at += 4 + length
    }
    if (at < data.length) {
      this.pending = [data.subarray(at)]
      this.pendingBytes = data.length - at
    }
    return frames
  }
}
