/** logAnnotated: the line annotateLogs would write, the fiber's own annotations left as they were. */
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { describe, expect, it } from "vitest"
import { logAnnotated } from "../../src/observability/logLine.js"

interface Line {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}

/** Runs `effect` with a logger that keeps its lines, at `minimum` (info by default). */
const linesOf = (effect: Effect.Effect<void>, minimum: LogLevel.LogLevel = LogLevel.Info): Array<Line> => {
  const lines: Array<Line> = []
  const keep = Logger.make(({ annotations, logLevel, message }) => {
    lines.push({ level: logLevel.label, message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
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
})
