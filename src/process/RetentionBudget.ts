/**
 * The server-wide budget of finished processes kept for reading: at most so
 * many records and so many bytes of retained output, over all sessions. A
 * record is kept for the retention period unless the budget runs out first;
 * then the oldest records are let go early, so that a burst of short
 * processes costs bounded memory however long the retention period is.
 */

/** Limits of the records kept after processes close. */
export interface RetentionBudgetOptions {
  /** Most finished processes kept, over all sessions. */
  readonly maxRecords: number
  /** Most bytes of retained output of finished processes, over all sessions. */
  readonly maxBytes: number
}

/**
 * A record counted against the budget, oldest first in a doubly linked list.
 * It holds its key and its owner's eviction callback, not the record itself:
 * what still refers to it (an expiry timer) keeps nothing large alive.
 */
export interface HeldRecord {
  readonly key: string
  readonly bytes: number
  /** Called once when the budget lets the record go before its period ends. */
  readonly evict: (record: HeldRecord) => void
  /** @internal */
  previous: HeldRecord | undefined
  /** @internal */
  next: HeldRecord | undefined
  /** Whether the budget still counts it (false once evicted or released). */
  held: boolean
}

/** The budget of one server. */
export class RetentionBudget {
  private oldest: HeldRecord | undefined
  private newest: HeldRecord | undefined
  private count = 0
  private bytes = 0

  constructor(readonly options: RetentionBudgetOptions) {}

  /** Records held now. */
  get records(): number {
    return this.count
  }

  /** Retained output bytes held now. */
  get retainedBytes(): number {
    return this.bytes
  }

  /**
   * Counts a new record of `bytes` of output; the oldest records (possibly
   * this one, when it alone is over the byte budget) are evicted until the
   * budget holds.
   */
  hold(key: string, bytes: number, evict: (record: HeldRecord) => void): HeldRecord {
    const record: HeldRecord = { key, bytes, evict, previous: this.newest, next: undefined, held: true }
    if (this.newest === undefined) this.oldest = record
    else this.newest.next = record
    this.newest = record
    this.count++
    this.bytes += bytes
    while (this.oldest !== undefined && (this.count > this.options.maxRecords || this.bytes > this.options.maxBytes)) {
      const evicted = this.oldest
      this.release(evicted)
      evicted.evict(evicted)
    }
    return record
  }

  /** Stops counting a record (its period ended or its session closed); idempotent. */
  release(record: HeldRecord): void {
    if (!record.held) return
    record.held = false
    if (record.previous === undefined) this.oldest = record.next
    else record.previous.next = record.next
    if (record.next === undefined) this.newest = record.previous
    else record.next.previous = record.previous
    record.previous = record.next = undefined
    this.count--
    this.bytes -= record.bytes
  }
}
