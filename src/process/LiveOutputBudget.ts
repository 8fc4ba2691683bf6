/**
 * The server-wide budget of output retained by processes that are not yet
 * closed: each keeps its recent output for `process/read` up to its own cap,
 * and all of them together at most `maxBytes`. Past it, the oldest retained
 * chunks of all live processes are evicted first, whichever process they
 * belong to (a read from before them reports `truncated`, as after a
 * process's own eviction). Nothing is refused and nothing is held back:
 * retained output is only the read-back copy, and notifications to a
 * connected client do not pass through it.
 *
 * The outputs that retain something are kept in a binary heap by the age of
 * their oldest chunk (a stamp from one counter per budget): appending to an
 * output that already retains something costs a counter increment, and the
 * heap moves only when an output's oldest chunk changes.
 */
import * as Metrics from "../observability/metrics.js"

/** What the budget needs of one process's retained output. */
export interface BudgetedOutput {
  /** The stamp of its oldest retained chunk; undefined when it retains nothing. */
  readonly oldestStamp: number | undefined
  /** Evicts its oldest chunk for the budget; returns the bytes it held. */
  evictForBudget(): number
  /** Its place in the budget's heap, -1 outside it (the budget's to set). */
  budgetIndex: number
}

/** The budget of one server. */
export class LiveOutputBudget {
  private readonly heap: Array<BudgetedOutput> = []
  private bytes = 0
  private lastStamp = 0

  constructor(readonly maxBytes: number) {
    Metrics.setGauge(Metrics.limits, maxBytes, Metrics.label("resource", "liveOutputBytes"))
  }

  /** Bytes retained by live processes now. */
  get retainedBytes(): number {
    return this.bytes
  }

  /** How many outputs retain something now. */
  get outputs(): number {
    return this.heap.length
  }

  /** The stamp of a new chunk: later than every chunk before it. */
  stamp(): number {
    return ++this.lastStamp
  }

  /**
   * Counts a chunk just appended to `output` (its newest, stamped `stamp`);
   * then, while over the budget, evicts the oldest chunks of all outputs,
   * never the one just appended.
   */
  added(output: BudgetedOutput, bytes: number, stamp: number): void {
    this.bytes += bytes
    Metrics.adjust(Metrics.liveOutputBytes, bytes)
    if (output.budgetIndex === -1) this.insert(output)
    if (this.bytes > this.maxBytes) this.evictOver(stamp)
  }

  /** Stops counting a chunk `output` evicted itself (its own cap). */
  removed(output: BudgetedOutput, bytes: number): void {
    this.bytes -= bytes
    Metrics.adjust(Metrics.liveOutputBytes, -bytes)
    if (output.budgetIndex !== -1) this.reposition(output.budgetIndex)
  }

  /** Stops counting `output` and the `bytes` it retains (its process closed). Idempotent. */
  leave(output: BudgetedOutput, bytes: number): void {
    if (output.budgetIndex === -1) return
    this.bytes -= bytes
    Metrics.adjust(Metrics.liveOutputBytes, -bytes)
    this.removeAt(output.budgetIndex)
  }

  private evictOver(newest: number): void {
    let evicted = 0
    while (this.bytes > this.maxBytes) {
      const oldest = this.heap[0]!
      // Only the chunk just appended is left: keep it, as a process's own cap does.
      if (oldest.oldestStamp === newest) break
      const freed = oldest.evictForBudget()
      this.bytes -= freed
      evicted += freed
      this.reposition(0)
    }
    if (evicted === 0) return
    Metrics.adjust(Metrics.liveOutputBytes, -evicted)
    Metrics.bump(Metrics.liveOutputEvictedBytes, evicted)
  }

  /** Moves the output at `index` to where its oldest stamp belongs, or out when it retains nothing. */
  private reposition(index: number): void {
    const output = this.heap[index]!
    if (output.oldestStamp === undefined) this.removeAt(index)
    else this.siftDown(index)
  }

  private insert(output: BudgetedOutput): void {
    output.budgetIndex = this.heap.length
    this.heap.push(output)
    this.siftUp(output.budgetIndex)
  }

  private removeAt(index: number): void {
    const removed = this.heap[index]!
    const last = this.heap.pop()!
    removed.budgetIndex = -1
    if (last === removed) return
    this.heap[index] = last
    last.budgetIndex = index
    this.siftDown(index)
    this.siftUp(last.budgetIndex)
  }

  private stampAt(index: number): number {
    // Outputs in the heap retain something: their stamp is defined.
    return this.heap[index]!.oldestStamp!
  }

  private swap(a: number, b: number): void {
    const first = this.heap[a]!
    const second = this.heap[b]!
    this.heap[a] = second
    this.heap[b] = first
    second.budgetIndex = a
    first.budgetIndex = b
  }

  private siftUp(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (this.stampAt(parent) <= this.stampAt(index)) return
      this.swap(parent, index)
      index = parent
    }
  }

  private siftDown(index: number): void {
    const length = this.heap.length
    while (true) {
      const left = 2 * index + 1
      if (left >= length) return
      const right = left + 1
      const child = right < length && this.stampAt(right) < this.stampAt(left) ? right : left
      if (this.stampAt(index) <= this.stampAt(child)) return
      this.swap(index, child)
      index = child
    }
  }
}
