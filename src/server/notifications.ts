/**
 * Process events as notifications on the wire. Output, the hot path, is
 * serialized by hand straight into one buffer — base64 encoded once, no
 * intermediate JSON strings — and is byte-for-byte what the schema encoding
 * would produce (a unit test holds it to that); exit and close go through
 * their schemas.
 */
import type { ProcessEvent } from "../process/ProcessActor.js"
import { ProcessClosed, ProcessExited } from "../protocol/rpcs.js"
import { encodeNotificationOf } from "../rpc/Connection.js"
import type { OutgoingMessage } from "../rpc/JsonRpc.js"

const STREAM_PART = {
  stdout: ",\"stream\":\"stdout\",\"chunk\":\"",
  stderr: ",\"stream\":\"stderr\",\"chunk\":\"",
  pty: ",\"stream\":\"pty\",\"chunk\":\""
} as const
const HEAD = "{\"method\":\"process/output\",\"params\":{\"processId\":"
const TAIL = "\"}}"

/**
 * Reusable buffers for output notifications. A notification waiting for a
 * slow client lives long enough to reach V8's old generation, where its
 * memory is only reclaimed by a full collection; recycling the buffers once
 * they are written keeps the server's footprint flat instead.
 */
export class MessagePool {
  private readonly free: Array<ArrayBuffer> = []
  private readonly owned = new WeakSet<ArrayBuffer>()

  constructor(readonly slabBytes = 96 * 1024, readonly maxFree = 256) {}

  /** A buffer of `size` bytes, from the pool when it fits a slab. */
  take(size: number): Buffer {
    if (size > this.slabBytes) return Buffer.allocUnsafeSlow(size)
    let slab = this.free.pop()
    if (slab === undefined) {
      slab = new ArrayBuffer(this.slabBytes)
      this.owned.add(slab)
    }
    return Buffer.from(slab, 0, size)
  }

  /** Returns a written message's buffer, if it came from the pool. */
  give(message: Uint8Array): void {
    const slab = message.buffer
    if (slab instanceof ArrayBuffer && this.owned.has(slab) && this.free.length < this.maxFree) this.free.push(slab)
  }
}

/** The pool output notifications are built in. */
export const outputPool = new MessagePool()

/** Gives written messages back to the output pool. */
export const recycleWritten = (messages: ReadonlyArray<OutgoingMessage>): void => {
  for (const message of messages) if (typeof message !== "string") outputPool.give(message)
}

/** `process/output` as UTF-8 JSON bytes. */
export const encodeOutput = (
  processId: string,
  seq: number,
  stream: keyof typeof STREAM_PART,
  bytes: Uint8Array
): Uint8Array => {
  const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")
  const head = `${HEAD}${JSON.stringify(processId)},"seq":${seq}${STREAM_PART[stream]}`
  const out = outputPool.take(Buffer.byteLength(head) + chunk.length + TAIL.length)
  let offset = out.write(head, 0, "utf8")
  offset += out.write(chunk, offset, "latin1")
  out.write(TAIL, offset, "latin1")
  return out
}

/** A process event as its notification. */
export const notificationOf = (event: ProcessEvent): OutgoingMessage => {
  switch (event._tag) {
    case "Output":
      return encodeOutput(event.processId, event.seq, event.stream, event.bytes)
    case "Exited":
      return encodeNotificationOf(ProcessExited, {
        processId: event.processId,
        seq: event.seq,
        exitCode: event.exitCode,
        signal: event.signal,
        sandboxDenied: event.sandboxDenied
      })
    case "Closed":
      return encodeNotificationOf(ProcessClosed, { processId: event.processId, seq: event.seq })
  }
}
