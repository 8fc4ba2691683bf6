/**
 * The clock and random generator a server gets at start instead of the ones
 * Effect made while its modules loaded (in a startup snapshot: at build).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { withFreshDefaultServices } from "../../src/cli/freshServices.js"

describe("withFreshDefaultServices", () => {
  it.live("gives a clock on this process's wall time, in millis and nanos, that sleeps", () =>
    withFreshDefaultServices(Effect.gen(function*() {
      const before = Date.now()
      const millis = yield* Clock.currentTimeMillis
      const nanos = yield* Clock.currentTimeNanos
      expect(millis - before).toBeGreaterThanOrEqual(0)
      expect(millis - before).toBeLessThan(1000)
      expect(Math.abs(Number(nanos / 1_000_000n) - millis)).toBeLessThan(1000)
      const [elapsed] = yield* Effect.timed(Effect.sleep("20 millis"))
      expect(Duration.toMillis(elapsed)).toBeGreaterThanOrEqual(19)
      expect(Duration.toMillis(elapsed)).toBeLessThan(5000)
    })))

  it.live("seeds a random generator of its own at each start, not Effect's default", () =>
    Effect.gen(function*() {
      const theDefault = yield* Effect.service(Random.Random)
      const fresh = yield* Effect.all(Array.from({ length: 4 }, () => withFreshDefaultServices(Effect.service(Random.Random))))
      expect(fresh).not.toContain(theDefault)
      const firstDraws = fresh.map((random) => random.nextIntUnsafe())
      expect(new Set(firstDraws).size).toBe(4)
    }))
})
