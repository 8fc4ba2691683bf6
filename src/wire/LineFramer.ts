/**
 * Splits a byte stream into newline-delimited frames without ever holding
 * more than the size limit of one line: a longer line is dropped as it
 * arrives and reported as one `Oversized` frame when its newline comes.
 */
import type { Frame } from "./JsonRpc.js"

const NEWLINE = 0x0a

/** Incremental line splitter with a per-line byte limit. */
export class LineFramer {
  private parts: Array<Uint8Array> = []
  private size = 0
  private readonly decoder = new TextDecoder()

  constructor(readonly maxLineBytes: number) {}

  /** Frames completed by `chunk`. */
  push(chunk: Uint8Array): Array<Frame> {
    const frames: Array<Frame> = []
    let start = 0
    while (start <= chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start)
      if (newline === -1) {
        this.accumulate(chunk.subarray(start))
        break
      }
      this.accumulate(chunk.subarray(start, newline))
      frames.push(this.take())
      start = newline + 1
    }
    return frames
  }

  /** The last line, when the input ended without a newline. */
  end(): Array<Frame> {
    return this.size > 0 ? [this.take()] : []
  }

  private accumulate(part: Uint8Array): void {
    if (part.length === 0) return
    this.size += part.length
    if (this.size > this.maxLineBytes) {
      this.parts = []
    } else {
      this.parts.push(part)
    }
  }

  private take(): Frame {
    const size = this.size
    const parts = this.parts
    this.parts = []
    this.size = 0
    if (size > this.maxLineBytes) return { _tag: "Oversized", bytes: size }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
    return { _tag: "Text", text: this.decoder.decode(bytes) }
  }
}
