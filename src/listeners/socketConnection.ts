/**
 * One accepted WebSocket as a frame transport: its frames in a mailbox
 * (the socket paused while the consumer is behind, or while the listener's
 * budget of arriving messages has no room), keep-alive pings, and a close
 * with a code and reason.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Duplex } from "node:stream"
import { type RawData, WebSocket } from "ws"
import type { FrameTransport } from "../jsonrpc/Transport.js"
import { oversizedFrameRead } from "../native/oversizedMemory.js"
import type { ArrivingBytes } from "../wire/arrivingBytes.js"
import type { Frame } from "../wire/JsonRpc.js"
import { type CredentialGrant, makeInbox } from "../wire/FrameTransport.js"
import { sendText } from "../wire/writers.js"
import { closeReason } from "./closeReason.js"

const frameOf = (data: RawData, maxMessageBytes: number): Frame => {
  // ws gives a Buffer (binaryType "nodebuffer"): read as it is, never copied (a large frame would be held twice).
  const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
  if (buffer.length <= maxMessageBytes) return { _tag: "Text", text: buffer.toString("utf8") }
  oversizedFrameRead()
  return { _tag: "Oversized", bytes: buffer.length }
}

/**
 * A frame transport over one accepted socket. Listeners are attached at
 * once, so frames that arrive before the connection is served are kept.
 */
export const socketTransport = (
  socket: WebSocket,
  options: {
    /** The upgraded socket under `socket`, whose reads are counted in `arriving`. */
    readonly raw: Duplex
    readonly arriving: ArrivingBytes
    readonly maxMessageBytes: number
    readonly pingIntervalMs: number
    readonly address: string | undefined
    readonly path: string
    readonly maxBufferedFrames: number | undefined
    /** What the peer's credential grants beyond the protocol. */
    readonly grants?: ReadonlyArray<CredentialGrant> | undefined
  }
): FrameTransport & { readonly closeWith: (code: number, reason: string) => Effect.Effect<void> } => {
  /** Why the socket is not read now: frames waiting for the consumer, or no room for what is arriving (see wire/arrivingBytes.ts). */
  let holds = 0
  const hold = () => {
    if (holds++ === 0) socket.pause()
  }
  const unhold = () => {
    if (--holds === 0) socket.resume()
  }
  const inbox = makeInbox<never>({ capacity: options.maxBufferedFrames, pause: hold, resume: unhold })
  // Whether the peer showed life since the last ping: a pong, or any bytes (a pong sent behind a
  // large frame of its own arrives only after the frame's last byte).
  let alive = true
  let lastTick = performance.now()
  const ping = setInterval(() => {
    const now = performance.now()
    // A tick that comes late found this end's loop busy, with the peer's bytes (its pong among
    // them) maybe still unread behind it: no verdict on this one.
    const late = now - lastTick > options.pingIntervalMs * 1.5
    lastTick = now
    // While this end does not read (the consumer is behind, or no room), the peer's pongs wait unread: it is not taken for dead.
    if (!alive && holds === 0 && !late) {
      socket.terminate()
      return
    }
    alive = false
    socket.ping()
  }, options.pingIntervalMs)
  // Counted before ws parses what was read: a message it completes is then freed at once.
  const arriving = options.arriving.open({
    pause: hold,
    resume: unhold,
    stalled: () => {
      // Not its fault while this end does not read its frames.
      if (!inbox.behind()) socket.terminate()
    }
  })
  options.raw.prependListener("data", (chunk: Buffer) => {
    alive = true
    arriving.read(chunk.length)
  })
  // A control frame's payload and its header (at most 6 bytes from a client) belong to no message.
  const controlFrame = (data: Buffer) => arriving.control(data.length + 6)
  socket.on("ping", controlFrame)
  socket.on("pong", (data) => {
    alive = true
    controlFrame(data)
  })
  socket.on("message", (data) => {
    alive = true
    arriving.completed()
    inbox.deliver(frameOf(data, options.maxMessageBytes))
  })
  socket.on("close", () => {
    arriving.close()
    clearInterval(ping)
    inbox.end(Exit.void)
  })
  socket.on("error", () => socket.terminate())
  const closeWith = (code: number, reason: string) =>
    Effect.sync(() => {
      clearInterval(ping)
      inbox.stop()
      if (socket.readyState === WebSocket.OPEN) socket.close(code, closeReason(reason))
      else socket.terminate()
    })
  const close = closeWith(1001, "server closing the connection")
  return {
    frames: inbox.frames,
    write: (messages, done) => sendText(socket, messages, done),
    close,
    closeWith,
    peer: {
      transport: "websocket",
      address: options.address,
      path: options.path,
      ...(options.grants === undefined || options.grants.length === 0 ? {} : { grants: options.grants })
    }
  }
}
