/**
 * A listener-wide bound on the memory of messages still arriving. A
 * WebSocket message is buffered whole before it is handled (up to twice
 * `--max-message-bytes`), so many connections sending large messages at
 * once would each hold that much: 32 frames of 32 MiB took about 1 GB at
 * the peak. Here the bytes read since each connection's last complete
 * message are counted over all connections; beyond the budget, a
 * connection whose message has grown past a small size stops being read
 * until room is made. One such connection, the leader, always goes on, so
 * that the largest message can complete and nothing waits on itself;
 * messages that stay small (requests, writes of a few KiB) never wait.
 */

/** The default budget: four messages of the largest size handled (`--max-message-bytes`). */
export const defaultArrivingLimit = (maxMessageBytes: number): number => 4 * maxMessageBytes

/** A message that has not grown past this is never held back (a connection's requests stay prompt). */
export const SMALL_MESSAGE_BYTES = 64 * 1024

/**
 * How long the leader may go without a byte while others wait for it, in
 * ms: then it is closed, so that a client that stops halfway through a
 * message cannot hold everyone else's large messages for ever.
 */
export const LEADER_STALL_MS = 30_000

/** What a connection does for the budget: stop reading, read again, or close for holding everyone up. */
export interface ArrivingControl {
  readonly pause: () => void
  readonly resume: () => void
  readonly stalled: () => void
}

/** One connection's count. */
export interface ArrivingMessage {
  /** `bytes` were read from the connection's socket. */
  readonly read: (bytes: number) => void
  /** A control frame of `bytes` was read: those belonged to no message. */
  readonly control: (bytes: number) => void
  /** A message was completed: what it took is free again. */
  readonly completed: () => void
  /** The connection is gone. */
  readonly close: () => void
}

interface Entry {
  readonly control: ArrivingControl
  partial: number
  waiting: boolean
  lastReadAt: number
}

export class ArrivingBytes {
  private total = 0
  private leader: Entry | undefined
  private readonly waiting: Array<Entry> = []
  private stallTimer: ReturnType<typeof setInterval> | undefined

  constructor(
    /** The budget over all connections, in bytes. */
    readonly limit: number,
    private readonly stallMs = LEADER_STALL_MS
  ) {}

  /** Bytes counted now over all connections. */
  get bytes(): number {
    return this.total
  }

  /** Connections waiting for room now. */
  get waitingCount(): number {
    return this.waiting.length
  }

  open(control: ArrivingControl): ArrivingMessage {
    const entry: Entry = { control, partial: 0, waiting: false, lastReadAt: Date.now() }
    let closed = false
    return {
      read: (bytes) => {
        if (closed) return
        entry.partial += bytes
        this.total += bytes
        entry.lastReadAt = Date.now()
        if (entry.waiting || entry === this.leader) return
        if (entry.partial <= SMALL_MESSAGE_BYTES || this.total <= this.limit) return
        if (this.leader === undefined) {
          this.leader = entry
          return
        }
        entry.waiting = true
        this.waiting.push(entry)
        entry.control.pause()
        this.watchStalls()
      },
      control: (bytes) => {
        if (closed) return
        const freed = Math.min(bytes, entry.partial)
        entry.partial -= freed
        this.total -= freed
      },
      completed: () => {
        if (closed) return
        // What was read before it waited may complete a message: it need not wait any longer.
        if (this.unwait(entry)) entry.control.resume()
        this.free(entry)
      },
      close: () => {
        if (closed) return
        closed = true
        this.unwait(entry)
        this.free(entry)
      }
    }
  }

  /** Takes `entry` off the waiting list; whether it was on it. */
  private unwait(entry: Entry): boolean {
    if (!entry.waiting) return false
    this.waiting.splice(this.waiting.indexOf(entry), 1)
    entry.waiting = false
    return true
  }

  private free(entry: Entry): void {
    this.total -= entry.partial
    entry.partial = 0
    if (entry === this.leader) this.leader = undefined
    this.wake()
  }

  /** Lets waiting connections read again, oldest first, while there is room; else makes the oldest the leader. */
  private wake(): void {
    while (this.waiting.length > 0 && (this.total <= this.limit || this.leader === undefined)) {
      const next = this.waiting.shift()!
      next.waiting = false
      if (this.total > this.limit) this.leader = next
      next.lastReadAt = Date.now()
      next.control.resume()
    }
    if (this.waiting.length === 0 && this.stallTimer !== undefined) {
      clearInterval(this.stallTimer)
      this.stallTimer = undefined
    }
  }

  private watchStalls(): void {
    if (this.stallTimer !== undefined) return
    this.stallTimer = setInterval(() => {
      const leader = this.leader
      if (leader !== undefined && Date.now() - leader.lastReadAt >= this.stallMs) leader.control.stalled()
    }, Math.max(10, Math.floor(this.stallMs / 4)))
    this.stallTimer.unref()
  }
}
