import * as Effect from "effect/Effect";
import type { FlowMeter } from "./FlowControl.js";
import { type OutgoingMessage } from "../wire/JsonRpc.js";
import type { WriteBatch } from "../wire/writers.js";
/**
 * Reusable buffers for outgoing messages. A notification waiting for a slow
 * client lives long enough to reach V8's old generation, where its memory is
 * only reclaimed by a full collection; an outbound queue takes each buffer
 * it wrote back into its pool, which keeps the server's footprint flat
 * instead. A server lends one pool to all its connections' queues, so the
 * free slabs it keeps (`maxFree`) bound the whole server, not each
 * connection; a queue made without one gets a small pool of its own.
 */
export declare class MessagePool {
    readonly slabBytes: number;
    readonly maxFree: number;
    private readonly free;
    private readonly owned;
    constructor(slabBytes?: number, maxFree?: number);
    /** A buffer of `size` bytes, from the pool when it fits a slab. */
    take(size: number): Buffer;
    /** Returns a written message's buffer, if it came from the pool. */
    give(message: Uint8Array): void;
}
/** The queue of one connection. */
export interface Outbound {
    /** Queues a message; ignored once the outbound side is closed or failed. */
    readonly send: (message: OutgoingMessage) => void;
    /** A buffer for a message about to be sent, from the queue's pool (taken back once written). */
    readonly allocate: (size: number) => Buffer;
    /** Completes when a write fails (the connection is gone). */
    readonly failed: Effect.Effect<void>;
    /** Stops taking messages and completes once everything queued is written (or a write failed). */
    readonly close: Effect.Effect<void>;
    /** Nothing queued and no write in flight: `close` completes at once. */
    readonly idle: boolean;
}
/** Makes the outbound queue over a transport's write. */
export declare const make: (options: {
    readonly write: WriteBatch;
    readonly flow: FlowMeter;
    /** Where message buffers come from and go back to once written (default: a pool of this queue's own). */
    readonly pool?: MessagePool | undefined;
}) => Outbound;
//# sourceMappingURL=Outbound.d.ts.map