/**
 * The outbound side of a connection: messages are queued in call order and
 * handed to the transport in batches, one batch per microtask turn, with
 * flow accounting from "queued" to "written".
 *
 * Plain callbacks rather than a writer fiber: `send` is called for every
 * response and every output notification, and waking a fiber per batch cost
 * more than the write itself on the request round trip.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { FlowMeter } from "./FlowControl.js"
import { messageSize, type OutgoingMessage } from "../wire/JsonRpc.js"
import type { WriteBatch } from "../wire/writers.js"

/**
 * Reusable buffers for outgoing messages. A notification waiting for a slow
 * client lives long enough to reach V8's old generation, where its memory is
 * only reclaimed by a full collection; an outbound queue takes each buffer
 * it wrote back into its pool, which keeps the server's footprint flat
 * instead. A server lends one pool to all its connections' queues, so the
 * free slabs it keeps (`maxFree`) bound the whole server, not each
 * connection; a queue made without one gets a small pool of its own.
 */
export class MessagePool {
  private readonly free: Array<ArrayBuffer> = []
  private readonly owned = new WeakSet<ArrayBuffer>()

  constructor(readonly slabBytes = 96 * 1024, readonly maxFree = 256) {}

  /** A buffer of `size` bytes, from the pool when it fits a slab. */
  take(size: number): Buffer {
    if (size > this.slabBytes) return Buffer.allocUnsafeSlow(size)
    let slab = this.free.pop()
    if (slab === undefined) {
      slab = new ArrayBuffer(this.slabBytes)
      this.owned.add(slab)
    }
    return Buffer.from(slab, 0, size)
  }

  /** Returns a written message's buffer, if it came from the pool. */
  give(message: Uint8Array): void {
    const slab = message.buffer
    if (slab instanceof ArrayBuffer && this.owned.has(slab) && this.free.length < this.maxFree) this.free.push(slab)
  }
}

/** The queue of one connection. */
export interface Outbound {
  /** Queues a message; ignored once the outbound side is closed or failed. */
  readonly send: (message: OutgoingMessage) => void
  /** A buffer for a message about to be sent, from the queue's pool (taken back once written). */
  readonly allocate: (size: number) => Buffer
  /** Calls `f` once when a write fails (the connection is gone), at once if one has. */
  readonly onFailed: (f: () => void) => void
  /** Stops taking messages and completes once everything queued is written (or a write failed). */
  readonly close: Effect.Effect<void>
  /** Nothing queued and no write in flight: `close` completes at once. */
  readonly idle: boolean
  /** Batches written so far: a close that waits can tell a slow reader from one that stopped. */
  readonly batchesWritten: number
}

/** Makes the outbound queue over a transport's write. */
export const make = (options: {
  readonly write: WriteBatch
  readonly flow: FlowMeter
  /** Where message buffers come from and go back to once written (default: a pool of this queue's own). */
  readonly pool?: MessagePool | undefined
}): Outbound => {
  const pool = options.pool ?? new MessagePool(96 * 1024, 16)
  // Made by a close that must wait: most connections have nothing left to write when they close.
  let drained: Deferred.Deferred<void> | undefined
  let isDrained = false
  let queue: Array<OutgoingMessage> = []
  let queueBytes = 0
  let flushScheduled = false
  let batchesInFlight = 0
  let closing = false
  let broken = false
  let batchesWritten = 0
  const failureListeners: Array<() => void> = []

  const settleIfDrained = () => {
    if (isDrained || !closing || !(broken || (batchesInFlight === 0 && queue.length === 0))) return
    isDrained = true
    if (drained !== undefined) Deferred.doneUnsafe(drained, Exit.void)
  }

  const flush = () => {
    flushScheduled = false
    if (broken || queue.length === 0) return
    const batch = queue
    const bytes = queueBytes
    queue = []
    queueBytes = 0
    batchesInFlight++
    options.write(batch, (error) => {
      batchesInFlight--
      batchesWritten++
      if (error !== undefined && !broken) {
        broken = true
        for (const listener of failureListeners.splice(0)) listener()
      }
      options.flow.written(bytes)
      for (const message of batch) if (typeof message !== "string") pool.give(message)
      settleIfDrained()
    })
  }

  return {
    allocate: (size) => pool.take(size),
    send: (message) => {
      if (closing || broken) return
      const bytes = messageSize(message)
      queue.push(message)
      queueBytes += bytes
      options.flow.queued(bytes)
      if (!flushScheduled) {
        flushScheduled = true
        queueMicrotask(flush)
      }
    },
    onFailed: (f) => {
      if (broken) f()
      else failureListeners.push(f)
    },
    get idle() {
      return broken || (queue.length === 0 && batchesInFlight === 0)
    },
    get batchesWritten() {
      return batchesWritten
    },
    close: Effect.suspend(() => {
      closing = true
      flush()
      settleIfDrained()
      if (isDrained) return Effect.void
      drained ??= Deferred.makeUnsafe<void>()
      return Deferred.await(drained)
    })
  }
}
