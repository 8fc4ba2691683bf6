/**
 * A stream's incoming side as a mailbox of frames, for either end (the
 * executor's connections, the client's transport): each message goes into
 * the mailbox as it comes (on the link's callback, no fiber in between) and
 * is credited to the peer once there. While the mailbox is full (a reader
 * that does not keep up), messages wait here in order and a fiber moves them
 * as the reader makes room; what waits is bounded by the stream's window,
 * which is not credited meanwhile.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import type { Deliver, StreamReset } from "./ReliableChannel.js"

/** The mailbox the reader takes from, and the `deliver` a channel made with it calls. */
export interface Inbound<F, E> {
  readonly frames: Mailbox.Mailbox<F, E>
  readonly deliver: Deliver
  /** The scope closing ends the reading, whatever still waited. */
  readonly endWith: (scope: Scope.Scope) => Effect.Effect<void>
}

/**
 * `frameOf` makes a message's frame at once (the message's bytes are not
 * kept: a text is decoded from them); `errorOf` says a reset as the reader's
 * error. The mailbox holds `capacity` frames.
 */
export const make = <F, E>(options: {
  readonly capacity: number
  readonly frameOf: (bytes: Uint8Array) => F
  readonly errorOf: (reset: StreamReset) => E
}): Effect.Effect<Inbound<F, E>> =>
  Effect.gen(function*() {
    const frames = yield* Mailbox.make<F, E>({ capacity: options.capacity })
    const runtime = yield* Effect.runtime<never>()
    const waiting: Array<{ readonly frame: F; readonly holds: number; readonly consumed: (holds: number) => void }> = []
    let ending: Exit.Exit<void, E> | undefined
    let mover: Fiber.RuntimeFiber<void> | undefined
    const moveWaiting = Effect.gen(function*() {
      while (waiting.length > 0) {
        yield* frames.offer(waiting[0]!.frame)
        const { consumed, holds } = waiting.shift()!
        consumed(holds)
      }
      mover = undefined
      if (ending !== undefined) frames.unsafeDone(ending)
    })
    const deliver: Deliver = (item, consumed) => {
      if (item._tag === "Message") {
        const frame = options.frameOf(item.bytes)
        if (waiting.length === 0 && frames.unsafeOffer(frame)) return consumed(item.holds)
        waiting.push({ frame, holds: item.holds, consumed })
        mover ??= Runtime.runFork(runtime)(moveWaiting)
        return
      }
      // The end, or the reset, comes after every message before it.
      ending = item._tag === "End" ? Exit.void : Exit.fail(options.errorOf(item.error))
      if (waiting.length === 0) frames.unsafeDone(ending)
    }
    return {
      frames,
      deliver,
      endWith: (scope) =>
        Scope.addFinalizer(scope, Effect.suspend(() => mover === undefined ? Effect.void : Fiber.interrupt(mover)).pipe(
          Effect.zipRight(Effect.sync(() => frames.unsafeDone(ending ?? Exit.void)))
        ))
    }
  })
