/**
 * Writing serialized messages to a byte stream (one per line) or a
 * WebSocket (one per text frame): shared by the server's transports and the
 * client's, so that the client needs nothing of the server.
 */
import * as Effect from "effect/Effect"
import type { Writable } from "node:stream"
import type { OutgoingMessage } from "./JsonRpc.js"

/**
 * Hands a batch of serialized messages to the peer, in order, and calls
 * `done` once they are written, or with the error that ended the connection.
 * It must not throw; batches may overlap (a transport keeps them in order).
 */
export type WriteBatch = (messages: ReadonlyArray<OutgoingMessage>, done: (error?: unknown) => void) => void

/** A write as an effect that completes when the batch is written. */
export const writeEffect = (write: WriteBatch, messages: ReadonlyArray<OutgoingMessage>): Effect.Effect<void, unknown> =>
  Effect.callback<void, unknown>((resume) =>
    write(messages, (error) => resume(error === undefined ? Effect.void : Effect.fail(error)))
  )

/**
 * A message's bytes, for a transport that sends bytes (a NATS stream): a
 * string as UTF-8, a buffer as it is (the transport copies what it keeps,
 * and a write that waits holds the sender's buffers until its `done`, as
 * any transport's write does).
 */
export const bytesOf = (message: OutgoingMessage): Uint8Array => typeof message === "string" ? Buffer.from(message, "utf8") : message

const TEXT = { binary: false } as const

/**
 * What `sendText` needs of a WebSocket: ws's, which both ends use. Stated
 * here, not imported, so that the package's types need no `@types/ws`.
 */
export interface TextFrameSocket {
  readonly readyState: number
  send(data: OutgoingMessage, options: { readonly binary: false }, cb?: (error?: Error) => void): void
}

/** `readyState` of an open WebSocket (the standard's value, ws's too). */
const OPEN = 1

const NEWLINE = Buffer.from("\n")
/** Below this a message and its newline are joined into one string (a copy is cheaper than a writev). */
const SMALL_MESSAGE_CHARS = 64 * 1024

/**
 * Writes a batch of messages as lines and calls `done` when the stream took
 * the last one. The lines go out in one writev (cork/uncork) rather than as
 * one joined string: a joined batch of megabytes would be allocated straight
 * into V8's old generation and linger until a full collection.
 */
export const writeLines = (
  writable: Writable,
  messages: ReadonlyArray<OutgoingMessage>,
  done: (error?: unknown) => void
): void => {
  // The common case, one small response: a single write of the line.
  const only = messages.length === 1 ? messages[0] : undefined
  if (typeof only === "string" && only.length < SMALL_MESSAGE_CHARS) {
    writable.write(`${only}\n`, (error) => done(error ?? undefined))
    return
  }
  writable.cork()
  const last = messages.length - 1
  for (let i = 0; i <= last; i++) {
    writable.write(messages[i]!)
    if (i < last) writable.write(NEWLINE)
  }
  writable.write(NEWLINE, (error) => done(error ?? undefined))
  writable.uncork()
}

/**
 * Sends messages as text frames (also those serialized straight to bytes) and
 * calls `done` once the last one has been handed to the socket.
 */
export const sendText = (
  socket: TextFrameSocket,
  messages: ReadonlyArray<OutgoingMessage>,
  done: (error?: unknown) => void
): void => {
  if (socket.readyState !== OPEN) {
    done(new Error("socket is closed"))
    return
  }
  // ws writes each frame to the TCP socket on its own; corked, a batch leaves in one writev.
  const tcp = messages.length > 1 ? (socket as TextFrameSocket & WebSocketWithSocket)._socket : undefined
  tcp?.cork()
  for (let i = 0; i < messages.length - 1; i++) socket.send(messages[i]!, TEXT)
  socket.send(messages[messages.length - 1]!, TEXT, (error) => done(error ?? undefined))
  tcp?.uncork()
}

/** ws keeps its TCP socket in `_socket` (unchanged since ws 1.x; absent before it is connected). */
interface WebSocketWithSocket {
  readonly _socket?: { cork(): void; uncork(): void } | null
}
