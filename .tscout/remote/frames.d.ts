import * as Either from "effect/Either";
/** The only version this module writes and reads; a peer sending another is answered with a reset. */
export declare const FRAME_VERSION = 1;
/** Size of the fixed part of the header, before the stream id. */
export declare const HEADER_BYTES = 40;
/** The longest stream id, in UTF-8 bytes (its length is one byte). */
export declare const MAX_STREAM_ID_BYTES = 255;
/** The largest seq, ack or credit the contract carries: JavaScript's safe integers (the field is 64-bit). */
export declare const MAX_COUNTER: number;
/** What a frame is for; data and close are sequenced (seq ≥ 1), the others are control frames (seq 0). */
export declare const FrameKind: {
    readonly data: 1;
    readonly ack: 2;
    readonly resume: 3;
    readonly reset: 4;
    readonly heartbeat: 5;
    readonly open: 6;
    readonly close: 7;
};
/** A kind's name. */
export type FrameKindName = keyof typeof FrameKind;
/** Whether frames of a kind take a seq of the stream (and are acknowledged and retransmitted). */
export declare const isSequenced: (kind: FrameKindName) => boolean;
/** One frame, decoded. Every kind carries the sender's view of the reverse direction (ack, ackBits, credit). */
export interface Frame {
    readonly kind: FrameKindName;
    readonly streamId: string;
    readonly seq: number;
    readonly ack: number;
    /** Unsigned 32-bit bitmap of frames received beyond `ack + 1`. */
    readonly ackBits: number;
    readonly credit: number;
    readonly segmentIndex: number;
    readonly segmentCount: number;
    readonly payload: Uint8Array;
}
/** Why bytes are not a frame (or a frame cannot be written). */
export type FrameErrorReason = "truncated" | "unsupported-version" | "unknown-kind" | "reserved-bits" | "bad-stream-id" | "bad-segment" | "bad-seq" | "counter-overflow" | "length-mismatch";
declare const FrameError_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "RemoteFrameError";
} & Readonly<A>;
/** A malformed frame: decoding never throws, it returns this. */
export declare class FrameError extends FrameError_base<{
    readonly reason: FrameErrorReason;
    readonly message: string;
}> {
}
/** Checks a frame against the contract's rules (the same ones decode enforces). */
export declare const validate: (frame: Frame) => Either.Either<Frame, FrameError>;
/**
 * A copy of `source` as the payload of a frame of `streamId` that `encode`
 * will write in place: one copy from the sender's message to the bytes that
 * go out, where encoding a plain payload copies it once more. The returned
 * view is the payload; the frame's header is written at each `encode` (the
 * ack and credit it carries change between retransmissions).
 */
export declare const prepare: (streamId: string, source: Uint8Array) => Uint8Array;
/**
 * Writes a frame. The frame is built by this module's users from values they
 * control, so an invalid one is a defect: it throws the FrameError. A
 * payload from `prepare` gets its header written in place (a frame sent
 * again gets the header of its latest sending, which only carries newer
 * acks and credit); any other payload is copied into a new frame.
 */
export declare const encode: (frame: Frame) => Uint8Array;
/** Reads a frame; the payload is a view into `bytes` (no copy). Never throws. */
export declare const decode: (bytes: Uint8Array) => Either.Either<Frame, FrameError>;
export {};
//# sourceMappingURL=frames.d.ts.map