/**
 * A stream's incoming side as a queue of frames, for either end (the
 * executor's connections, the client's transport): each message goes into
 * the queue as it comes (on the link's callback, no fiber in between) and
 * is credited to the peer once there. While the queue is full (a reader
 * that does not keep up), messages wait here in order and a fiber moves them
 * as the reader makes room; what waits is bounded by the stream's window,
 * which is not credited meanwhile.
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import type { Deliver, StreamReset } from "./ReliableChannel.js"

/** The queue the reader takes from (ended with `Cause.Done` by the peer's end), and the `deliver` a channel made with it calls. */
export interface Inbound<F, E> {
  readonly frames: Queue.Queue<F, E | Cause.Done>
  readonly deliver: Deliver
  /** The scope closing ends the reading, whatever still waited. */
  readonly endWith: (scope: Scope.Scope) => Effect.Effect<void>
}

/**
 * `frameOf` makes a message's frame at once (the message's bytes are not
 * kept: a text is decoded from them); `errorOf` says a reset as the reader's
 * error. The queue holds `capacity` frames.
 */
export const make = <F, E>(options: {
  readonly capacity: number
  readonly frameOf: (bytes: Uint8Array) => F
  readonly errorOf: (reset: StreamReset) => E
}): Effect.Effect<Inbound<F, E>> =>
  Effect.gen(function*() {
    const frames = yield* Queue.make<F, E | Cause.Done>({ capacity: options.capacity })
    const context = yield* Effect.context<never>()
    const waiting: Array<{ readonly frame: F; readonly holds: number; readonly consumed: (holds: number) => void }> = []
    let ending: Exit.Exit<void, E> | undefined
    let mover: Fiber.Fiber<void> | undefined
    /** Ends the queue as the stream ended: done after the peer's end, failed with the reset's error. */
    const finish = (exit: Exit.Exit<void, E>): void => {
      if (Exit.isSuccess(exit)) Queue.endUnsafe(frames)
      else Queue.failCauseUnsafe(frames, exit.cause)
    }
    const moveWaiting = Effect.gen(function*() {
      while (waiting.length > 0) {
        yield* Queue.offer(frames, waiting[0]!.frame)
        const { consumed, holds } = waiting.shift()!
        consumed(holds)
      }
      mover = undefined
      if (ending !== undefined) finish(ending)
    })
    const deliver: Deliver = (item, consumed) => {
      if (item._tag === "Message") {
        const frame = options.frameOf(item.bytes)
        if (waiting.length === 0 && Queue.offerUnsafe(frames, frame)) return consumed(item.holds)
        waiting.push({ frame, holds: item.holds, consumed })
        if (mover === undefined) {
          // Effect 4 runs a fiber at once: one that found the queue ended is over before it returns, with nothing left waiting.
          const fiber = Effect.runForkWith(context)(moveWaiting)
          if (waiting.length > 0) mover = fiber
        }
        return
      }
      // The end, or the reset, comes after every message before it.
      ending = item._tag === "End" ? Exit.void : Exit.fail(options.errorOf(item.error))
      if (waiting.length === 0) finish(ending)
    }
    return {
      frames,
      deliver,
      endWith: (scope) =>
        Scope.addFinalizer(scope, Effect.suspend(() => mover === undefined ? Effect.void : Fiber.interrupt(mover)).pipe(
          Effect.andThen(Effect.sync(() => finish(ending ?? Exit.void)))
        ))
    }
  })
