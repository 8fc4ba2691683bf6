/** The client's backoff of connecting again, on the TestClock. */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import { TestClock } from "effect/testing"
import { backoff } from "../../src/client/reconnect.js"

/** The delays the schedule grants, advancing the TestClock through each. */
const delaysOf = (schedule: Schedule.Schedule<Duration.Duration>) =>
  Effect.gen(function*() {
    // Each step sleeps the delay it grants, and ends (fails with Cause.Done) when the schedule does.
    const step = yield* Schedule.toStepWithSleep(schedule)
    const delays: Array<number> = []
    for (;;) {
      const fiber = yield* Effect.forkChild(Effect.result(step(undefined)))
      yield* TestClock.adjust(Duration.hours(1))
      const delay = yield* Fiber.join(fiber)
      if (Result.isFailure(delay)) return delays
      delays.push(Duration.toMillis(delay.success))
    }
  })

describe("backoff", () => {
  it.effect("doubles each delay up to the cap, for at most maxAttempts", () =>
    Effect.gen(function*() {
      const delays = yield* delaysOf(backoff({ initialDelayMs: 100, maxDelayMs: 500, maxAttempts: 5, deadline: Infinity }))
      expect(delays).toEqual([100, 200, 400, 500, 500])
    }))

  it.effect("grants no delay whose attempt would start at or after the deadline", () =>
    Effect.gen(function*() {
      const schedule = backoff({ initialDelayMs: 100, maxDelayMs: 5000, maxAttempts: Infinity, deadline: 50 })
      expect(yield* delaysOf(schedule)).toEqual([])
    }))

  it.effect("no attempts when maxAttempts is 0", () =>
    Effect.gen(function*() {
      expect(yield* delaysOf(backoff({ initialDelayMs: 100, maxDelayMs: 5000, maxAttempts: 0, deadline: Infinity }))).toEqual([])
    }))
})
