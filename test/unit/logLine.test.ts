/** logAnnotated: the line annotateLogs would write, the fiber's own annotations left as they were. */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import { describe, expect, it } from "vitest"
import { logAnnotated } from "../../src/observability/logLine.js"

interface Line {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
  readonly extra?: { readonly at: number; readonly spans: Array<string>; readonly fiber: string; readonly causeEmpty: boolean }
}

/** Runs `effect` with a logger that keeps its lines, at `minimum` (info by default). */
const linesOf = (effect: Effect.Effect<void>, minimum: LogLevel.LogLevel = "Info", extra = false): Array<Line> => {
  const lines: Array<Line> = []
  // Effect 4's loggers read the annotations and spans from the fiber.
  const keep = Logger.make(({ cause, date, fiber, logLevel, message }) => {
    lines.push({
      level: logLevel,
      message,
      annotations: { ...fiber.getRef(References.CurrentLogAnnotations) },
      ...(extra
        ? {
          extra: {
            at: date.getTime(),
            spans: fiber.getRef(References.CurrentLogSpans).map(([label]) => label),
            fiber: `#${fiber.id}`,
            causeEmpty: cause.reasons.length === 0
          }
        }
        : {})
    })
  })
  Effect.runSync(effect.pipe(Effect.provideService(References.MinimumLogLevel, minimum), Effect.provide(Logger.layer([keep]))))
  return lines
}

describe("logAnnotated", () => {
  it("writes the line annotateLogs writes, over the fiber's annotations, and leaves them as they were", () => {
    const program = Effect.gen(function*() {
      yield* logAnnotated("Info", "connection opened", { transport: "websocket", peer: "127.0.0.1:5" })
      yield* Effect.logInfo("connection opened").pipe(Effect.annotateLogs({ transport: "websocket", peer: "127.0.0.1:5" }))
      // Its own annotation wins over the fiber's of the same name, for its line only.
      yield* logAnnotated("Warn", "late", { outer: "line's" })
      yield* Effect.logInfo("after")
    }).pipe(Effect.annotateLogs({ outer: "fiber's" }))
    const [ours, theirs, late, after] = linesOf(program)
    expect(ours).toEqual(theirs)
    // Effect 4's level names ("Info", "Warn"; v3's labels were "INFO", "WARN").
    expect(ours).toEqual({
      level: "Info",
      message: ["connection opened"],
      annotations: { outer: "fiber's", transport: "websocket", peer: "127.0.0.1:5" }
    })
    expect(late).toEqual({ level: "Warn", message: ["late"], annotations: { outer: "line's" } })
    expect(after).toEqual({ level: "Info", message: ["after"], annotations: { outer: "fiber's" } })
  })

  it("writes nothing below the minimum level, and the lines after it are unchanged", () => {
    const lines = linesOf(
      Effect.andThen(logAnnotated("Info", "connection opened", { transport: "stdio" }), Effect.logWarning("next")),
      "Warn"
    )
    expect(lines).toEqual([{ level: "Warn", message: ["next"], annotations: {} }])
  })

  it("gives the loggers the fiber, its log spans and the clock's time, as the fiber's own line does", () => {
    const stopped: Clock.Clock = {
      currentTimeMillisUnsafe: () => 1_234_567,
      currentTimeMillis: Effect.succeed(1_234_567),
      currentTimeNanosUnsafe: () => 1_234_567_000_000n,
      currentTimeNanos: Effect.succeed(1_234_567_000_000n),
      monotonicTimeNanosUnsafe: () => 1_234_567_000_000n,
      monotonicTimeNanos: Effect.succeed(1_234_567_000_000n),
      sleep: () => Effect.void
    }
    const program = Effect.gen(function*() {
      yield* logAnnotated("Info", "session created", { sessionId: "s" })
      yield* Effect.logInfo("session created").pipe(Effect.annotateLogs({ sessionId: "s" }))
    }).pipe(Effect.withLogSpan("handshake"), Effect.provideService(Clock.Clock, stopped))
    const [ours, theirs] = linesOf(program, "Info", true)
    expect(ours).toEqual(theirs)
    expect(ours!.extra).toEqual({ at: 1_234_567, spans: ["handshake"], fiber: theirs!.extra!.fiber, causeEmpty: true })
  })
})
