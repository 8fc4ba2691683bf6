/**
 * Asking the client about hosts (network/policyAsks): questions about
 * different hosts are in flight together, one question asked by many at
 * once goes out once, the bounds per process and per session refuse at
 * once, and no answer denies the timeout plus 5 s later (the reference's
 * wait), on Effect's clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import * as TestClock from "effect/testing/TestClock"
import { ClientRequestFailed } from "../../src/jsonrpc/clientMessages.js"
import { AskBudget, makeAsker, MAX_ASKS_PER_PROCESS } from "../../src/network/policyAsks.js"
import type { PolicyRequestParams, PolicyRequestResult } from "../../src/protocol/networkSchema.js"

/** A client whose answers the test gives, question by question. */
const scriptedClient = () => {
  const questions: Array<{ readonly params: PolicyRequestParams; readonly answer: Deferred.Deferred<PolicyRequestResult, ClientRequestFailed> }> = []
  const request = (params: PolicyRequestParams) =>
    Effect.flatMap(Deferred.make<PolicyRequestResult, ClientRequestFailed>(), (answer) => {
      questions.push({ params, answer })
      return Deferred.await(answer)
    })
  /** Waits until `count` questions have been asked (each runs in a fiber of its own). */
  const asked = (count: number) =>
    Effect.gen(function*() {
      while (questions.length < count) yield* Effect.yieldNow
    })
  return { asked, questions, request }
}

const question = (host: string) => ({ protocol: "http" as const, host, port: 80 })

describe("asking the client", () => {
  it.effect("asks about different hosts at once and the same one once", () =>
    Effect.gen(function*() {
      const client = scriptedClient()
      const ask = yield* makeAsker({ processId: "p", timeoutMs: 1000, request: client.request, session: new AskBudget(256) })
      const fibers = yield* Effect.forEach(["a.test", "b.test", "a.test", "c.test", "a.test"], (host) => Effect.forkChild(ask(question(host))))
      yield* client.asked(3)
      yield* Effect.repeat(Effect.yieldNow, { times: 10 })
      expect(client.questions.map((each) => each.params.request.host)).toEqual(["a.test", "b.test", "c.test"])
      expect(client.questions[0]!.params).toEqual({ processId: "p", request: { protocol: "http", host: "a.test", port: 80 } })
      yield* Deferred.succeed(client.questions[0]!.answer, { decision: { type: "deny", reason: "no" } })
      yield* Deferred.succeed(client.questions[1]!.answer, { decision: { type: "allow" } })
      yield* Deferred.fail(client.questions[2]!.answer, new ClientRequestFailed({ reason: "answeredError" }))
      const answers = yield* Effect.forEach(fibers, Fiber.join)
      expect(answers).toEqual([
        { type: "deny", reason: "no" },
        { type: "allow" },
        { type: "deny", reason: "no" },
        { type: "error" },
        { type: "deny", reason: "no" }
      ])
      // Answered, a question is asked again.
      const again = yield* Effect.forkChild(ask(question("a.test")))
      yield* client.asked(4)
      expect(client.questions).toHaveLength(4)
      yield* Deferred.succeed(client.questions[3]!.answer, { decision: { type: "allow" } })
      expect(yield* Fiber.join(again)).toEqual({ type: "allow" })
    }))

  it.effect("denies with no answer once the timeout and 5 s have passed", () =>
    Effect.gen(function*() {
      const client = scriptedClient()
      const ask = yield* makeAsker({ processId: "p", timeoutMs: 2000, request: client.request, session: new AskBudget(256) })
      const waiting = yield* Effect.forkChild(ask(question("slow.test")))
      yield* client.asked(1)
      yield* TestClock.adjust("6999 millis")
      expect(waiting.pollUnsafe()).toBeUndefined() // not done yet (v4 polls undefined, v3 null)
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(waiting)).toEqual({ type: "error" })
    }))

  it.effect("refuses at once beyond the process's and the session's bounds, and frees a place once answered", () =>
    Effect.gen(function*() {
      const client = scriptedClient()
      const session = new AskBudget(MAX_ASKS_PER_PROCESS + 10)
      const ask = yield* makeAsker({ processId: "p", timeoutMs: 60_000, request: client.request, session })
      const other = yield* makeAsker({ processId: "q", timeoutMs: 60_000, request: client.request, session })
      const held = yield* Effect.forEach(Array.from({ length: MAX_ASKS_PER_PROCESS }, (_, index) => `h${index}.test`), (host) => Effect.forkChild(ask(question(host))))
      yield* client.asked(MAX_ASKS_PER_PROCESS)
      expect(yield* ask(question("one-more.test"))).toEqual({ type: "error" })
      // The session has 10 places left: the other process takes them, then is refused.
      const others = yield* Effect.forEach(Array.from({ length: 10 }, (_, index) => `o${index}.test`), (host) => Effect.forkChild(other(question(host))))
      yield* client.asked(MAX_ASKS_PER_PROCESS + 10)
      expect(yield* other(question("o-more.test"))).toEqual({ type: "error" })
      expect(client.questions).toHaveLength(MAX_ASKS_PER_PROCESS + 10)
      yield* Deferred.succeed(client.questions[0]!.answer, { decision: { type: "allow" } })
      expect(yield* Fiber.join(held[0]!)).toEqual({ type: "allow" })
      const next = yield* Effect.forkChild(other(question("o-next.test")))
      yield* client.asked(MAX_ASKS_PER_PROCESS + 11)
      expect(client.questions.at(-1)!.params.request.host).toBe("o-next.test")
      yield* Fiber.interrupt(next)
      yield* Effect.forEach([...held.slice(1), ...others], Fiber.interrupt)
    }))

  it("denies what is still unanswered when the process's proxy goes", () =>
    Effect.gen(function*() {
      const client = scriptedClient()
      const waiting = yield* Effect.scoped(Effect.gen(function*() {
        const ask = yield* makeAsker({ processId: "p", timeoutMs: 60_000, request: client.request, session: new AskBudget(256) })
        const fiber = yield* Effect.forkChild(ask(question("gone.test")))
        yield* client.asked(1)
        return fiber
      }))
      expect(yield* Fiber.join(waiting)).toEqual({ type: "error" })
    }).pipe(Effect.runPromise))
})
