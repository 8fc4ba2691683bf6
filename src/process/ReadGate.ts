/**
 * When to read a child's output: not while the client is behind (flow
 * control), and not while the actor has many chunks still to process (so the
 * queue between the child and its actor stays short). Reading resumes only
 * when neither holds.
 */

/** Chunks queued for the actor above which reading stops, and the level at which it resumes. */
const INBOX_HIGH = 16
const INBOX_LOW = 4

/** Pauses and resumes a source for two independent reasons. */
export class ReadGate {
  private flowPaused = false
  private inboxPaused = false
  private queued = 0

  constructor(private readonly source: { readonly pause: () => void; readonly resume: () => void }) {}

  get paused(): boolean {
    return this.flowPaused || this.inboxPaused
  }

  /** Flow control from the client's side. */
  setFlowPaused(paused: boolean): void {
    this.update(() => {
      this.flowPaused = paused
    })
  }

  /** A chunk was queued for the actor. */
  chunkQueued(): void {
    this.queued++
    if (!this.inboxPaused && this.queued >= INBOX_HIGH) this.update(() => {
      this.inboxPaused = true
    })
  }

  /** The actor took a chunk. */
  chunkTaken(): void {
    this.queued--
    if (this.inboxPaused && this.queued <= INBOX_LOW) this.update(() => {
      this.inboxPaused = false
    })
  }

  private update(change: () => void): void {
    const before = this.paused
    change()
    if (before !== this.paused) {
      if (this.paused) this.source.pause()
      else this.source.resume()
    }
  }
}
