/** A server's handshake deadlines: one fiber, on Effect's clock, calls each at its time unless it was let go. */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import { makeHandshakeDeadlines } from "../../src/server/ExecServer.js"

describe("handshake deadlines", () => {
  it.effect("expire at their time, in order; one let go first never does", () =>
    Effect.gen(function*() {
      const deadlines = yield* makeHandshakeDeadlines
      const expired: Array<string> = []
      const at = (name: string) => () => void expired.push(name)
      const now = yield* Clock.currentTimeMillis
      deadlines.add(now + 1000, at("first"))
      const letGo = deadlines.add(now + 1500, at("let go"))
      deadlines.add(now + 2000, at("third"))
      yield* TestClock.adjust("999 millis")
      expect(expired).toEqual([])
      yield* TestClock.adjust("1 millis")
      expect(expired).toEqual(["first"])
      letGo()
      yield* TestClock.adjust("1 seconds")
      expect(expired).toEqual(["first", "third"])
      // One added after they have all passed waits its own period.
      deadlines.add((yield* Clock.currentTimeMillis) + 500, at("late"))
      yield* TestClock.adjust("499 millis")
      expect(expired).toEqual(["first", "third"])
      yield* TestClock.adjust("1 millis")
      expect(expired).toEqual(["first", "third", "late"])
    }))
})
