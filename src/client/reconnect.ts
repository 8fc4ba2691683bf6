/**
 * How the client gets a dropped connection back: the options, the events a
 * person waiting on it hears, the backoff between attempts and which
 * failures are worth another attempt.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { type ClientError, type ConnectError, type InitializeTimeout, ReconnectFailed } from "./ClientError.js"

/** How the client gets its connection back after a drop. */
export interface ReconnectOptions {
  /**
   * Attempts before giving up with `ReconnectFailed` (default: as many as
   * fit in the session's `detachTtlMs`, after which the server has ended it).
   */
  readonly maxAttempts?: number
  /** Delay before the first attempt, doubled for each next one (default 100 ms). */
  readonly initialDelayMs?: number
  /** The longest delay between attempts (default 5000 ms). */
  readonly maxDelayMs?: number
}

/** What happens while the client gets a dropped connection back (`ClientOptions.onReconnect`). */
export type ReconnectEvent =
  /** The connection dropped; the client will try to resume the session for up to `withinMs`. */
  | { readonly _tag: "Dropped"; readonly sessionId: string; readonly reason: string; readonly withinMs: number }
  /** An attempt to reconnect and resume failed; another follows while the backoff and the session's TTL allow. */
  | { readonly _tag: "AttemptFailed"; readonly sessionId: string; readonly attempt: number; readonly error: string }
  /** The session is back. */
  | { readonly _tag: "Resumed"; readonly sessionId: string; readonly attempts: number }

/** The backoff of connecting again: the delays between attempts. */
export interface Backoff {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly maxAttempts: number
  /** No attempt starts after this (`Clock` millis). */
  readonly deadline: number
}

/**
 * Delays doubling from `initialDelayMs` up to `maxDelayMs`, at most
 * `maxAttempts` of them, and none whose attempt would start at or after
 * `deadline`. A step of our own: Effect 4's Schedule has no check against
 * the clock (v3's `checkEffect`), and the rest is one line of arithmetic.
 */
export const backoff = (settings: Backoff): Schedule.Schedule<Duration.Duration> =>
  Schedule.fromStep(Effect.sync(() => {
    let attempt = 0
    return (now: number) => {
      const delay = Duration.millis(Math.min(settings.initialDelayMs * 2 ** attempt, settings.maxDelayMs))
      attempt++
      return attempt > settings.maxAttempts || now + Duration.toMillis(delay) >= settings.deadline
        ? Cause.done(delay)
        : Effect.succeed([delay, delay] as [Duration.Duration, Duration.Duration])
    }
  }))

/**
 * The server still sees an earlier connection holding the session (it has
 * not noticed the drop yet, or another client has it): -32010, or -32600
 * with the reference's wording from servers that predate the code.
 */
export const isHeldElsewhere = (error: { readonly _tag: string; readonly message: string }) =>
  error._tag === "ExecServer/SessionHeld" ||
  error._tag === "ExecServer/InvalidRequest" && error.message.includes("is already attached to another connection")

/** The backoff ran out of attempts or time. */
export class BackoffExhausted extends Data.TaggedError("BackoffExhausted") {}

/** What an attempt to connect and resume fails with. */
export type ConnectFailure = InitializeTimeout | ClientError | ConnectError

/**
 * Failed attempts to resume that are worth another (an environment is
 * offline while its executor restarts; a token file caught while it is
 * being renewed).
 */
export const isRetryable = (error: ConnectFailure | BackoffExhausted): boolean =>
  error._tag === "ExecServer/ConfigError" || error._tag === "ExecServer/ConnectTimeout" || error._tag === "ExecServer/TransportClosed" || error._tag === "ExecServer/InitializeTimeout" ||
  error._tag === "ExecServer/EnvironmentNotFound" ||
  isHeldElsewhere(error)

/**
 * Connects again after a drop, after each delay of the backoff, until
 * `connect` works (undefined), or the attempts run out or the session's TTL
 * (`withinMs`) has passed (the server has ended it by then), or a failure
 * is not worth another attempt (a server that does not know the session,
 * or refuses the credentials): the `ReconnectFailed` to shut down with.
 * Once `stopped` (the client was closed) no attempt is made.
 */
export const reconnectWithBackoff = (options: {
  readonly connect: Effect.Effect<unknown, ConnectFailure>
  readonly settings: ReconnectOptions
  readonly reason: string
  readonly sessionId: string
  readonly withinMs: number
  readonly stopped: () => boolean
  readonly onReconnect?: ((event: ReconnectEvent) => void) | undefined
}): Effect.Effect<ReconnectFailed | undefined> =>
  Effect.gen(function*() {
    const { reason, sessionId, settings } = options
    const nextDelay = yield* Schedule.toStepWithSleep(backoff({
      initialDelayMs: settings.initialDelayMs ?? 100,
      maxDelayMs: settings.maxDelayMs ?? 5000,
      maxAttempts: settings.maxAttempts ?? Number.POSITIVE_INFINITY,
      deadline: (yield* Clock.currentTimeMillis) + options.withinMs
    }))
    let attempts = 0
    let lastError = reason
    options.onReconnect?.({ _tag: "Dropped", sessionId, reason, withinMs: options.withinMs })
    const attempt = nextDelay(undefined).pipe(
      Effect.mapError(() => new BackoffExhausted()),
      Effect.andThen(Effect.suspend(() => {
        if (options.stopped()) return Effect.void
        attempts++
        return Effect.asVoid(options.connect)
      })),
      Effect.tapError((error) =>
        Effect.sync(() => {
          if (error._tag === "BackoffExhausted") return
          lastError = error.message
          options.onReconnect?.({ _tag: "AttemptFailed", sessionId, attempt: attempts, error: error.message })
        })
      )
    )
    const outcome = yield* Effect.result(Effect.retry(attempt, { while: isRetryable }))
    if (outcome._tag === "Success") {
      if (!options.stopped()) options.onReconnect?.({ _tag: "Resumed", sessionId, attempts })
      return undefined
    }
    return outcome.failure._tag === "BackoffExhausted"
      ? new ReconnectFailed({
        message: `the connection dropped (${reason}) and ${attempts} attempts to reconnect failed; the last: ${lastError}`,
        attempts
      })
      : new ReconnectFailed({ message: `cannot resume session ${sessionId}: ${outcome.failure.message}`, attempts })
  })
