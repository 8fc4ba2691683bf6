/**
 * What Effect makes while its modules load and a process must have of its
 * own when it starts from a startup snapshot (`snapshot.ts`).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { randomBytes } from "node:crypto"

/**
 * Effect's default clock and random generator, made anew for this process.
 * Effect makes its defaults while its modules load, and in a startup
 * snapshot that was at build time: every server would draw the same random
 * numbers, and the clock's origin pairs the build's wall time with a
 * monotonic clock that restarts at boot, so its timestamps (spans, timed
 * effects) would be off after a reboot.
 */
export const withFreshDefaultServices = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()
  const nanos = () => origin + process.hrtime.bigint()
  const timers = Clock.make()
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => Date.now(),
    currentTimeMillis: Effect.sync(() => Date.now()),
    unsafeCurrentTimeNanos: nanos,
    currentTimeNanos: Effect.sync(nanos),
    sleep: (duration) => timers.sleep(duration)
  }
  return program.pipe(Effect.withClock(clock), Effect.withRandom(Random.make(randomBytes(16).toString("hex"))))
}

