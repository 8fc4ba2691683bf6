/** The server-wide budget of closed records: oldest first, by count and by bytes. */
import { describe, expect, it } from "@effect/vitest"
import { type HeldRecord, RetentionBudget } from "../../src/process/RetentionBudget.js"

describe("RetentionBudget", () => {
  it("evicts the oldest records once over the count or the bytes, and only those", () => {
    const budget = new RetentionBudget({ maxRecords: 3, maxBytes: 100 })
    const evicted: Array<string> = []
    const evict = (record: HeldRecord) => evicted.push(record.key)
    budget.hold("a", 10, evict)
    budget.hold("b", 10, evict)
    budget.hold("c", 10, evict)
    expect(evicted).toEqual([])
    budget.hold("d", 10, evict)
    expect(evicted).toEqual(["a"])
    budget.hold("e", 75, evict)
    // 10 + 10 + 75 = 95 would fit, but four records are one too many; then c + d + e = 95.
    expect(evicted).toEqual(["a", "b"])
    expect([budget.records, budget.retainedBytes]).toEqual([3, 95])
    budget.hold("f", 20, evict)
    // d + e + f = 105 > 100: c and d go.
    expect(evicted).toEqual(["a", "b", "c", "d"])
    expect([budget.records, budget.retainedBytes]).toEqual([2, 95])
  })

  it("a released record no longer counts, wherever it is in the order; releasing twice is harmless", () => {
    const budget = new RetentionBudget({ maxRecords: 2, maxBytes: Infinity })
    const evicted: Array<string> = []
    const evict = (record: HeldRecord) => evicted.push(record.key)
    const a = budget.hold("a", 1, evict)
    const b = budget.hold("b", 2, evict)
    budget.release(b)
    budget.release(b)
    expect([budget.records, budget.retainedBytes, b.held]).toEqual([1, 1, false])
    budget.hold("c", 4, evict)
    expect(evicted).toEqual([])
    budget.release(a)
    budget.hold("d", 8, evict)
    budget.hold("e", 16, evict)
    expect(evicted).toEqual(["c"])
    expect([budget.records, budget.retainedBytes]).toEqual([2, 24])
  })

  it("a record whose bytes alone are over the budget is evicted at once", () => {
    const budget = new RetentionBudget({ maxRecords: 10, maxBytes: 5 })
    const evicted: Array<string> = []
    const held = budget.hold("big", 6, (record) => evicted.push(record.key))
    expect([evicted, held.held, budget.records]).toEqual([["big"], false, 0])
  })
})
