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
  /** Assigns the next seq to a chunk and retains it. */
  append(stream: OutputStream, bytes: Uint8Array): RetainedChunk
  /** Assigns the next seq to a non-output event (exited, closed). */
  nextEventSeq(): number
  /**
   * Chunks with `seq > afterSeq`, stopping before the chunk that would take
   * the total past `maxBytes` (but at least one chunk when there is one).
   */
  read(afterSeq: number, maxBytes: number | undefined): RetainedRead
  /** One past the last seq assigned. */
  readonly nextSeq: number
  /** Bytes currently retained. */
  readonly retainedBytes: number
}

/** Makes the retained output of new processes. */
export class OutputBuffer extends Context.Tag("effect-exec-server/OutputBuffer")<OutputBuffer, {
  readonly make: (options: { readonly maxBytes: number }) => Effect.Effect<RetainedOutput>
}>() {}

/** An in-memory ring of whole chunks, bounded by bytes. */
export class ChunkRing implements RetainedOutput {
  // Slots before `head` are evicted; they are cleared so their bytes can be collected.
  private chunks: Array<RetainedChunk | undefined> = []
  private head = 0
  private bytes = 0
  private seq = 0
  private evictedThroughSeq = 0

  constructor(readonly maxBytes: number) {}

  append(stream: OutputStream, bytes: Uint8Array): RetainedChunk {
    const chunk: RetainedChunk = { seq: ++this.seq, stream, bytes }
    this.chunks.push(chunk)
    this.bytes += bytes.byteLength
    // Keep at least the newest chunk, even when it alone is over the cap.
    while (this.bytes > this.maxBytes && this.chunks.length - this.head > 1) {
      const evicted = this.chunks[this.head]!
      this.chunks[this.head++] = undefined
      this.bytes -= evicted.bytes.byteLength
      this.evictedThroughSeq = evicted.seq
    }
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
    return chunk
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

  read(afterSeq: number, maxBytes: number | undefined): RetainedRead {
    // First retained chunk with seq > afterSeq (seqs increase along the ring).
    let low = this.head
    let high = this.chunks.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.chunks[mid]!.seq <= afterSeq) low = mid + 1
      else high = mid
    }
    const result: Array<RetainedChunk> = []
    let total = 0
    for (let i = low; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!
      if (maxBytes !== undefined && result.length > 0 && total + chunk.bytes.byteLength > maxBytes) break
      result.push(chunk)
      total += chunk.bytes.byteLength
    }
    return { chunks: result, nextSeq: this.nextSeq, truncated: this.evictedThroughSeq > afterSeq }
  }
}

/** Retains output in memory. */
export const layerMemory: Layer.Layer<OutputBuffer> = Layer.succeed(OutputBuffer, {
  make: ({ maxBytes }) => Effect.sync(() => new ChunkRing(maxBytes))
})
