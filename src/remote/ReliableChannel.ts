/**
 * A ReliableStream end driven by a fiber, over any lossy link of frames:
 * `send` waits while the peer's credit window is full (that is the
 * backpressure a slow peer exerts), `receive` hands messages over in order
 * and grants credit as it does, and `reconnected` asks the peer to resume.
 * The link only transmits bytes and reports incoming ones; NatsLink is the
 * NATS one, the tests use in-memory ones.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Frames from "./frames.js"
import * as RS from "./ReliableStream.js"

/** The stream was reset, by this end or the peer, with a reason. */
export class StreamReset extends Data.TaggedError("RemoteStreamReset")<{
  readonly reason: string
  readonly byPeer: boolean
}> {}

/** Sends frames to the peer; a frame may be lost without a word (core NATS). Must not throw. */
export type Transmit = (frame: Uint8Array) => void

/** One end of a stream, reliable over a lossy link. */
export interface ReliableChannel {
  readonly streamId: string
  /** Sends one message; completes once it has gone out within the peer's credit (it may still be unacknowledged). */
  readonly send: (message: Uint8Array) => Effect.Effect<void, StreamReset>
  /** The next message, or None once the peer closed its direction. */
  readonly receive: Effect.Effect<Option.Option<Uint8Array>, StreamReset>
  /** Closes this direction and waits until the peer acknowledged everything. */
  readonly close: Effect.Effect<void, StreamReset>
  /** Ends the stream at once; the peer is told the reason. */
  readonly reset: (reason: string) => Effect.Effect<void>
  /** The link delivers an incoming frame (callable from any callback). */
  readonly onFrame: (bytes: Uint8Array) => void
  /** The link reconnected: what was in flight may be lost both ways. */
  readonly reconnected: () => void
  /** The end's counters and seqs, for tests and metrics. */
  readonly snapshot: () => ChannelSnapshot
}

/** What a channel has done so far. */
export interface ChannelSnapshot {
  readonly stats: RS.StreamStats
  /** The last seq this end gave a frame. */
  readonly lastSentSeq: number
  /** The highest seq received with none missing. */
  readonly receivedThrough: number
  readonly inFlightBytes: number
}

type Inbound = { readonly _tag: "Frame"; readonly bytes: Uint8Array } | { readonly _tag: "Kick" }
type Incoming = RS.Delivery | { readonly _tag: "Reset"; readonly error: StreamReset }

const KICK: Inbound = { _tag: "Kick" }

/** Starts a channel whose pump fiber lives in the scope; closing the scope resets a stream that is not done. */
export const make = (options: RS.StreamOptions, transmit: Transmit): Effect.Effect<ReliableChannel, never, Scope.Scope> =>
  Effect.gen(function*() {
    const end = RS.make(options, yield* Clock.currentTimeMillis)
    const inbox = yield* Queue.unbounded<Inbound>()
    // Bounded by the window: the peer never sends beyond the credit this end grants, and the end drops what exceeds it.
    const incoming = yield* Queue.unbounded<Incoming>()
    const sendLock = yield* Effect.makeSemaphore(1)
    let drained: Deferred.Deferred<void, StreamReset> | undefined
    let acknowledged: Deferred.Deferred<void, StreamReset> | undefined
    let resetAnnounced = false

    const resetError = () => new StreamReset({ reason: end.reset?.reason ?? "", byPeer: end.reset?.byPeer ?? false })

    // The waiting callers learn what the last transitions changed; nothing yields in between.
    const settle = () => {
      if (end.reset !== undefined) {
        if (!resetAnnounced) {
          resetAnnounced = true
          const error = resetError()
          Queue.unsafeOffer(incoming, { _tag: "Reset", error })
          if (drained) Deferred.unsafeDone(drained, Effect.fail(error))
          if (acknowledged) Deferred.unsafeDone(acknowledged, Effect.fail(error))
          drained = acknowledged = undefined
        }
        return
      }
      if (drained && RS.isDrained(end)) {
        Deferred.unsafeDone(drained, Effect.void)
        drained = undefined
      }
      if (acknowledged && RS.isAcknowledged(end)) {
        Deferred.unsafeDone(acknowledged, Effect.void)
        acknowledged = undefined
      }
    }

    const flush = (now: number) => {
      for (const frame of RS.poll(end, now)) transmit(Frames.encode(frame))
      settle()
    }

    const handle = (items: Iterable<Inbound>, now: number) => {
      for (const item of items) {
        if (item._tag === "Kick") continue
        const decoded = Frames.decode(item.bytes)
        if (Either.isLeft(decoded)) {
          RS.reset(end, `malformed frame: ${decoded.left.message}`)
          continue
        }
        for (const delivery of RS.receive(end, decoded.right, now)) Queue.unsafeOffer(incoming, delivery)
      }
    }

    // One fiber runs every transition: frames and kicks wake it, and so does the end's next deadline
    // (an ack, a retransmission, a heartbeat), so an idle stream costs no wake-ups in between.
    const pump = Effect.gen(function*() {
      for (;;) {
        const before = yield* Clock.currentTimeMillis
        const wait = RS.nextDeadline(end, before) - before
        const first = Number.isFinite(wait)
          ? yield* Effect.timeoutOption(Queue.take(inbox), Duration.millis(Math.max(0, wait)))
          : Option.some(yield* Queue.take(inbox))
        const rest = yield* Queue.takeAll(inbox)
        const now = yield* Clock.currentTimeMillis
        handle(Option.isSome(first) ? [first.value, ...rest] : rest, now)
        flush(now)
      }
    })
    yield* Effect.forkScoped(pump)

    const kick = () => Queue.unsafeOffer(inbox, KICK)

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        // Done is both directions closed and this end's acknowledged; anything less tells the peer.
        if (end.reset === undefined && !(end.sender.closed && RS.isAcknowledged(end) && end.receiver.ended)) {
          RS.reset(end, "stream closed")
          flush(yield* Clock.currentTimeMillis)
        }
      })
    )

    const send = (message: Uint8Array) =>
      sendLock.withPermits(1)(
        Effect.gen(function*() {
          const done = yield* Deferred.make<void, StreamReset>()
          const accepted = yield* Effect.sync(() => {
            if (end.reset !== undefined) return false
            if (!RS.send(end, message)) {
              RS.reset(end, "send after close")
              kick()
              return false
            }
            drained = done
            kick()
            return true
          })
          if (!accepted) return yield* Effect.fail(resetError())
          yield* Deferred.await(done)
        })
      )

    const receive: Effect.Effect<Option.Option<Uint8Array>, StreamReset> = Effect.flatMap(Queue.take(incoming), (item) => {
      switch (item._tag) {
        case "Message":
          return Effect.sync(() => {
            RS.consume(end, item.holds)
            kick()
            return Option.some(item.bytes)
          })
        case "End":
          // Every later receive sees the end too.
          return Effect.as(Queue.offer(incoming, item), Option.none())
        case "Reset":
          return Effect.zipRight(Queue.offer(incoming, item), Effect.fail(item.error))
      }
    })

    const close = sendLock.withPermits(1)(
      Effect.gen(function*() {
        const done = yield* Deferred.make<void, StreamReset>()
        const open = yield* Effect.sync(() => {
          if (end.reset !== undefined) return false
          acknowledged = done
          RS.close(end)
          kick()
          return true
        })
        if (!open) return yield* Effect.fail(resetError())
        yield* Deferred.await(done)
      })
    )

    return {
      streamId: options.streamId,
      send,
      receive,
      close,
      reset: (reason) => Effect.sync(() => {
        RS.reset(end, reason)
        kick()
      }),
      onFrame: (bytes) => Queue.unsafeOffer(inbox, { _tag: "Frame", bytes }),
      reconnected: () => {
        // Through the inbox would reorder it after frames already queued; the pump is between steps here.
        RS.reconnected(end)
        kick()
      },
      snapshot: () => ({
        stats: { ...end.stats },
        lastSentSeq: end.sender.nextSeq - 1,
        receivedThrough: end.receiver.ack,
        inFlightBytes: end.sender.inFlightBytes
      })
    } satisfies ReliableChannel
  })
