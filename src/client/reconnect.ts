/**
 * How the client gets a dropped connection back: the options, the events a
 * person waiting on it hears, the backoff between attempts and which
 * failures are worth another attempt.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { ClientError, ConnectError, InitializeTimeout } from "./ClientError.js"

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
 * `maxAttempts` of them, and none whose attempt would start after `deadline`.
 */
export const backoff = (settings: Backoff): Schedule.Schedule<Duration.Duration> =>
  Schedule.exponential(Duration.millis(settings.initialDelayMs)).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.millis(settings.maxDelayMs))),
    Schedule.intersect(Schedule.recurs(settings.maxAttempts)),
    Schedule.delays,
    Schedule.checkEffect((_, delay) =>
      Effect.map(Clock.currentTimeMillis, (now) => now + Duration.toMillis(delay) < settings.deadline)
    )
  )

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

/** Failed attempts to resume that are worth another (an environment is offline while its executor restarts). */
export const isRetryable = (error: ConnectFailure | BackoffExhausted): boolean =>
  error._tag === "ExecServer/ConnectTimeout" || error._tag === "ExecServer/TransportClosed" || error._tag === "ExecServer/InitializeTimeout" ||
  error._tag === "ExecServer/EnvironmentNotFound" ||
  isHeldElsewhere(error)
