/**
 * A ReliableStream end driven by its callers, the link's frames and one
 * timer, over any lossy link of frames:
 * `send` waits while the peer's credit window is full (that is the
 * backpressure a slow peer exerts), `receive` hands messages over in order
 * and grants credit as it does, and `reconnected` asks the peer to resume.
 * The link only transmits bytes and reports incoming ones; NatsLink is the
 * NATS one, the tests use in-memory ones.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import type { ArrivingBytes } from "../wire/arrivingBytes.js"
import * as FramePool from "./framePool.js"
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
  /**
   * Sends one message now, without waiting, if no send waits and the peer's
   * credit covers all of it; false (and nothing sent) otherwise, when `send`
   * is the way.
   */
  readonly trySend: (message: Uint8Array) => boolean
  /**
   * Sends `messages` in order, after the sends and the close asked for
   * before them, and calls `done` once the last went out within the
   * peer's credit (at once when the credit covers them all), or with the
   * reset that ended the stream. No fiber waits:
   * the end's steps (its acknowledgements, its timer) go on with the next
   * message, which is what a stream held by its peer's credit does for each.
   */
  readonly sendAll: (messages: ReadonlyArray<Uint8Array>, done: (error?: StreamReset) => void) => void
  /** The next message, or None once the peer closed its direction (not for a channel made with `deliver`). */
  readonly receive: Effect.Effect<Option.Option<Uint8Array>, StreamReset>
  /** Closes this direction and waits until the peer acknowledged everything. */
  readonly close: Effect.Effect<void, StreamReset>
  /** Ends the stream at once; the peer is told the reason. */
  readonly reset: (reason: string) => Effect.Effect<void>
  /** The link delivers an incoming frame (callable from any callback); a view into the link's read buffer is fine, the stream copies what it keeps. */
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

/** What comes in, in order: messages, then the peer's end of its direction or the stream's reset. */
export type Incoming = RS.Delivery | { readonly _tag: "Reset"; readonly error: StreamReset }

/**
 * Takes what comes in as it comes (on the link's callback): the owner calls
 * `consumed` with a message's `holds` once it took it (that is the peer's
 * credit), at once or later. A message's bytes are lent for the call only
 * (a reassembled message's buffer is reused afterwards): the owner makes
 * what it keeps of them before it returns, as a decoded text.
 */
export type Deliver = (item: Incoming, consumed: (holds: number) => void) => void

/** A send or close asked of a channel, done when `done` is called. */
type Operation =
  | { readonly _tag: "Send"; readonly messages: ReadonlyArray<Uint8Array>; next: number; readonly done: (error?: StreamReset) => void }
  | { readonly _tag: "Close"; started: boolean; readonly done: (error?: StreamReset) => void }

/**
 * Starts a channel living in the scope; closing the scope resets a stream
 * that is not done. The transitions run on the caller's stack, not on a
 * fiber of their own: a frame or a call costs no fiber wake-up, which was
 * most of a remote request's latency on a busy machine.
 */
export const make = (
  options: RS.StreamOptions,
  transmit: Transmit,
  deliver?: Deliver,
  /** A budget this end's reassembled messages share with other streams' (an executor's). */
  arriving?: ArrivingBytes
): Effect.Effect<ReliableChannel, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Clock.Clock
    const end = RS.make(options, clock.currentTimeMillisUnsafe())
    // Bounded by the window: the peer never sends beyond the credit this end grants, and the end drops what exceeds it.
    const incoming = yield* Queue.unbounded<Incoming>()
    /** The application is done with a message that held `holds` bytes of the window. */
    const consumed = (holds: number) => {
      RS.consume(end, holds)
      step()
    }
    // Without `deliver`, `receive` takes from the queue; with it, the owner gets each item at once (no fiber in between).
    const push = (item: Incoming): void => {
      if (deliver === undefined) return void Queue.offerUnsafe(incoming, item)
      deliver(item, consumed)
      // The owner made its frame of the message at once: a reassembled message's buffer is the pool's again.
      if (item._tag === "Message") FramePool.giveBack(item.bytes.buffer)
    }
    /**
     * Sends and closes asked for and not done, in order; the first is under
     * way. A message goes to the end only once those before it went out
     * within the peer's credit: the end holds at most one message beyond it.
     */
    const operations: Array<Operation> = []
    let advancing = false
    let resetAnnounced = false
    /** Frames in, not yet handled: those of one read of the link are handled together (one ack for them). */
    let frames: Array<Uint8Array> = []
    let handleScheduled = false
    let stepping = false
    let stepAgain = false
    /** The timer of the end's next deadline, and when it fires. */
    let timer: ReturnType<typeof setTimeout> | undefined
    let timerAt = Infinity
    let stopped = false

    const resetError = () => new StreamReset({ reason: end.reset?.reason ?? "", byPeer: end.reset?.byPeer ?? false })

    /** The operations go on as far as the end lets them; a reset fails them all. */
    const advance = () => {
      if (advancing) return
      advancing = true
      try {
        while (operations.length > 0) {
          if (end.reset !== undefined) {
            const error = resetError()
            for (const operation of operations.splice(0)) operation.done(error)
            return
          }
          const operation = operations[0]!
          if (operation._tag === "Close") {
            if (!operation.started) {
              operation.started = true
              RS.close(end)
              step()
              continue
            }
            if (!RS.isAcknowledged(end)) return
          } else {
            // The message before this one (or the last of this batch) is still beyond the peer's credit.
            if (!RS.isDrained(end)) return
            if (operation.next < operation.messages.length) {
              if (!RS.send(end, operation.messages[operation.next++]!)) RS.reset(end, "send after close")
              step()
              continue
            }
          }
          operations.shift()
          operation.done()
        }
      } finally {
        advancing = false
      }
    }

    // What the last transitions changed: the reader learns of a reset, and the operations go on.
    const settle = () => {
      if (end.reset !== undefined && !resetAnnounced) {
        resetAnnounced = true
        push({ _tag: "Reset", error: resetError() })
      }
      if (operations.length > 0) advance()
    }

    const handle = (batch: ReadonlyArray<Uint8Array>, now: number) => {
      for (const bytes of batch) {
        const decoded = Frames.decode(bytes)
        if (Result.isFailure(decoded)) {
          RS.reset(end, `malformed frame: ${decoded.failure.message}`)
          continue
        }
        for (const delivery of RS.receive(end, decoded.success, now)) push(delivery)
      }
    }

    /** Runs the end's timer for its next deadline (an ack, a retransmission, a heartbeat): an idle stream has no wake-ups in between. */
    const arm = (now: number) => {
      const at = RS.nextDeadline(end, now)
      // A timer that fires early is harmless (poll finds nothing and it is armed again), so one already due sooner is kept.
      if (timer !== undefined && timerAt <= at) return
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      timerAt = at
      if (Number.isFinite(at)) {
        timer = setTimeout(() => {
          timer = undefined
          timerAt = Infinity
          step()
        }, at - now)
      }
    }

    /**
     * One step of the end: the frames that came, then what it owes the peer,
     * then who waits. A step asked for while one runs (a link that answers
     * at once) is run after it, not inside it.
     */
    const step = () => {
      if (stopped) return
      if (stepping) {
        stepAgain = true
        return
      }
      stepping = true
      try {
        do {
          stepAgain = false
          const now = clock.currentTimeMillisUnsafe()
          if (frames.length > 0) {
            const batch = frames
            frames = []
            handle(batch, now)
          }
          for (const frame of RS.poll(end, now)) transmit(Frames.encode(frame))
          settle()
          arm(now)
        } while (stepAgain || frames.length > 0)
      } finally {
        stepping = false
      }
    }

    if (arriving !== undefined) {
      const count = arriving.open({
        pause: () => RS.holdAhead(end, true),
        resume: () => {
          RS.holdAhead(end, false)
          step()
        },
        stalled: () => {
          RS.reset(end, "a message left halfway while others wait")
          step()
        }
      })
      end.receiver.budget = count
      yield* Effect.addFinalizer(() => Effect.sync(count.close))
    }

    const handleFrames = () => {
      handleScheduled = false
      step()
    }

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        // Done is both directions closed and this end's acknowledged; anything less tells the peer.
        if (end.reset === undefined && !(end.sender.closed && RS.isAcknowledged(end) && end.receiver.ended)) {
          RS.reset(end, "stream closed")
          step()
        }
        stopped = true
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
      })
    )

    const enqueue = (operation: Operation) => {
      if (stopped) return operation.done(end.reset === undefined ? new StreamReset({ reason: "stream closed", byPeer: false }) : resetError())
      operations.push(operation)
      advance()
    }
    /** As an effect: interrupted, it stops waiting (a message already given to the end still goes out). */
    const awaiting = (operation: (done: (error?: StreamReset) => void) => Operation) =>
      Effect.callback<void, StreamReset>((resume) => {
        const pending = operation((error) => resume(error === undefined ? Effect.void : Effect.fail(error)))
        enqueue(pending)
        return Effect.sync(() => {
          const at = operations.indexOf(pending)
          if (at === -1) return
          operations.splice(at, 1)
          if (at === 0) advance()
        })
      })
    const send = (message: Uint8Array) => awaiting((done) => ({ _tag: "Send", messages: [message], next: 0, done }))
    const trySend = (message: Uint8Array): boolean => {
      if (operations.length > 0 || !RS.fitsNow(end, message.length)) return false
      RS.send(end, message)
      step()
      return true
    }
    const receive: Effect.Effect<Option.Option<Uint8Array>, StreamReset> = Effect.flatMap(Queue.take(incoming), (item) => {
      switch (item._tag) {
        case "Message":
          return Effect.sync(() => {
            consumed(item.holds)
            return Option.some(item.bytes)
          })
        case "End":
          // Every later receive sees the end too.
          return Effect.as(Queue.offer(incoming, item), Option.none())
        case "Reset":
          return Effect.andThen(Queue.offer(incoming, item), Effect.fail(item.error))
      }
    })

    const close = awaiting((done) => ({ _tag: "Close", started: false, done }))

    return {
      streamId: options.streamId,
      send,
      trySend,
      sendAll: (messages, done) => {
        // Within the peer's credit, with nothing asked before them, they go out at once and nothing is queued.
        let sent = 0
        while (sent < messages.length && trySend(messages[sent]!)) sent++
        if (sent === messages.length) return done()
        enqueue({ _tag: "Send", messages: sent === 0 ? messages : messages.slice(sent), next: 0, done })
      },
      receive,
      close,
      reset: (reason) => Effect.sync(() => {
        RS.reset(end, reason)
        step()
      }),
      onFrame: (bytes) => {
        if (stopped) return
        frames.push(bytes)
        if (!handleScheduled) {
          handleScheduled = true
          queueMicrotask(handleFrames)
        }
      },
      reconnected: () => {
        // Before the frames that came meanwhile: what was in flight may be lost both ways.
        RS.reconnected(end)
        step()
      },
      snapshot: () => ({
        stats: { ...end.stats },
        lastSentSeq: end.sender.nextSeq - 1,
        receivedThrough: end.receiver.ack,
        inFlightBytes: end.sender.inFlightBytes
      })
    } satisfies ReliableChannel
  })
