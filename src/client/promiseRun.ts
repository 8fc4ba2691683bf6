/**
 * How the Promise client runs the Effect client's effects: each to a
 * Promise, an aborted `signal` interrupting it; what a rejection is (the
 * Effect client's tagged error as it is, or an `AbortError`); and the
 * Effect client's functions made into ones that return Promises.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { ClientError, ConnectError, ExecTimeout, InitializeTimeout } from "./ClientError.js"

/** Node 20 has it only when polyfilled; the registered symbol is what polyfills use. */
export const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose ??
  (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose)

/** Every failure a Promise of the Promise client rejects with, but an abort. */
export type PromiseClientError = ClientError | ExecTimeout | InitializeTimeout | ConnectError

// A record over the union's tags, so that a new error type fails to compile until it is listed.
const CLIENT_ERROR_TAGS: Record<PromiseClientError["_tag"], true> = {
  "ExecServer/ConfigError": true,
  "ExecServer/ConnectTimeout": true,
  "ExecServer/CredentialsRefused": true,
  "ExecServer/ConnectionForbidden": true,
  "ExecServer/EnvironmentNotFound": true,
  "ExecServer/InitializeTimeout": true,
  "ExecServer/TransportClosed": true,
  "ExecServer/ReconnectFailed": true,
  "ExecServer/ServerError": true,
  "ExecServer/ProtocolError": true,
  "ExecServer/RequestTooLarge": true,
  "ExecServer/UnknownProcess": true,
  "ExecServer/ExecTimeout": true,
  "ExecServer/InvalidRequest": true,
  "ExecServer/InvalidParams": true,
  "ExecServer/MethodNotFound": true,
  "ExecServer/InternalError": true,
  "ExecServer/PathNotFound": true,
  "ExecServer/SandboxDenied": true,
  "ExecServer/SandboxUnavailable": true,
  "ExecServer/SpawnNotFound": true,
  "ExecServer/ServerBusy": true,
  "ExecServer/SessionHeld": true
}

/** Whether a rejection is one of the client's tagged errors (narrow further by `_tag`). */
export const isClientError = (error: unknown): error is PromiseClientError =>
  error instanceof Error && "_tag" in error && typeof error._tag === "string" && Object.hasOwn(CLIENT_ERROR_TAGS, error._tag)

/** What an aborted `signal` rejects with; `cause` is the signal's `reason`. */
export class AbortError extends Error {
  override readonly name = "AbortError"
  readonly code = "ABORT_ERR"
  constructor(reason: unknown) {
    super("The operation was aborted", { cause: reason })
  }
}

/** Options of a call that an `AbortSignal` may cancel. */
export interface Abortable {
  readonly signal?: AbortSignal | undefined
}

export const rejectionOf = (cause: Cause.Cause<unknown>, signal: AbortSignal | undefined): unknown => {
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure)) return failure.value
  if (signal?.aborted === true && Cause.hasInterruptsOnly(cause)) return new AbortError(signal.reason)
  return Cause.squash(cause)
}

/** Runs an effect of the Effect client; an abort interrupts it, and it rejects once the interruption is done. */
export const run = <A, E>(effect: Effect.Effect<A, E>, signal?: AbortSignal): Promise<A> => {
  if (signal?.aborted === true) return Promise.reject(new AbortError(signal.reason))
  return Effect.runPromiseExit(effect, signal === undefined ? undefined : { signal }).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    throw rejectionOf(exit.cause, signal)
  })
}

export type Promised<F> = F extends (...args: infer Args) => Effect.Effect<infer A, unknown> ? (...args: Args) => Promise<A>
  : never

export const promised = <Args extends Array<unknown>, A, E>(f: (...args: Args) => Effect.Effect<A, E>) =>
(...args: Args): Promise<A> => run(f(...args))
