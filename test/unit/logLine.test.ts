/** logAnnotated: the line annotateLogs would write, the fiber's own annotations left as they were. */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as List from "effect/List"

import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { describe, expect, it } from "vitest"
import { logAnnotated } from "../../src/observability/logLine.js"

interface Line {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
  readonly extra?: { readonly at: number; readonly spans: Array<string>; readonly fiber: string; readonly causeEmpty: boolean }
}

/** Runs `effect` with a logger that keeps its lines, at `minimum` (info by default). */
const linesOf = (effect: Effect.Effect<void>, minimum: LogLevel.LogLevel = LogLevel.Info, extra = false): Array<Line> => {
  const lines: Array<Line> = []
  const keep = Logger.make(({ annotations, cause, date, fiberId, logLevel, message, spans }) => {
    lines.push({
      level: logLevel.label,
      message,
      annotations: Object.fromEntries(HashMap.toEntries(annotations)),
      ...(extra
        ? {
          extra: {
            at: date.getTime(),
            spans: List.toArray(spans).map((span) => span.label),
            fiber: FiberId.threadName(fiberId),
            causeEmpty: Cause.isEmpty(cause)
          }
        }
        : {})
    })
  })
  Effect.runSync(effect.pipe(Logger.withMinimumLogLevel(minimum), Effect.provide(Logger.replace(Logger.defaultLogger, keep))))
  return lines
}

describe("logAnnotated", () => {
  it("writes the line annotateLogs writes, over the fiber's annotations, and leaves them as they were", () => {
    const program = Effect.gen(function*() {
      yield* logAnnotated(LogLevel.Info, "connection opened", { transport: "websocket", peer: "127.0.0.1:5" })
      yield* Effect.logInfo("connection opened").pipe(Effect.annotateLogs({ transport: "websocket", peer: "127.0.0.1:5" }))
      // Its own annotation wins over the fiber's of the same name, for its line only.
      yield* logAnnotated(LogLevel.Warning, "late", { outer: "line's" })
      yield* Effect.logInfo("after")
    }).pipe(Effect.annotateLogs({ outer: "fiber's" }))
    const [ours, theirs, late, after] = linesOf(program)
    expect(ours).toEqual(theirs)
    expect(ours).toEqual({
      level: "INFO",
      message: ["connection opened"],
      annotations: { outer: "fiber's", transport: "websocket", peer: "127.0.0.1:5" }
    })
    expect(late).toEqual({ level: "WARN", message: ["late"], annotations: { outer: "line's" } })
    expect(after).toEqual({ level: "INFO", message: ["after"], annotations: { outer: "fiber's" } })
  })

  it("writes nothing below the minimum level, and the lines after it are unchanged", () => {
    const lines = linesOf(
      Effect.zipRight(logAnnotated(LogLevel.Info, "connection opened", { transport: "stdio" }), Effect.logWarning("next")),
      LogLevel.Warning
    )
    expect(lines).toEqual([{ level: "WARN", message: ["next"], annotations: {} }])
  })

  it("gives the loggers the fiber, its log spans and the clock's time, as the fiber's own line does", () => {
    const stopped: Clock.Clock = {
      [Clock.ClockTypeId]: Clock.ClockTypeId,
      unsafeCurrentTimeMillis: () => 1_234_567,
      currentTimeMillis: Effect.succeed(1_234_567),
      unsafeCurrentTimeNanos: () => 1_234_567_000_000n,
      currentTimeNanos: Effect.succeed(1_234_567_000_000n),
      sleep: () => Effect.void
    }
    const program = Effect.gen(function*() {
      yield* logAnnotated(LogLevel.Info, "session created", { sessionId: "s" })
      yield* Effect.logInfo("session created").pipe(Effect.annotateLogs({ sessionId: "s" }))
    }).pipe(Effect.withLogSpan("handshake"), Effect.withClock(stopped))
    const [ours, theirs] = linesOf(program, LogLevel.Info, true)
    expect(ours).toEqual(theirs)
    expect(ours!.extra).toEqual({ at: 1_234_567, spans: ["handshake"], fiber: theirs!.extra!.fiber, causeEmpty: true })
  })
})
