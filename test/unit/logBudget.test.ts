/** The budget of log lines one peer can cause: per peer and overall, per window, what is held back said later. */
import { describe, expect, it } from "vitest"
import { LINES_PER_PEER, LINES_PER_WINDOW, makeLogBudget, WINDOW_MS } from "../../src/observability/logBudget.js"

describe("the log budget", () => {
  it("logs a peer's first lines of a window, holds back the rest, and says how many with its next line logged", () => {
    let now = 0
    const budget = makeLogBudget(() => now)
    const logged = Array.from({ length: 500 }, (_, index) => budget.take(`10.0.0.1:${1000 + index}`)).filter((d) => d !== undefined)
    // The port does not make another peer.
    expect(logged.length).toBe(LINES_PER_PEER)
    // Another peer has its own lines.
    expect(budget.take("10.0.0.2:5")).toEqual({})
    now += WINDOW_MS
    expect(budget.take("10.0.0.1:9")).toEqual({ notLogged: 500 - LINES_PER_PEER })
    expect(budget.take("10.0.0.1:9")).toEqual({})
  })

  it("bounds all peers together: many addresses (IPv6 has plenty) cannot flood it either", () => {
    const budget = makeLogBudget(() => 0)
    const logged = Array.from({ length: 10_000 }, (_, index) => budget.take(`[2001:db8::${index.toString(16)}]:443`)).filter((d) => d !== undefined)
    expect(logged.length).toBe(LINES_PER_WINDOW)
    expect(budget.take(undefined)).toBeUndefined()
  })
})
