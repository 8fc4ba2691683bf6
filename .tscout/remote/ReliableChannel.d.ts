import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import type * as Scope from "effect/Scope";
import * as RS from "./ReliableStream.js";
declare const StreamReset_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "RemoteStreamReset";
} & Readonly<A>;
/** The stream was reset, by this end or the peer, with a reason. */
export declare class StreamReset extends StreamReset_base<{
    readonly reason: string;
    readonly byPeer: boolean;
}> {
}
/** Sends frames to the peer; a frame may be lost without a word (core NATS). Must not throw. */
export type Transmit = (frame: Uint8Array) => void;
/** One end of a stream, reliable over a lossy link. */
export interface ReliableChannel {
    readonly streamId: string;
    /** Sends one message; completes once it has gone out within the peer's credit (it may still be unacknowledged). */
    readonly send: (message: Uint8Array) => Effect.Effect<void, StreamReset>;
    /**
     * Sends one message now, without waiting, if no send waits and the peer's
     * credit covers all of it; false (and nothing sent) otherwise, when `send`
     * is the way.
     */
    readonly trySend: (message: Uint8Array) => boolean;
    /** The next message, or None once the peer closed its direction (not for a channel made with `deliver`). */
    readonly receive: Effect.Effect<Option.Option<Uint8Array>, StreamReset>;
    /** A channel made with `deliver`: its owner is done with a message that held `holds` bytes of the window (credit for the peer). */
    readonly consumed: (holds: number) => void;
    /** Closes this direction and waits until the peer acknowledged everything. */
    readonly close: Effect.Effect<void, StreamReset>;
    /** Ends the stream at once; the peer is told the reason. */
    readonly reset: (reason: string) => Effect.Effect<void>;
    /** The link delivers an incoming frame (callable from any callback). */
    readonly onFrame: (bytes: Uint8Array) => void;
    /** The link reconnected: what was in flight may be lost both ways. */
    readonly reconnected: () => void;
    /** The end's counters and seqs, for tests and metrics. */
    readonly snapshot: () => ChannelSnapshot;
}
/** What a channel has done so far. */
export interface ChannelSnapshot {
    readonly stats: RS.StreamStats;
    /** The last seq this end gave a frame. */
    readonly lastSentSeq: number;
    /** The highest seq received with none missing. */
    readonly receivedThrough: number;
    readonly inFlightBytes: number;
}
/** What comes in, in order: messages, then the peer's end of its direction or the stream's reset. */
export type Incoming = RS.Delivery | {
    readonly _tag: "Reset";
    readonly error: StreamReset;
};
/** Takes what comes in as it comes (on the link's callback): the owner hands each message's `holds` to `consumed` once it took it. */
export type Deliver = (item: Incoming) => void;
/**
 * Starts a channel living in the scope; closing the scope resets a stream
 * that is not done. The transitions run on the caller's stack, not on a
 * fiber of their own: a frame or a call costs no fiber wake-up, which was
 * most of a remote request's latency on a busy machine.
 */
export declare const make: (options: RS.StreamOptions, transmit: Transmit, deliver?: Deliver) => Effect.Effect<ReliableChannel, never, Scope.Scope>;
export {};
//# sourceMappingURL=ReliableChannel.d.ts.map