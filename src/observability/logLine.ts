/**
 * A log line with annotations of its own, as
 * `Effect.logWithLevel(level)(message).pipe(Effect.annotateLogs(annotations))`
 * writes it. Effect 4 makes that cheap (the annotations are one overlay on
 * the fiber's context, not copies of every fiber ref), so this is that; the
 * name stays for the lines of every connection and session (opened,
 * created, closed).
 */
import * as Effect from "effect/Effect"
import type * as LogLevel from "effect/LogLevel"

/** Logs `message` at `level`, with `annotations` added to the fiber's for this line only. */
export const logAnnotated = (
  level: LogLevel.Severity,
  message: string,
  annotations: Readonly<Record<string, unknown>>
): Effect.Effect<void> => Effect.annotateLogs(Effect.logWithLevel(level)(message), annotations)
