/**
 * The framing between the server and its sandboxed file workers: a 4-byte
 * big-endian length, then that many bytes of JSON.
 */

/** One message as a frame. */
export const encodeFrame = (message: unknown): Buffer => {
  const body = Buffer.from(JSON.stringify(message))
  const frame = Buffer.allocUnsafe(4 + body.length)
  frame.writeUInt32BE(body.length, 0)
  body.copy(frame, 4)
  return frame
}

/** Reassembles frames from a byte stream's chunks and hands each message on as it completes. */
export const frameReader = <A>(onMessage: (message: A) => void): (chunk: Buffer) => void => {
  let pending: Buffer = Buffer.alloc(0)
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0)
      if (pending.length < 4 + length) break
      const message = JSON.parse(pending.subarray(4, 4 + length).toString("utf8")) as A
      pending = pending.subarray(4 + length)
      onMessage(message)
    }
  }
}
