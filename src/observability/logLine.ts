/**
 * A log line with annotations of its own, as
 * `Effect.logWithLevel(level, message).pipe(Effect.annotateLogs(annotations))`
 * writes it, for less. `annotateLogs` sets the fiber's annotations through
 * an acquire-use-release (about twenty runtime steps, even when the level is
 * not logged), and setting a fiber ref copies all of the fiber's refs, twice
 * (set and restore) beside the copy the line itself makes. The lines of
 * every connection and session (opened, created, closed) paid it several
 * times per connection. This hands the fiber's loggers the line they would
 * have had, with the annotations added, and leaves the fiber's refs alone.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Inspectable from "effect/Inspectable"
import type * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"

type AnyLogger = Logger.Logger<unknown, unknown>

/**
 * Each set of loggers as an array, made once per set (they are immutable and
 * rarely change): iterating an Effect HashSet allocates a few objects per
 * element, on every line.
 */
const loggerArrays = new WeakMap<HashSet.HashSet<AnyLogger>, ReadonlyArray<AnyLogger>>()
const loggersOf = (set: HashSet.HashSet<AnyLogger>): ReadonlyArray<AnyLogger> => {
  let loggers = loggerArrays.get(set)
  if (loggers === undefined) {
    loggers = HashSet.toValues(set)
    loggerArrays.set(set, loggers)
  }
  return loggers
}

/** Logs `message` at `level`, with `annotations` added to the fiber's for this line only. */
export const logAnnotated = (
  level: LogLevel.LogLevel,
  message: string,
  annotations: Readonly<Record<string, unknown>>
): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    if (LogLevel.greaterThan(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), level)) return Effect.void
    const loggers = loggersOf(fiber.getFiberRef(FiberRef.currentLoggers))
    if (loggers.length === 0) return Effect.void
    // Set in place in a copy (HashMap.mutate): one copy, not one per annotation.
    const annotated = HashMap.mutate(fiber.getFiberRef(FiberRef.currentLogAnnotations), (map) => {
      for (const key in annotations) HashMap.set(map, key, annotations[key])
    })
    // What the fiber's own `log` gives its loggers (effect's FiberRuntime.log).
    const context = fiber.getFiberRefs()
    const line = {
      fiberId: fiber.id(),
      logLevel: level,
      message: [message],
      cause: Cause.empty,
      context,
      spans: fiber.getFiberRef(FiberRef.currentLogSpan),
      annotations: annotated,
      date: new Date(Context.get(fiber.currentDefaultServices, Clock.Clock).unsafeCurrentTimeMillis())
    }
    Inspectable.withRedactableContext(context, () => {
      for (const logger of loggers) logger.log(line)
    })
    return Effect.void
  })
