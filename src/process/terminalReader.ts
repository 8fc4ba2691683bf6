/**
 * A terminal's output read by our addon on a thread of its own
 * (native/terminal.c) instead of node-pty's tty.ReadStream on the event
 * loop. node-pty still starts the child, writes to the terminal, resizes it
 * and reports the exit; only the reading moves. A terminal lets its child
 * get only ~12 KB ahead of the reader, so whatever else the event loop did
 * (each notification sent) was time the child waited.
 */
import type * as NodePty from "node-pty"
import { nativeAddon, type TerminalWatch } from "../native/addon.js"

/** A terminal read by the addon. */
export interface TerminalReader {
  /** Nothing is handed over until `resume` (the child blocks once the terminal's buffers are full). */
  readonly pause: () => void
  readonly resume: () => void
  /** Stops reading now and closes node-pty's master stream, which reports the exit then (or once its child is reaped). */
  readonly close: () => void
  /** True once the terminal has hung up (read to its end) or `close` was called. */
  readonly ended: () => boolean
}

/** What this (and NodePtySpawner.ts) reads of node-pty 1.x's UnixTerminal: the master's descriptor and its read stream. */
export interface NodePtyInternals {
  readonly _fd?: unknown
  readonly _socket?: {
    readonly _handle?: { readonly readStop?: unknown } | null
    _read: (size: number) => void
    destroy: (...args: Array<unknown>) => unknown
  }
}

/**
 * One buffer for every terminal: each hand-over is valid only during its
 * call (see `ChildEvent`), and the thread gathers at most this much.
 */
const HANDOVER_BYTES = 64 * 1024
let sharedBuffer: Buffer | undefined

/**
 * Takes the reading of `terminal` over from node-pty: call it in the same
 * turn as `pty.spawn`, before node-pty's stream has read anything (it
 * starts at the next poll of the event loop). `onOutput` gets what the
 * thread gathered, valid only during the call; `onEnd` once the terminal
 * has hung up, after the last bytes. Undefined when the addon cannot (not
 * built, switched off, built before terminals) or node-pty is not the one
 * this knows: node-pty then reads as it always did. Throws the addon's
 * error (its `code` EMFILE, EAGAIN, ...) when the addon is there but cannot
 * watch this terminal now (out of descriptors or threads): node-pty's own
 * reading ends the stream 200 ms after the exit, however late the event
 * loop is to read what is left, and lost the end of about one terminal in
 * thirty under the soak's load; the caller refuses the start instead.
 */
export const readTerminal = (
  terminal: NodePty.IPty,
  onOutput: (bytes: Uint8Array) => void,
  onEnd: () => void
): TerminalReader | undefined => {
  const addon = nativeAddon()
  const internals = terminal as unknown as NodePtyInternals
  const socket = internals._socket
  const handle = socket?._handle
  if (
    addon?.watchTerminal === undefined || addon.pauseTerminal === undefined || addon.resumeTerminal === undefined ||
    addon.closeTerminal === undefined || socket === undefined || typeof internals._fd !== "number" ||
    typeof handle?.readStop !== "function"
  ) return undefined
  const { closeTerminal, pauseTerminal, resumeTerminal } = addon
  const buffer = (sharedBuffer ??= Buffer.allocUnsafeSlow(HANDOVER_BYTES))
  let ended = false
  // Throws when it cannot watch (see above): nothing was taken over yet.
  const watch: TerminalWatch = addon.watchTerminal(internals._fd, buffer, (_stream, bytesRead) => {
    if (bytesRead > 0) {
      onOutput(buffer.subarray(0, bytesRead))
      return
    }
    ended = true
    onEnd()
    // node-pty's stream never reads, so it never sees the hang-up: closing it lets node-pty report the exit now.
    socket.destroy()
  })
  // node-pty's stream is flowing (it listens for 'data') and would start reading at its
  // next read(), a tick from now: it never reads, and stops if it had started.
  socket._read = () => {}
  ;(handle.readStop as () => number).call(handle)
  return {
    pause: () => pauseTerminal(watch),
    resume: () => resumeTerminal(watch),
    close: () => {
      if (!ended) {
        ended = true
        closeTerminal(watch)
      }
      socket.destroy()
    },
    ended: () => ended
  }
}
