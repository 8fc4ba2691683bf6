/**
 * Retained output of a process: assigns the per-process `seq` (one counter
 * for output, exit and close) and keeps the most recent output chunks up to a
 * byte cap, evicting the oldest whole chunks. `process/read` is served from
 * here, so it is the source of truth for what a client can still fetch.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type { OutputStream } from "../protocol/schema.js";
import type { BudgetedOutput, LiveOutputBudget } from "./LiveOutputBudget.js";
/** One retained chunk. */
export interface RetainedChunk {
    readonly seq: number;
    readonly stream: OutputStream;
    readonly bytes: Uint8Array;
}
/** What a read of the retained output returns. */
export interface RetainedRead {
    readonly chunks: ReadonlyArray<RetainedChunk>;
    /** One past the last seq assigned to any event. */
    readonly nextSeq: number;
    /** Chunks after the cursor were evicted: the result has a gap. */
    readonly truncated: boolean;
}
/**
 * The retained output of one process. Plain synchronous calls: the process
 * actor appends in the child's output callbacks, in order.
 */
export interface RetainedOutput {
    /** Assigns the next seq to a chunk and retains a copy of it; returns the chunk with the caller's bytes. */
    append(stream: OutputStream, bytes: Uint8Array): RetainedChunk;
    /** Assigns the next seq to a non-output event (exited, closed). */
    nextEventSeq(): number;
    /**
     * Chunks with `seq > afterSeq`, stopping before the chunk that would take
     * the total past `maxBytes` (but at least one chunk when there is one).
     * The bytes are the caller's to keep: later output does not change them.
     */
    read(afterSeq: number, maxBytes: number | undefined): RetainedRead;
    /**
     * The process closed: no more output comes. The retained output leaves the
     * server's budget of live output (it is a closed record's now, counted by
     * the retention budget) and keeps its storage no larger than it needs.
     * Idempotent.
     */
    seal(): void;
    /** One past the last seq assigned. */
    readonly nextSeq: number;
    /** Bytes currently retained. */
    readonly retainedBytes: number;
}
declare const OutputBuffers_base: Context.TagClass<OutputBuffers, "effect-exec-server/OutputBuffers", {
    /**
     * The retained output of a new process: at most `maxBytes` of its own,
     * and counted against the server's `budget` of live output until sealed.
     */
    readonly make: (options: {
        readonly maxBytes: number;
        readonly budget?: LiveOutputBudget | undefined;
    }) => Effect.Effect<RetainedOutput>;
}>;
/** Makes the retained output of new processes. */
export declare class OutputBuffers extends OutputBuffers_base {
}
/**
 * An in-memory ring of whole chunks, bounded by bytes. The bytes are copied
 * into one buffer of the ring's own (grown as needed up to the cap), not kept
 * in the buffers they arrived in: a chunk lives until a megabyte of newer
 * output has passed, long enough to reach V8's old generation, and thousands
 * of such buffers would then wait for a full collection, holding tens of MB
 * that the process no longer uses. Reads return copies.
 *
 * With the server's budget of live output, the ring's chunks may also be
 * evicted for it (oldest first over all rings); a ring left mostly empty so
 * gives back its storage (it shrinks to half when a quarter or less is in
 * use), so what the budget bounds is memory, not only a count.
 */
export declare class ChunkRing implements RetainedOutput, BudgetedOutput {
    readonly maxBytes: number;
    private storage;
    private slots;
    private head;
    /** Where the next chunk goes, if it fits before the end of the storage. */
    private writeAt;
    private bytes;
    private seq;
    private evictedThroughSeq;
    private budget;
    /** @internal The live budget's to set. */
    budgetIndex: number;
    constructor(maxBytes: number, budget?: LiveOutputBudget);
    append(stream: OutputStream, bytes: Uint8Array): RetainedChunk;
    nextEventSeq(): number;
    get nextSeq(): number;
    get retainedBytes(): number;
    /** Bytes of storage the ring holds (at least what it retains). */
    get storageBytes(): number;
    get oldestStamp(): number | undefined;
    evictForBudget(): number;
    seal(): void;
    read(afterSeq: number, maxBytes: number | undefined): RetainedRead;
    private get count();
    /** Where a chunk of `length` bytes goes: grows the storage or evicts the oldest chunks until it fits. */
    private place;
    /** Moves the retained chunks, in order, to the front of a larger storage. */
    private grow;
    /** Moves the retained chunks, in order, to the front of a new storage of `size` bytes (at least what they take). */
    private relocate;
    /** Evicts the oldest chunk for the ring's own cap (the budget, if any, is told). */
    private evictOwn;
    /** Evicts the oldest chunk; returns its length. */
    private evictOldest;
}
/** Retains output in memory. */
export declare const layerMemory: Layer.Layer<OutputBuffers>;
export {};
//# sourceMappingURL=OutputBuffers.d.ts.map