/**
 * The state of one end of a remote stream: its options and their defaults,
 * the sender's and receiver's fields, the counters, and a fresh end. Kept
 * apart from the transitions (ReliableStream.ts) so the fields and their
 * initial values are read in one place; ReliableStream.ts re-exports what
 * is public.
 */
import type { Frame } from "./frames.js"

/** How one end behaves; both ends of a stream should agree on `window`. */
export interface StreamOptions {
  readonly streamId: string
  /** Payload bytes per frame: a larger message is cut into segments of this size. */
  readonly maxPayload: number
  /** Bytes the receiver holds for its application (out of order, or delivered and not consumed); the sender never has more in flight. */
  readonly window: number
  /** A frame unacknowledged for this long (ms) is sent again. */
  readonly retransmitAfter: number
  /** A received frame is acknowledged within this long (ms), or at once after `ackEvery` frames, a gap or a duplicate. */
  readonly ackDelay: number
  readonly ackEvery: number
  /** An end that has sent nothing for this long (ms) sends a heartbeat. */
  readonly heartbeatEvery: number
  /** An end that has heard nothing of its peer for this long (ms) resets the stream: the peer is gone. */
  readonly peerTimeout: number
  /** The largest message the receiver reassembles; a larger one resets the stream. */
  readonly maxMessage: number
  /**
   * Frames come from a pool, and go back to it once acknowledged (framePool.ts):
   * only for a link that copies what it transmits before the next macrotask.
   */
  readonly reuseFrames?: boolean | undefined
}

/** Defaults sized for NATS (1 MB max_payload): 60 KiB segments, a 1 MiB window. */
export const defaultOptions = (streamId: string): StreamOptions => ({
  streamId,
  maxPayload: 60 * 1024,
  window: 1024 * 1024,
  retransmitAfter: 1000,
  ackDelay: 20,
  ackEvery: 8,
  // A peer gone is noticed within two heartbeats; 12 s also outlasts a NATS node's
  // failover (a stalled node noticed in 2-3 pings of 2 s, then a reconnect).
  heartbeatEvery: 6000,
  peerTimeout: 12_000,
  maxMessage: 64 * 1024 * 1024
})

/** What the receiver hands its application, in order. */
export type Delivery =
  /**
   * A whole message. `holds` is the part of it that still counts against the
   * window (a reassembled message's earlier segments were credited as they
   * came): hand it to `consume` once the message is dealt with.
   */
  | { readonly _tag: "Message"; readonly bytes: Uint8Array; readonly holds: number }
  /** The peer closed the stream after everything before this. */
  | { readonly _tag: "End" }

/** A sequenced frame the sender holds until it is acknowledged. */
export interface Outgoing {
  readonly seq: number
  readonly kind: "data" | "close"
  readonly segmentIndex: number
  readonly segmentCount: number
  readonly payload: Uint8Array
  /** Payload offset of the stream after this frame: it may go out once the peer's credit reaches it. */
  readonly end: number
  /** When it was last sent; undefined = due now. */
  sentAt: number | undefined
}

/** What the sender keeps: the frames it numbered, what is in flight, and the peer's credit. */
export interface Sender {
  nextSeq: number
  /** Frames with a seq, not yet sent (waiting for credit), in seq order. */
  readonly queued: Array<Outgoing>
  queuedHead: number
  /** Sent and not acknowledged, in seq order (a Map keeps insertion order). */
  readonly inFlight: Map<number, Outgoing>
  inFlightBytes: number
  /** Payload offset after the last frame given a seq. */
  queuedEnd: number
  /** The peer's credit: the payload offset this end may send up to. */
  credit: number
  closed: boolean
  lastProbeAt: number
  /** No frame in flight was sent before this (a lower bound): until it is a timeout old, poll skips the scan. */
  oldestSentAt: number
  /**
   * The retransmission timeout's multiplier: doubled by each timeout without
   * an ack in between (up to 16), back to 1 when an ack frees a frame, so a
   * peer out of reach is not sent the whole window again every timeout.
   */
  backoff: number
}

/** What the receiver keeps: what it acknowledged, buffered and reassembled, and the credit it granted. */
export interface Receiver {
  /** Highest seq received with none missing below it. */
  ack: number
  readonly buffered: Map<number, Frame>
  bufferedBytes: number
  /** The message being reassembled, its segments copied in as they come (its first `partialBytes` bytes). */
  partial: Uint8Array | undefined
  /** Segments of it received. */
  partialSegments: number
  partialBytes: number
  /** The segment count of the message being reassembled. */
  partialCount: number
  /** Of partialBytes, those credited ahead (see creditAhead). */
  partialCredited: number
  /** Told of each segment reassembled, where streams share a budget for them; it may hold crediting ahead back (`holdAhead`). */
  budget: ReassemblyBudget | undefined
  aheadHeld: boolean
  /** Bytes delivered to the application and not yet reported consumed. */
  deliveredBytes: number
  consumed: number
  /** The credit last sent to the peer. */
  advertised: number
  /** Frames received since the last ack went out, and when the first of them came. */
  unacked: number
  unackedSince: number
  ackNow: boolean
  ended: boolean
}

/**
 * A budget shared by many streams for the messages they reassemble
 * (wire/arrivingBytes.ts): told of each segment and of each message
 * completed. While it holds an end back (`holdAhead`), that end's segments
 * count against its window, so its sender stops one window in.
 */
export interface ReassemblyBudget {
  readonly read: (bytes: number) => void
  readonly completed: () => void
}

/** How a stream ended badly: by this end (`reset`, a protocol violation) or by the peer. */
export interface ResetState {
  readonly reason: string
  readonly byPeer: boolean
  /** This end still owes the peer its reset frame. */
  owed: boolean
}

/** Counters the tests and metrics read. */
export interface StreamStats {
  framesSent: number
  retransmissions: number
  duplicates: number
  dropped: number
  maxInFlightBytes: number
  maxHeldBytes: number
}

/** One end of one stream. */
export interface StreamEndpoint {
  readonly options: StreamOptions
  readonly sender: Sender
  readonly receiver: Receiver
  reset: ResetState | undefined
  /** This end reconnected and owes the peer a resume. */
  resumeOwed: boolean
  lastSentAt: number
  /** When a frame of the peer last came. */
  lastHeardAt: number
  readonly stats: StreamStats
}

/** A fresh end of a stream. */
export const make = (options: StreamOptions, now: number): StreamEndpoint => {
  if (options.window < options.maxPayload) throw new RangeError("the window must hold one full segment")
  return {
    options,
    sender: {
      nextSeq: 1, queued: [], queuedHead: 0, inFlight: new Map(), inFlightBytes: 0, queuedEnd: 0,
      // Until the peer speaks, it is taken to grant the window both ends agreed on.
      credit: options.window, closed: false, lastProbeAt: now, oldestSentAt: Infinity, backoff: 1
    },
    receiver: {
      ack: 0, buffered: new Map(), bufferedBytes: 0, partial: undefined, partialSegments: 0, partialBytes: 0, partialCount: 0, partialCredited: 0, budget: undefined, aheadHeld: false, deliveredBytes: 0,
      consumed: 0, advertised: options.window, unacked: 0, unackedSince: now, ackNow: false, ended: false
    },
    reset: undefined,
    resumeOwed: false,
    lastSentAt: now,
    lastHeardAt: now,
    stats: { framesSent: 0, retransmissions: 0, duplicates: 0, dropped: 0, maxInFlightBytes: 0, maxHeldBytes: 0 }
  }
}
