/**
 * Process events as notifications on the wire. Output, the hot path, is
 * serialized by hand straight into one buffer (of the connection's outbound
 * pool), base64 encoded into it, with no intermediate JSON strings, and is
 * byte-for-byte what the schema encoding would produce (a unit test holds it
 * to that); exit and close go through their schemas.
 */
import { nativeAddon } from "../native/addon.js"
import type { ProcessEvent } from "../process/ProcessActor.js"
import { ProcessClosed, ProcessExited } from "../protocol/rpcs.js"
import { encodeNotificationOf } from "../jsonrpc/clientMessages.js"
import type { OutgoingMessage } from "../wire/JsonRpc.js"

const STREAM_PART = {
  stdout: ",\"stream\":\"stdout\",\"chunk\":\"",
  stderr: ",\"stream\":\"stderr\",\"chunk\":\"",
  pty: ",\"stream\":\"pty\",\"chunk\":\""
} as const
const HEAD = "{\"method\":\"process/output\",\"params\":{\"processId\":"
const TAIL = "\"}}"

/** Base64 of `bytes` at `out[offset]` through Node's string (where the addon is not built). */
export const writeBase64ViaString = (bytes: Uint8Array, out: Buffer, offset: number): number =>
  out.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"), offset, "latin1")

/**
 * Base64 of `bytes` at `out[offset]`, by the native addon when it is in use
 * (no intermediate string in V8's young generation, and one copy less). Settled at the first chunk, so that
 * `EXEC_SERVER_NATIVE` and `turnOffNativeAddon` are heeded until then.
 */
let writeBase64: ((bytes: Uint8Array, out: Buffer, offset: number) => number) | undefined

/** `process/output` as UTF-8 JSON bytes. */
export const encodeOutput = (
  processId: string,
  seq: number,
  stream: keyof typeof STREAM_PART,
  bytes: Uint8Array,
  allocate: (size: number) => Buffer = Buffer.allocUnsafe
): Uint8Array => {
  const head = `${HEAD}${JSON.stringify(processId)},"seq":${seq}${STREAM_PART[stream]}`
  const out = allocate(Buffer.byteLength(head) + Math.ceil(bytes.byteLength / 3) * 4 + TAIL.length)
  let offset = out.write(head, 0, "utf8")
  offset += (writeBase64 ??= nativeAddon()?.encodeBase64Into ?? writeBase64ViaString)(bytes, out, offset)
  out.write(TAIL, offset, "latin1")
  return out
}

/**
 * A process event as its notification; output is built in a buffer from
 * `allocate` (the connection's outbound pool, which takes it back once written).
 */
export const notificationOf = (event: ProcessEvent, allocate?: (size: number) => Buffer): OutgoingMessage => {
  switch (event._tag) {
    case "Output":
      return encodeOutput(event.processId, event.seq, event.stream, event.bytes, allocate)
    case "Exited":
      return encodeNotificationOf(ProcessExited, {
        processId: event.processId,
        seq: event.seq,
        exitCode: event.exitCode,
        signal: event.signal,
        sandboxDenied: event.sandboxDenied,
        ...(event.usage === undefined ? {} : {
          oomKilled: event.usage.oomKilled,
          ...(event.usage.peakMemoryBytes === undefined ? {} : { peakMemoryBytes: event.usage.peakMemoryBytes }),
          ...(event.usage.cpuTimeMs === undefined ? {} : { cpuTimeMs: event.usage.cpuTimeMs })
        })
      })
    case "Closed":
      return encodeNotificationOf(ProcessClosed, { processId: event.processId, seq: event.seq })
  }
}
