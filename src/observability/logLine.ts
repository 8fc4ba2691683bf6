/**
 * A log line with annotations of its own, as
 * `Effect.logWithLevel(level, message).pipe(Effect.annotateLogs(annotations))`
 * writes it, for less: `annotateLogs` sets the fiber's annotations through an
 * acquire-use-release, about twenty runtime steps around the line, and does
 * so even when the level is not logged. The lines of every connection and
 * session (opened, created, closed) paid it several times per connection.
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as LogLevel from "effect/LogLevel"

/** Logs `message` at `level`, with `annotations` added to the fiber's for this line only. */
export const logAnnotated = (
  level: LogLevel.LogLevel,
  message: string,
  annotations: Readonly<Record<string, unknown>>
): Effect.Effect<void> =>
  FiberRef.getWith(FiberRef.currentMinimumLogLevel, (minimum) => {
    if (LogLevel.greaterThan(minimum, level)) return Effect.void
    return FiberRef.getWith(FiberRef.currentLogAnnotations, (saved) => {
      // Set in place in a copy (HashMap.mutate): one copy, not one per annotation.
      const annotated = HashMap.mutate(saved, (map) => {
        for (const [key, value] of Object.entries(annotations)) HashMap.set(map, key, value)
      })
      // Uninterruptible, so that the fiber's own annotations are always put back.
      return Effect.uninterruptible(Effect.zipRight(
        FiberRef.set(FiberRef.currentLogAnnotations, annotated),
        Effect.zipRight(Effect.logWithLevel(level, message), FiberRef.set(FiberRef.currentLogAnnotations, saved))
      ))
    })
  })
