/**
 * One end of a remote stream as deterministic transitions, with no I/O and
 * no clock (time is an argument): the sender assigns seqs, segments
 * messages, keeps what is unacknowledged and retransmits it on resume or
 * timeout, within the peer's credit; the receiver drops duplicates, buffers
 * out of order frames, delivers messages in order, reassembles segments and
 * grants credit as its application consumes. The state is mutated in place
 * (a frame costs O(1), not a copy of the window); a driver (NatsLink, the
 * tests' simulated link) feeds it frames and time and transmits what `poll`
 * returns. The contract is docs/PROTOCOL.md, "Remote streams (NATS)".
 */
import { type Frame } from "./frames.js";
/** How one end behaves; both ends of a stream should agree on `window`. */
export interface StreamOptions {
    readonly streamId: string;
    /** Payload bytes per frame: a larger message is cut into segments of this size. */
    readonly maxPayload: number;
    /** Bytes the receiver holds for its application (out of order, or delivered and not consumed); the sender never has more in flight. */
    readonly window: number;
    /** A frame unacknowledged for this long (ms) is sent again. */
    readonly retransmitAfter: number;
    /** A received frame is acknowledged within this long (ms), or at once after `ackEvery` frames, a gap or a duplicate. */
    readonly ackDelay: number;
    readonly ackEvery: number;
    /** An end that has sent nothing for this long (ms) sends a heartbeat. */
    readonly heartbeatEvery: number;
    /** An end that has heard nothing of its peer for this long (ms) resets the stream: the peer is gone. */
    readonly peerTimeout: number;
    /** The largest message the receiver reassembles; a larger one resets the stream. */
    readonly maxMessage: number;
}
/** Defaults sized for NATS (1 MB max_payload): 60 KiB segments, a 1 MiB window. */
export declare const defaultOptions: (streamId: string) => StreamOptions;
/** What the receiver hands its application, in order. */
export type Delivery = 
/**
 * A whole message. `holds` is the part of it that still counts against the
 * window (a reassembled message's earlier segments were credited as they
 * came): hand it to `consume` once the message is dealt with.
 */
{
    readonly _tag: "Message";
    readonly bytes: Uint8Array;
    readonly holds: number;
}
/** The peer closed the stream after everything before this. */
 | {
    readonly _tag: "End";
};
/** A sequenced frame the sender holds until it is acknowledged. */
interface Outgoing {
    readonly seq: number;
    readonly kind: "data" | "close";
    readonly segmentIndex: number;
    readonly segmentCount: number;
    readonly payload: Uint8Array;
    /** Payload offset of the stream after this frame: it may go out once the peer's credit reaches it. */
    readonly end: number;
    /** When it was last sent; undefined = due now. */
    sentAt: number | undefined;
}
interface Sender {
    nextSeq: number;
    /** Frames with a seq, not yet sent (waiting for credit), in seq order. */
    readonly queued: Array<Outgoing>;
    queuedHead: number;
    /** Sent and not acknowledged, in seq order (a Map keeps insertion order). */
    readonly inFlight: Map<number, Outgoing>;
    inFlightBytes: number;
    /** Payload offset after the last frame given a seq. */
    queuedEnd: number;
    /** The peer's credit: the payload offset this end may send up to. */
    credit: number;
    closed: boolean;
    lastProbeAt: number;
    /** No frame in flight was sent before this (a lower bound): until it is a timeout old, poll skips the scan. */
    oldestSentAt: number;
    /**
     * The retransmission timeout's multiplier: doubled by each timeout without
     * an ack in between (up to 16), back to 1 when an ack frees a frame, so a
     * peer out of reach is not sent the whole window again every timeout.
     */
    backoff: number;
}
interface Receiver {
    /** Highest seq received with none missing below it. */
    ack: number;
    readonly buffered: Map<number, Frame>;
    bufferedBytes: number;
    /** Segments of the message being reassembled. */
    readonly partial: Array<Uint8Array>;
    partialBytes: number;
    /** The segment count of the message being reassembled. */
    partialCount: number;
    /** Of partialBytes, those credited ahead (see creditAhead). */
    partialCredited: number;
    /** Bytes delivered to the application and not yet reported consumed. */
    deliveredBytes: number;
    consumed: number;
    /** The credit last sent to the peer. */
    advertised: number;
    /** Frames received since the last ack went out, and when the first of them came. */
    unacked: number;
    unackedSince: number;
    ackNow: boolean;
    ended: boolean;
}
/** How a stream ended badly: by this end (`reset`, a protocol violation) or by the peer. */
export interface ResetState {
    readonly reason: string;
    readonly byPeer: boolean;
    /** This end still owes the peer its reset frame. */
    owed: boolean;
}
/** Counters the tests and metrics read. */
export interface StreamStats {
    framesSent: number;
    retransmissions: number;
    duplicates: number;
    dropped: number;
    maxInFlightBytes: number;
    maxHeldBytes: number;
}
/** One end of one stream. */
export interface StreamEndpoint {
    readonly options: StreamOptions;
    readonly sender: Sender;
    readonly receiver: Receiver;
    reset: ResetState | undefined;
    /** This end reconnected and owes the peer a resume. */
    resumeOwed: boolean;
    lastSentAt: number;
    /** When a frame of the peer last came. */
    lastHeardAt: number;
    readonly stats: StreamStats;
}
/** A fresh end of a stream. */
export declare const make: (options: StreamOptions, now: number) => StreamEndpoint;
/** Whether everything handed to `send` has gone out at least once (a waiting `send` may return). */
export declare const isDrained: (end: StreamEndpoint) => boolean;
/** Whether every frame sent was acknowledged (a clean close can finish). */
export declare const isAcknowledged: (end: StreamEndpoint) => boolean;
/** Whether a message of `length` bytes would go out whole at the next poll: nothing waits before it and the peer's credit covers it. */
export declare const fitsNow: (end: StreamEndpoint, length: number) => boolean;
/** Bytes sent and not acknowledged. */
export declare const inFlightBytes: (end: StreamEndpoint) => number;
/**
 * Gives the sender one message, cut into segments of `maxPayload`, each
 * copied once into the frame that carries it (the caller may reuse the
 * message at once). Returns false when the stream is reset or closed. The
 * caller waits for `isDrained` before the next (that is the backpressure).
 */
export declare const send: (end: StreamEndpoint, message: Uint8Array) => boolean;
/** Closes this direction after what was sent: the peer delivers End once it has everything before. */
export declare const close: (end: StreamEndpoint) => void;
/**
 * Takes one frame from the peer (already decoded, of this stream) and
 * returns what the application gets, in order. After a reset it returns
 * nothing.
 */
export declare const receive: (end: StreamEndpoint, frame: Frame, now: number) => Array<Delivery>;
/** The application is done with `bytes` of delivered messages: they count against the window no more. */
export declare const consume: (end: StreamEndpoint, bytes: number) => void;
/** This end's connection came back: its own unacknowledged frames are sent again and the peer is asked to resume. */
export declare const reconnected: (end: StreamEndpoint) => void;
/** Ends the stream from this end with a reason, which the peer is told. */
export declare const reset: (end: StreamEndpoint, reason: string) => void;
/**
 * The frames to transmit now, in order: a reset if one is owed (and then
 * nothing else), a resume, retransmissions that are due, new frames the
 * peer's credit allows, and an ack, probe or heartbeat when one is due.
 */
export declare const poll: (end: StreamEndpoint, now: number) => Array<Frame>;
/**
 * The time (ms) by which `poll` must run again if no frame comes and no
 * call is made: a retransmission, an ack, a probe for credit or a
 * heartbeat falls due then. It may be early (poll then finds nothing), never
 * late.
 */
export declare const nextDeadline: (end: StreamEndpoint, now: number) => number;
export {};
//# sourceMappingURL=ReliableStream.d.ts.map