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
import * as FiberId from "effect/FiberId"
import type { FlowMeter } from "./FlowControl.js"
import { messageSize, type OutgoingMessage } from "./JsonRpc.js"

/**
 * Hands a batch of serialized messages to the peer, in order, and calls
 * `done` once they are written, or with the error that ended the connection.
 * It must not throw; batches may overlap (a transport keeps them in order).
 */
export type WriteBatch = (messages: ReadonlyArray<OutgoingMessage>, done: (error?: unknown) => void) => void

/** A transport's write as an effect that completes when the batch is written. */
export const writeEffect = (write: WriteBatch, messages: ReadonlyArray<OutgoingMessage>): Effect.Effect<void, unknown> =>
  Effect.async<void, unknown>((resume) =>
    write(messages, (error) => resume(error === undefined ? Effect.void : Effect.fail(error)))
  )

/** The queue of one connection. */
export interface Outbound {
  /** Queues a message; ignored once the outbound side is closed or failed. */
  readonly send: (message: OutgoingMessage) => void
  /** Completes when a write fails (the connection is gone). */
  readonly failed: Effect.Effect<void>
  /** Stops taking messages and completes once everything queued is written (or a write failed). */
  readonly close: Effect.Effect<void>
}

/** Makes the outbound queue over a transport's write. */
export const make = (options: {
  readonly write: WriteBatch
  readonly flow: FlowMeter
  /** Called with each batch once it is written (its buffers may be reused then). */
  readonly onWritten?: ((messages: ReadonlyArray<OutgoingMessage>) => void) | undefined
}): Outbound => {
  const failed = Deferred.unsafeMake<void>(FiberId.none)
  const drained = Deferred.unsafeMake<void>(FiberId.none)
  let queue: Array<OutgoingMessage> = []
  let queueBytes = 0
  let flushScheduled = false
  let batchesInFlight = 0
  let closing = false
  let broken = false

  const settleIfDrained = () => {
    if (closing && (broken || (batchesInFlight === 0 && queue.length === 0))) Deferred.unsafeDone(drained, Exit.void)
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
      if (error !== undefined && !broken) {
        broken = true
        Deferred.unsafeDone(failed, Exit.void)
      }
      options.flow.written(bytes)
      options.onWritten?.(batch)
      settleIfDrained()
    })
  }

  return {
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
    failed: Deferred.await(failed),
    close: Effect.suspend(() => {
      closing = true
      flush()
      settleIfDrained()
      return Deferred.await(drained)
    })
  }
}
