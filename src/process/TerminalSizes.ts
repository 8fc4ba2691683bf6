/**
 * The sizes a PTY's output was written at, by seq: a replay at another
 * width garbles what a full-screen or line-editing program drew, so a
 * reader of retained output (the web console) resizes its terminal where
 * the process's did.
 */
import type { SizeFrom } from "../protocol/console.js"
import type { TerminalSize } from "../protocol/schema.js"

/** Changes kept at most; the oldest go first (their output is the first to leave the retained ring too). */
const MAX_CHANGES = 256

/** A PTY's sizes over its output. */
export class TerminalSizes {
  private readonly history: Array<SizeFrom>
  constructor(initial: TerminalSize) {
    this.history = [{ fromSeq: 1, rows: initial.rows, cols: initial.cols }]
  }

  /** The terminal is `size` from output seq `nextSeq` on. */
  resized(size: TerminalSize, nextSeq: number): void {
    const last = this.history[this.history.length - 1]!
    if (last.rows === size.rows && last.cols === size.cols) return
    if (last.fromSeq === nextSeq) this.history.pop()
    this.history.push({ fromSeq: nextSeq, rows: size.rows, cols: size.cols })
    if (this.history.length > MAX_CHANGES) this.history.shift()
  }

  /** The size now. */
  current(): TerminalSize {
    const { cols, rows } = this.history[this.history.length - 1]!
    return { rows, cols }
  }

  /** The size in effect at `firstSeq`, then every change up to `lastSeq`. */
  between(firstSeq: number, lastSeq: number): Array<SizeFrom> {
    let start = 0
    while (start + 1 < this.history.length && this.history[start + 1]!.fromSeq <= firstSeq) start++
    let end = start + 1
    while (end < this.history.length && this.history[end]!.fromSeq <= lastSeq) end++
    return this.history.slice(start, end)
  }
}
