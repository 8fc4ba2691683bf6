/**
 * Swapping one logger for another around an effect, as providing
 * `Logger.layer` does, without a layer to build: a process's start
 * provided one, and each layer provided costs a build (a memo map, a scope,
 * an acquire-use-release) in code not yet compiled.
 */
import * as Effect from "effect/Effect"
import type * as Logger from "effect/Logger"
import * as References from "effect/References"

/** Runs an effect with `logger` in place of `replaced`. */
export const replacingLogger = (replaced: Logger.Logger<unknown, unknown>, logger: Logger.Logger<unknown, unknown>) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.updateService(effect, References.CurrentLoggers, (loggers) => {
    const replacing = new Set(loggers)
    replacing.delete(replaced)
    return replacing.add(logger)
  })
