/**
 * An adopted process's events, numbered as its clients saw them: the holder
 * sends the bytes still in its ring from wherever its frames happen to
 * split, and the seq index (heldRecords) says where each event the old
 * server numbered ended. Replayed, each indexed event is one event again,
 * with the same bytes, so the actor that numbers them on from
 * `firstSeq + 1` gives each the seq it had; after the index, events pass
 * on as they come (and are indexed as new).
 */
import type { HolderEvent, HolderExit } from "../holder/Holder.js"
import type { OutputStream } from "../protocol/schema.js"
import type { IndexEntry } from "./heldRecords.js"

/** An event for the actor, with the output position it ends at. */
export type ReplayedEvent =
  | { readonly _tag: "Output"; readonly stream: OutputStream; readonly bytes: Uint8Array; readonly end: number }
  | { readonly _tag: "Exited"; readonly exit: HolderExit; readonly end: number }
  | { readonly _tag: "Closed"; readonly end: number }

interface Piece {
  position: number
  readonly stream: OutputStream
  bytes: Buffer
}

/** The replay of one adopted process (one consumer, in the holder's order). */
export class HeldReplay {
  /** The last seq before the first replayed event: the actor numbers on from it. */
  readonly firstSeq: number
  /** The last seq the index has: events after it are new. */
  readonly lastIndexedSeq: number
  private readonly queue: Array<IndexEntry>
  /** Where the next output event's bytes start. */
  private start: number
  private readonly pieces: Array<Piece> = []
  private exit: HolderExit | undefined
  private exitEmitted = false
  private closedAt: number | undefined
  private closedEmitted = false

  /** `entries` in seq order; `oldest`: the first position the holder's ring still has. */
  constructor(entries: ReadonlyArray<IndexEntry>, oldest: number) {
    let first = 0
    let start = 0
    // The events whose output the ring has lost entirely are not replayed: their seqs are a gap.
    while (first < entries.length && entries[first]!.kind === "output" && entries[first]!.end <= oldest) {
      start = entries[first]!.end
      first++
    }
    this.queue = entries.slice(first)
    this.start = Math.max(start, oldest)
    this.firstSeq = first < entries.length ? entries[first]!.seq - 1 : entries.length > 0 ? entries[entries.length - 1]!.seq : 0
    this.lastIndexedSeq = entries.length > 0 ? entries[entries.length - 1]!.seq : 0
  }

  /** Takes the holder's next event; hands on every event that is due, in seq order. */
  push(event: HolderEvent, emit: (event: ReplayedEvent) => void): void {
    switch (event._tag) {
      case "Output":
        this.pieces.push({ position: event.position, stream: event.stream, bytes: event.bytes })
        break
      case "Lost":
        break
      case "Exited":
        this.exit = event
        break
      case "Closed":
        this.closedAt = event.end
        break
    }
    this.advance(emit)
  }

  private advance(emit: (event: ReplayedEvent) => void): void {
    while (this.queue.length > 0) {
      const entry = this.queue[0]!
      if (entry.kind === "output") {
        // An indexed chunk goes out whole (or, when the holder has ended, as much of it as there is).
        if (this.available() < entry.end && this.closedAt === undefined) return
        const { bytes, stream } = this.take(entry.end)
        emit({ _tag: "Output", stream, bytes, end: entry.end })
      } else if (entry.kind === "exited") {
        if (this.exit === undefined) return
        this.exitEmitted = true
        emit({ _tag: "Exited", exit: this.exit, end: this.start })
      } else {
        if (this.closedAt === undefined) return
        this.closedEmitted = true
        emit({ _tag: "Closed", end: this.start })
      }
      this.queue.shift()
    }
    // Past the index: as the holder sends them, the exit after the bytes written before it.
    for (;;) {
      const exitDue = this.exit !== undefined && !this.exitEmitted && this.start >= this.exit.end
      if (exitDue) {
        this.exitEmitted = true
        emit({ _tag: "Exited", exit: this.exit!, end: this.start })
        continue
      }
      const piece = this.pieces[0]
      if (piece === undefined) break
      const until = this.exit !== undefined && !this.exitEmitted && this.exit.end > this.start
        ? Math.min(piece.position + piece.bytes.length, this.exit.end)
        : piece.position + piece.bytes.length
      const { bytes, stream } = this.take(until)
      // Nothing when the bytes up to here were lost: no event, so no seq.
      if (bytes.length > 0) emit({ _tag: "Output", stream, bytes, end: this.start })
    }
    if (this.closedAt !== undefined && !this.closedEmitted && this.pieces.length === 0) {
      if (this.exit !== undefined && !this.exitEmitted) {
        this.exitEmitted = true
        emit({ _tag: "Exited", exit: this.exit, end: this.start })
      }
      this.closedEmitted = true
      emit({ _tag: "Closed", end: this.start })
    }
  }

  /** One past the last byte received. */
  private available(): number {
    const last = this.pieces[this.pieces.length - 1]
    return last === undefined ? this.start : last.position + last.bytes.length
  }

  /** The bytes in [start, end) that were received (what was lost is skipped), and their stream. */
  private take(end: number): { readonly bytes: Buffer; readonly stream: OutputStream } {
    const parts: Array<Buffer> = []
    let stream: OutputStream | undefined
    while (this.pieces.length > 0) {
      const piece = this.pieces[0]!
      const pieceEnd = piece.position + piece.bytes.length
      if (pieceEnd <= this.start) {
        this.pieces.shift()
        continue
      }
      if (piece.position >= end) break
      const from = Math.max(piece.position, this.start)
      const to = Math.min(pieceEnd, end)
      parts.push(piece.bytes.subarray(from - piece.position, to - piece.position))
      stream ??= piece.stream
      if (to === pieceEnd) this.pieces.shift()
      else {
        piece.bytes = piece.bytes.subarray(to - piece.position)
        piece.position = to
      }
      if (to >= end) break
    }
    this.start = Math.max(this.start, end)
    return { bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts), stream: stream ?? "stdout" }
  }
}
