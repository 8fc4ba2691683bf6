/**
 * Asking the client about hosts (`network/policyRequest`, issue 46). The
 * reference asks one question at a time; here questions about different
 * hosts are in flight together, the same question (protocol, host and port)
 * asked by many connections at once goes out once and every one of them
 * gets its answer, and the questions in flight are bounded per process and
 * per session (beyond, a question is refused at once, as the reference
 * refuses beyond its 256). No answer within the timeout, an error answer or
 * no client to ask (a detached session, a closed connection) denies.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { ClientRequestFailed } from "../jsonrpc/clientMessages.js"
import type { NetworkProtocol, PolicyRequestParams, PolicyRequestResult } from "../protocol/networkSchema.js"
import type { ClientAnswer } from "./HttpProxy.js"

/** Questions in flight for one process at most. */
export const MAX_ASKS_PER_PROCESS = 64
/** Questions in flight for one session at most (the reference's bound of pending decisions). */
export const MAX_ASKS_PER_SESSION = 256
/** Beyond the client's timeout, as the reference waits (2000 ms denied after 7.0 s). */
export const ASK_GRACE_MS = 5_000

/** A count of questions in flight, shared by a session's processes. */
export class AskBudget {
  private inFlight = 0
  constructor(readonly limit: number) {}
  tryTake(): boolean {
    if (this.inFlight >= this.limit) return false
    this.inFlight++
    return true
  }
  release(): void {
    this.inFlight--
  }
}

/** What an asker needs. */
export interface AskerOptions {
  readonly processId: string
  /** `policyDecisionTimeoutMs`. */
  readonly timeoutMs: number
  /** Sends `network/policyRequest` to the session's client. */
  readonly request: (params: PolicyRequestParams) => Effect.Effect<PolicyRequestResult, ClientRequestFailed>
  /** The session's budget. */
  readonly session: AskBudget
}

/** One question: how a request reached the proxy, and where it goes. */
export interface Question {
  readonly protocol: NetworkProtocol
  readonly host: string
  readonly port: number
}

const ERROR: ClientAnswer = { type: "error" }

/**
 * An asker for one process. Each question runs in a fiber of the current
 * scope (the process's proxy's), so that one connection giving up does not
 * take the answer from the others waiting for it, and the scope's end
 * interrupts what is still unanswered.
 */
export const makeAsker = (options: AskerOptions): Effect.Effect<(question: Question) => Effect.Effect<ClientAnswer>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const pending = new Map<string, Deferred.Deferred<ClientAnswer>>()
    const budget = new AskBudget(MAX_ASKS_PER_PROCESS)
    const wait = Duration.millis(options.timeoutMs + ASK_GRACE_MS)
    const ask = (question: Question): Effect.Effect<ClientAnswer> =>
      options.request({ processId: options.processId, request: question }).pipe(
        Effect.map(({ decision }): ClientAnswer => decision),
        Effect.timeoutOrElse({ duration: wait, orElse: () => Effect.succeed(ERROR) }),
        Effect.orElseSucceed(() => ERROR)
      )
    return (question) =>
      Effect.suspend(() => {
        const key = `${question.protocol} ${question.host} ${question.port}`
        const existing = pending.get(key)
        if (existing !== undefined) return Deferred.await(existing)
        if (!budget.tryTake()) return Effect.succeed(ERROR)
        if (!options.session.tryTake()) {
          budget.release()
          return Effect.succeed(ERROR)
        }
        const answer = Deferred.makeUnsafe<ClientAnswer>()
        pending.set(key, answer)
        const settle = (value: Option.Option<ClientAnswer>) =>
          Effect.sync(() => {
            pending.delete(key)
            budget.release()
            options.session.release()
            Deferred.doneUnsafe(answer, Effect.succeed(Option.getOrElse(value, () => ERROR)))
          })
        // Interruptible whatever region asked: the timeout must be able to end the wait.
        return Effect.interruptible(ask(question)).pipe(
          Effect.onExit((exit) => settle(exit._tag === "Success" ? Option.some(exit.value) : Option.none())),
          Effect.forkIn(scope),
          Effect.andThen(Deferred.await(answer))
        )
      })
  })
