/**
 * Deadlines that fall due in the order they are added (each one its adding
 * time plus one fixed period: a closed process's record kept for the
 * retention period, a connection's handshake allowed its timeout). One
 * fiber takes them in turn, sleeps on Effect's clock until each is due and
 * runs it: one fiber for all of them, where a sleeping fiber each cost its
 * fork and its interruption. The fiber starts with the first deadline (most
 * sessions never close a process) and ends with the scope it runs in.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Context from "effect/Context"
import * as Scope from "effect/Scope"

/** Deadlines in the order they fall due. */
export interface ExpiryQueue {
  /**
   * Calls `expire` at `atMs` on Effect's clock (after every deadline added
   * before it), unless let go first by calling what this returns. Not
   * later than any deadline added after it: each is its adding time plus
   * the same period.
   */
  readonly add: (atMs: number, expire: () => void) => () => void
}

interface Deadline {
  readonly atMs: number
  expire: (() => void) | undefined
}

/**
 * An expiry queue whose fiber runs with `context` (its clock, its refs) in
 * `scope`, interrupted when the scope closes.
 */
export const makeExpiryQueue = (context: Context.Context<never>, scope: Scope.Scope): ExpiryQueue => {
  let waiting: Queue.Queue<Deadline> | undefined
  const expireInTurn = (queue: Queue.Queue<Deadline>) =>
    Effect.forever(Effect.gen(function*() {
      const deadline = yield* Queue.take(queue)
      const now = yield* Clock.currentTimeMillis
      // One let go needs no waiting for.
      if (deadline.expire !== undefined && deadline.atMs > now) yield* Effect.sleep(Duration.millis(deadline.atMs - now))
      deadline.expire?.()
    }))
  return {
    add: (atMs, expire) => {
      if (waiting === undefined) {
        const queue = waiting = Effect.runSync(Queue.unbounded<Deadline>())
        // Interruptible whatever the adding fiber is (a process retires uninterruptibly).
        Effect.runSyncWith(context)(Effect.forkIn(Effect.interruptible(expireInTurn(queue)), scope))
      }
      const deadline: Deadline = { atMs, expire }
      Queue.offerUnsafe(waiting, deadline)
      // What `expire` holds is let go of at once, not at its time.
      return () => {
        deadline.expire = undefined
      }
    }
  }
}
