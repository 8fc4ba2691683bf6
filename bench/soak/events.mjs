/**
 * What the soak's client makes of one process's events: put in `seq` order
 * (live notifications and `process/read` catching up after a resume may
 * overlap or come out of order; a seq seen twice counts once), the output
 * of each stream hashed as it comes (a `Digest`) or kept when it is small (a
 * `Text`), the exit, and the close. What breaks the protocol's promises is
 * noted, for the job's verdict: output after `exited`, events after
 * `closed`, a gap that never filled.
 */
import { createHash } from "node:crypto"

/** A stream hashed as it comes (SHA-256), but for its last `tailBytes`, kept apart for a trailer the process wrote after the data. */
export class Digest {
  #hash = createHash("sha256")
  #tail = Buffer.alloc(0)
  bytes = 0

  constructor(tailBytes = 0) {
    this.tailBytes = tailBytes
  }

  write(bytes) {
    this.bytes += bytes.length
    if (this.tailBytes === 0) {
      this.#hash.update(bytes)
      return
    }
    const all = this.#tail.length === 0 ? bytes : Buffer.concat([this.#tail, bytes])
    const keep = Math.min(all.length, this.tailBytes)
    this.#hash.update(all.subarray(0, all.length - keep))
    this.#tail = Buffer.from(all.subarray(all.length - keep))
  }

  /** The tail (the last `tailBytes` written, fewer when less came), not yet hashed. */
  get tail() {
    return this.#tail
  }

  /** The hash of all but the tail's last `trailerBytes` (hex): the tail's first part is data too. */
  finish(trailerBytes = 0) {
    this.#hash.update(this.#tail.subarray(0, Math.max(0, this.#tail.length - trailerBytes)))
    return this.#hash.digest("hex")
  }
}

/** A small stream kept whole (to `limit` bytes), with waiting for what it should come to say. */
export class Text {
  #chunks = []
  #waiters = []
  bytes = 0

  constructor(limit = 64 * 1024) {
    this.limit = limit
  }

  write(bytes) {
    this.bytes += bytes.length
    if (this.bytes - bytes.length < this.limit) this.#chunks.push(bytes)
    for (const waiter of [...this.#waiters]) waiter()
  }

  get text() {
    return Buffer.concat(this.#chunks).toString("latin1")
  }

  /** Resolves with the match of `pattern` once the text has one; rejects when `cancelled` does. */
  waitFor(pattern, cancelled) {
    return new Promise((resolve, reject) => {
      const look = () => {
        const match = pattern.exec(this.text)
        if (match === null) return false
        this.#waiters = this.#waiters.filter((waiter) => waiter !== look)
        resolve(match)
        return true
      }
      if (look()) return
      this.#waiters.push(look)
      cancelled?.catch(reject)
    })
  }
}

/** One process's events, in seq order, into the sinks of its streams. */
export class ProcessEvents {
  /** The next seq to apply (one past the last applied). */
  nextSeq = 1
  /** `{exitCode, signal}` once `exited` was applied. */
  exit = undefined
  isClosed = false
  /** Broken promises of the protocol, as sentences. */
  problems = []
  #early = new Map()
  #closed

  /** `sinks`: by stream name (stdout, stderr, pty), a Digest or a Text. */
  constructor(sinks) {
    this.sinks = sinks
    this.closed = new Promise((resolve) => {
      this.#closed = resolve
    })
  }

  /** A notification's params or an event `process/read` returned: `{seq, kind: "output" | "exited" | "closed", …}`. */
  accept(event) {
    if (event.seq < this.nextSeq) return
    if (this.isClosed) {
      this.problems.push(`an event (seq ${event.seq}, ${event.kind}) after closed (seq ${this.nextSeq - 1})`)
      return
    }
    if (event.seq > this.nextSeq) {
      this.#early.set(event.seq, event)
      return
    }
    this.#apply(event)
    for (let next = this.#early.get(this.nextSeq); next !== undefined && !this.isClosed; next = this.#early.get(this.nextSeq)) {
      this.#early.delete(next.seq)
      this.#apply(next)
    }
  }

  /** Whether events are waiting for an earlier seq that has not come (a gap, for now). */
  get gap() {
    return this.#early.size === 0 ? undefined : { missing: this.nextSeq, waiting: this.#early.size }
  }

  #apply(event) {
    this.nextSeq = event.seq + 1
    switch (event.kind) {
      case "output": {
        if (this.exit !== undefined) this.problems.push(`output (seq ${event.seq}, ${event.stream}) after exited`)
        const sink = this.sinks[event.stream]
        if (sink === undefined) this.problems.push(`output on ${event.stream}, which this process should not have`)
        else sink.write(Buffer.from(event.chunk, "base64"))
        break
      }
      case "exited":
        this.exit = { exitCode: event.exitCode, signal: event.signal ?? null }
        break
      case "closed":
        if (this.exit === undefined) this.problems.push(`closed (seq ${event.seq}) before exited`)
        this.isClosed = true
        this.#early.clear()
        this.#closed()
        break
    }
  }
}

/** The event a `process/*` notification carries, or undefined for another method. */
export const eventOf = (message) => {
  const params = message.params
  switch (message.method) {
    case "process/output":
      return { seq: params.seq, kind: "output", stream: params.stream, chunk: params.chunk }
    case "process/exited":
      return { seq: params.seq, kind: "exited", exitCode: params.exitCode, signal: params.signal }
    case "process/closed":
      return { seq: params.seq, kind: "closed" }
    default:
      return undefined
  }
}
