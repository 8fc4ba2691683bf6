/**
 * Fibers forked with a context and interrupted together, as a FiberSet's
 * would be: a connection's requests, a server's connections. Not Effect 4's
 * FiberSet (whose `runtime` now takes the context once, as this does): this
 * is made without a scope, at the point of the connection's own scope where
 * its interruption must come (see serveConnection's finalizers), and calls
 * each fiber's `onEnd` (a request's place given back) before the group's
 * waiters, which `FiberSet.awaitEmpty` cannot order.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

/** A fiber that is already interrupted: what `run` gives once the group is closed. */
let interruptedFiber: Fiber.Fiber<never> | undefined

export interface FiberGroup<R = never> {
  /** Runs `effect` in a fiber of the group; `onEnd` is called when it ends (before the group's waiters), however it ends. */
  readonly run: <A>(effect: Effect.Effect<A, never, R>, onEnd?: () => void) => Fiber.Fiber<A>
  /** Until no fiber of the group is running. */
  readonly awaitEmpty: Effect.Effect<void>
  /** Interrupts every fiber of the group and waits for them; what is run afterwards is interrupted at once. */
  readonly interruptAll: Effect.Effect<void>
}

/** A group whose fibers `fork` starts (an `Effect.runForkWith`, whose context provides `R`). */
export const makeFiberGroup = <R = never>(
  fork: <A>(effect: Effect.Effect<A, never, R>) => Fiber.Fiber<A>
): FiberGroup<R> => {
  const fibers = new Set<Fiber.Fiber<unknown>>()
  let closed = false
  let emptied: Array<() => void> = []
  const run = <A>(effect: Effect.Effect<A, never, R>, onEnd?: () => void): Fiber.Fiber<A> => {
    if (closed) {
      onEnd?.()
      return interruptedFiber ??= Effect.runFork(Effect.interrupt)
    }
    const fiber = fork(effect)
    // Its observer runs at once when the fiber ended while starting.
    fibers.add(fiber)
    fiber.addObserver(() => {
      fibers.delete(fiber)
      onEnd?.()
      if (fibers.size > 0 || emptied.length === 0) return
      const waiting = emptied
      emptied = []
      for (const resume of waiting) resume()
    })
    return fiber
  }
  return {
    run,
    awaitEmpty: Effect.callback<void>((resume) => {
      if (fibers.size === 0) return resume(Effect.void)
      const done = () => resume(Effect.void)
      emptied.push(done)
      return Effect.sync(() => {
        emptied = emptied.filter((waiting) => waiting !== done)
      })
    }),
    interruptAll: Effect.suspend(() => {
      closed = true
      return fibers.size === 0 ? Effect.void : Fiber.interruptAll(Array.from(fibers))
    })
  }
}
