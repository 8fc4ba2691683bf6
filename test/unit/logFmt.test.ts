/**
 * The server's logfmt lines (observability/logFmt.ts) are Effect's
 * `Logger.formatLogFmt`'s, character for character: log readers and the
 * tests that read the server's stderr see no difference. Each case logs
 * through both loggers in the same fiber, at the same instant.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import { logFmt } from "../../src/observability/logFmt.js"

class Failure extends Data.TaggedError("Failure")<{ readonly reason: string }> {}

/** The two loggers' lines for one log call: `log` runs in a fiber with both as its only loggers. */
const bothLines = (log: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const lines: Array<[string, string]> = []
    const date = new Date("2026-11-28T02:00:00.123Z")
    const pair = Logger.make((options) => {
      const same = { ...options, date }
      lines.push([logFmt.log(same), Logger.formatLogFmt.log(same)])
    })
    yield* log.pipe(Effect.provideService(References.CurrentLoggers, new Set([pair])))
    return lines
  })

describe("logFmt", () => {
  const cases: ReadonlyArray<readonly [string, Effect.Effect<void>]> = [
    ["a plain message", Effect.logInfo("connection opened")],
    ["a message and annotations of every kind", Effect.logInfo("session created").pipe(Effect.annotateLogs({
      sessionId: "20158e78-63bc-41af-bb9f-081b6c285341",
      connectionId: 1,
      detachTtlMs: 0,
      ratio: -1.5,
      ok: true,
      none: null,
      missing: undefined,
      peer: "127.0.0.1:40460",
      why: "connection closed",
      quoted: "say \"hi\"",
      equals: "a=b",
      "spaced label": "x",
      "label=with\"quote": "y",
      empty: "",
      list: ["a", 1],
      object: { nested: { deep: [1, 2] } },
      big: 10n,
      date: new Date(0),
      error: new Error("boom")
    }))],
    ["several messages", Effect.logWarning("first", 2, { three: 3 }, ["four"])],
    ["a message with whitespace, quotes and newlines", Effect.logError("line one\nline \"two\"\tand a tab")],
    ["a failure's cause", Effect.logError("failed", Cause.fail(new Failure({ reason: "no" })))],
    ["a defect's cause", Effect.logError(Cause.die(new Error("defect")))],
    ["spans", Effect.logDebug("with spans").pipe(Effect.withLogSpan("outer span"), Effect.withLogSpan("inner"))],
    ["an annotation set twice, the last winning", Effect.logInfo("twice").pipe(Effect.annotateLogs({ key: "inner" }), Effect.annotateLogs({ key: "outer", other: 2 }))]
  ]
  for (const [name, log] of cases) {
    it.effect(`writes ${name} as Effect's formatLogFmt does`, () =>
      Effect.gen(function*() {
        const lines = yield* bothLines(Effect.andThen(Effect.logInfo("level line"), log).pipe(
          Effect.provideService(References.MinimumLogLevel, "All")
        ))
        expect(lines.length).toBe(2)
        for (const [ours, effects] of lines) expect(ours).toBe(effects)
      }))
  }
})
