/**
 * Retained output of a process: assigns the per-process `seq` (one counter
 * for output, exit and close) and keeps the most recent output chunks up to a
 * byte cap, evicting the oldest whole chunks. `process/read` is served from
 * here, so it is the source of truth for what a client can still fetch.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { OutputStream } from "../protocol/schema.js"
import type { BudgetedOutput, LiveOutputBudget } from "./LiveOutputBudget.js"

/** One retained chunk. */
export interface RetainedChunk {
  readonly seq: number
  readonly stream: OutputStream
  readonly bytes: Uint8Array
}

/** What a read of the retained output returns. */
export interface RetainedRead {
  readonly chunks: ReadonlyArray<RetainedChunk>
  /** One past the last seq assigned to any event. */
  readonly nextSeq: number
  /** Chunks after the cursor were evicted: the result has a gap. */
  readonly truncated: boolean
}

/**
 * The retained output of one process. Plain synchronous calls: the process
 * actor appends in the child's output callbacks, in order.
 */
export interface RetainedOutput {
  /** Assigns the next seq to a chunk and retains a copy of it; returns the chunk with the caller's bytes. */
  append(stream: OutputStream, bytes: Uint8Array): RetainedChunk
  /** Assigns the next seq to a non-output event (exited, closed). */
  nextEventSeq(): number
  /**
   * Chunks with `seq > afterSeq`, stopping before the chunk that would take
   * the total past `maxBytes` (but at least one chunk when there is one).
   * The bytes are the caller's to keep: later output does not change them.
   */
  read(afterSeq: number, maxBytes: number | undefined): RetainedRead
  /**
   * The process closed: no more output comes. The retained output leaves the
   * server's budget of live output (it is a closed record's now, counted by
   * the retention budget) and keeps its storage no larger than it needs.
   * Idempotent.
   */
  seal(): void
  /**
   * Before anything is appended: numbering goes on after `lastSeq` (seqs up
   * to it read as evicted), and at least `maxBytes` are kept (an adopted
   * process's replayed output).
   */
  continueAfter(lastSeq: number, maxBytes: number): void
  /** One past the last seq assigned. */
  readonly nextSeq: number
  /** Bytes currently retained. */
  readonly retainedBytes: number
}

/** Makes the retained output of new processes. */
export class OutputBuffers extends Context.Service<OutputBuffers, {
  /**
   * The retained output of a new process: at most `maxBytes` of its own,
   * and counted against the server's `budget` of live output until sealed.
   */
  readonly make: (options: {
    readonly maxBytes: number
    readonly budget?: LiveOutputBudget | undefined
  }) => Effect.Effect<RetainedOutput>
}>()("effect-exec-server/OutputBuffers") {}

/** Where a retained chunk's bytes are in the ring's storage. */
interface Slot {
  readonly seq: number
  readonly stream: OutputStream
  start: number
  readonly length: number
  /** Its age in the live budget (0 without one). */
  readonly stamp: number
}

/** The smallest storage a ring allocates; it doubles from there up to its cap. */
const MIN_STORAGE_BYTES = 256
const NO_STORAGE = new Uint8Array(0)

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
export class ChunkRing implements RetainedOutput, BudgetedOutput {
  private storage = NO_STORAGE
  // Slots before `head` are evicted; they are cleared for the array's compaction.
  private slots: Array<Slot | undefined> = []
  private head = 0
  /** Where the next chunk goes, if it fits before the end of the storage. */
  private writeAt = 0
  private bytes = 0
  private seq = 0
  private evictedThroughSeq = 0
  private budget: LiveOutputBudget | undefined
  /** @internal The live budget's to set. */
  budgetIndex = -1

  constructor(public maxBytes: number, budget?: LiveOutputBudget) {
    this.budget = budget
  }

  continueAfter(lastSeq: number, maxBytes: number): void {
    if (this.seq !== 0) throw new Error("continueAfter once output was numbered")
    this.seq = this.evictedThroughSeq = lastSeq
    this.maxBytes = Math.max(this.maxBytes, maxBytes)
  }

  append(stream: OutputStream, bytes: Uint8Array): RetainedChunk {
    const length = bytes.byteLength
    // Keep at least the newest chunk, even when it alone is over the cap.
    while (this.count > 0 && this.bytes + length > this.maxBytes) this.evictOwn()
    const start = this.place(length)
    this.storage.set(bytes, start)
    this.writeAt = start + length
    this.bytes += length
    const budget = this.budget
    const slot: Slot = { seq: ++this.seq, stream, start, length, stamp: budget === undefined ? 0 : budget.stamp() }
    this.slots.push(slot)
    // Last: the budget may evict (and move) this ring's older chunks.
    budget?.added(this, length, slot.stamp)
    return { seq: slot.seq, stream, bytes }
  }

  nextEventSeq(): number {
    return ++this.seq
  }

  get nextSeq(): number {
    return this.seq + 1
  }

  get retainedBytes(): number {
    return this.bytes
  }

  /** Bytes of storage the ring holds (at least what it retains). */
  get storageBytes(): number {
    return this.storage.length
  }

  get oldestStamp(): number | undefined {
    return this.slots[this.head]?.stamp
  }

  evictForBudget(): number {
    const length = this.evictOldest()
    const capacity = this.storage.length
    if (this.count === 0) this.storage = NO_STORAGE
    else if (capacity > MIN_STORAGE_BYTES && this.bytes * 4 <= capacity) {
      this.relocate(Math.max(MIN_STORAGE_BYTES, this.bytes * 2))
    }
    return length
  }

  seal(): void {
    if (this.budget !== undefined) {
      this.budget.leave(this, this.bytes)
      this.budget = undefined
    }
    // Storage well over what is retained (evicted for the budget, or grown
    // for output since evicted) is given back: a closed record costs its output.
    if (this.storage.length > MIN_STORAGE_BYTES && this.storage.length > this.bytes * 2) {
      if (this.count === 0) this.storage = NO_STORAGE
      else this.relocate(this.bytes)
    }
  }

  read(afterSeq: number, maxBytes: number | undefined): RetainedRead {
    // First retained chunk with seq > afterSeq (seqs increase along the ring).
    let low = this.head
    let high = this.slots.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.slots[mid]!.seq <= afterSeq) low = mid + 1
      else high = mid
    }
    const result: Array<RetainedChunk> = []
    let total = 0
    for (let i = low; i < this.slots.length; i++) {
      const slot = this.slots[i]!
      if (maxBytes !== undefined && result.length > 0 && total + slot.length > maxBytes) break
      result.push({ seq: slot.seq, stream: slot.stream, bytes: this.storage.slice(slot.start, slot.start + slot.length) })
      total += slot.length
    }
    return { chunks: result, nextSeq: this.nextSeq, truncated: this.evictedThroughSeq > afterSeq }
  }

  private get count(): number {
    return this.slots.length - this.head
  }

  /** Where a chunk of `length` bytes goes: grows the storage or evicts the oldest chunks until it fits. */
  private place(length: number): number {
    while (this.count > 0) {
      const oldest = this.slots[this.head]!
      // The retained bytes run from the oldest chunk to `writeAt`, wrapping past the end at most once.
      const wrapped = oldest.start > this.writeAt || (oldest.start === this.writeAt && this.bytes > 0)
      if (wrapped ? this.writeAt + length <= oldest.start : this.writeAt + length <= this.storage.length) {
        return this.writeAt
      }
      if (!wrapped && length <= oldest.start) return 0
      if (this.storage.length < this.maxBytes) {
        this.grow(this.bytes + length)
        return this.writeAt
      }
      this.evictOwn()
    }
    // Empty: start over at the front, in storage sized for what is coming.
    const wanted = Math.max(length, Math.min(this.maxBytes, MIN_STORAGE_BYTES))
    if (this.storage.length < length || this.storage.length > Math.max(this.maxBytes, wanted)) {
      this.storage = new Uint8Array(wanted)
    }
    return 0
  }

  /** Moves the retained chunks, in order, to the front of a larger storage. */
  private grow(needed: number): void {
    this.relocate(Math.min(this.maxBytes, Math.max(needed, this.storage.length * 2, MIN_STORAGE_BYTES)))
  }

  /** Moves the retained chunks, in order, to the front of a new storage of `size` bytes (at least what they take). */
  private relocate(size: number): void {
    const next = new Uint8Array(size)
    let at = 0
    for (let i = this.head; i < this.slots.length; i++) {
      const slot = this.slots[i]!
      next.set(this.storage.subarray(slot.start, slot.start + slot.length), at)
      slot.start = at
      at += slot.length
    }
    this.storage = next
    this.writeAt = at
  }

  /** Evicts the oldest chunk for the ring's own cap (the budget, if any, is told). */
  private evictOwn(): void {
    const length = this.evictOldest()
    this.budget?.removed(this, length)
  }

  /** Evicts the oldest chunk; returns its length. */
  private evictOldest(): number {
    const evicted = this.slots[this.head]!
    this.slots[this.head++] = undefined
    this.bytes -= evicted.length
    this.evictedThroughSeq = evicted.seq
    if (this.count === 0) {
      this.slots = []
      this.head = 0
      this.writeAt = 0
    } else if (this.head > 64 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head)
      this.head = 0
    }
    return evicted.length
  }
}

/** Retains output in memory. */
export const memory: OutputBuffers["Service"] = {
  make: ({ budget, maxBytes }) => Effect.sync(() => new ChunkRing(maxBytes, budget))
}

/** Retains output in memory. */
export const layerMemory: Layer.Layer<OutputBuffers> = Layer.succeed(OutputBuffers, memory)
