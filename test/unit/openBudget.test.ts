/** How fast one NATS sender may open streams: a burst, then a steady rate; a sender is its reply inbox. */
import { describe, expect, it } from "vitest"
import { makeOpenBudget, OPEN_BURST, OPENS_PER_SECOND, senderOf } from "../../src/remote/openBudget.js"

describe("the open budget", () => {
  it("lets a sender open a burst at once, then at a steady rate; another sender has its own", () => {
    let now = 0
    const budget = makeOpenBudget(() => now)
    const taken = Array.from({ length: OPEN_BURST + 100 }, () => budget.take("_INBOX.a")).filter(Boolean).length
    expect(taken).toBe(OPEN_BURST)
    expect(budget.take("_INBOX.b")).toBe(true)
    now += 1000
    expect(Array.from({ length: 200 }, () => budget.take("_INBOX.a")).filter(Boolean).length).toBe(OPENS_PER_SECOND)
    now += 3_600_000
    expect(Array.from({ length: OPEN_BURST + 1 }, () => budget.take("_INBOX.a")).filter(Boolean).length).toBe(OPEN_BURST)
  })

  it("takes a request's reply inbox without its last token as the sender", () => {
    expect(senderOf("_INBOX.Vx7Qk3.41")).toBe("_INBOX.Vx7Qk3")
    expect(senderOf("_INBOX.Vx7Qk3.42")).toBe("_INBOX.Vx7Qk3")
    expect(senderOf("_INBOX.unmuxed")).toBe("_INBOX.unmuxed")
    expect(senderOf(undefined)).toBe(senderOf(""))
  })
})
