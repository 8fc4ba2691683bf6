/** A WebSocket close frame's reason, within its limit. */

/** The longest close reason a WebSocket close frame carries, in bytes. */
export const MAX_CLOSE_REASON_BYTES = 123

/** `reason` cut to a close frame's 123 bytes, on a character boundary. */
export const closeReason = (reason: string): string => {
  let cut = reason
  while (Buffer.byteLength(cut) > MAX_CLOSE_REASON_BYTES) cut = cut.slice(0, -1)
  return cut
}
