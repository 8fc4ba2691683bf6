/** The listener-wide bound on messages still arriving: who waits, who goes on, who is let in again and when. */
import { describe, expect, it } from "vitest"
import { ArrivingBytes, SMALL_MESSAGE_BYTES } from "../../src/wire/arrivingBytes.js"

const MiB = 1024 * 1024

/** A connection's count, with what the budget told it. */
const connection = (budget: ArrivingBytes) => {
  const seen: Array<string> = []
  const count = budget.open({
    pause: () => seen.push("pause"),
    resume: () => seen.push("resume"),
    stalled: () => seen.push("stalled")
  })
  return { count, seen }
}

describe("the arriving-bytes budget", () => {
  it("holds back messages grown past 64 KiB beyond the budget, lets one go on, and lets the others in oldest first as room is made", () => {
    const budget = new ArrivingBytes(4 * MiB)
    const a = connection(budget)
    const b = connection(budget)
    const c = connection(budget)
    a.count.read(3 * MiB)
    b.count.read(1 * MiB)
    expect(budget.bytes).toBe(4 * MiB)
    // Over the budget: the first large message over it goes on (nothing would complete otherwise)...
    a.count.read(MiB)
    expect(a.seen).toEqual([])
    // ...and the next ones wait.
    b.count.read(MiB)
    c.count.read(3 * MiB)
    expect(b.seen).toEqual(["pause"])
    expect(c.seen).toEqual(["pause"])
    expect(budget.waitingCount).toBe(2)
    // The leader completes: still over the budget, so b (the oldest waiting) alone reads again, and leads.
    a.count.completed()
    expect(budget.bytes).toBe(5 * MiB)
    expect(b.seen).toEqual(["pause", "resume"])
    expect(c.seen).toEqual(["pause"])
    b.count.read(MiB)
    expect(b.seen).toEqual(["pause", "resume"])
    // Within the budget again: every one waiting reads again.
    b.count.completed()
    expect(c.seen).toEqual(["pause", "resume"])
    c.count.completed()
    expect(budget.bytes).toBe(0)
    expect(budget.waitingCount).toBe(0)
  })

  it("never holds back a message that stays small, however full the budget", () => {
    const budget = new ArrivingBytes(MiB)
    const large = connection(budget)
    large.count.read(8 * MiB)
    const small = connection(budget)
    for (let i = 0; i < 100; i++) {
      small.count.read(SMALL_MESSAGE_BYTES / 2)
      small.count.completed()
    }
    small.count.read(SMALL_MESSAGE_BYTES)
    expect(small.seen).toEqual([])
  })

  it("leaves control frames out, and frees what a closed connection held, waiting or not", () => {
    const budget = new ArrivingBytes(2 * MiB)
    const a = connection(budget)
    a.count.read(MiB + 131)
    a.count.control(131)
    expect(budget.bytes).toBe(MiB)
    a.count.control(10 * MiB)
    expect(budget.bytes).toBe(0)
    a.count.read(3 * MiB)
    const b = connection(budget)
    b.count.read(MiB)
    expect(b.seen).toEqual(["pause"])
    b.count.close()
    expect(budget.waitingCount).toBe(0)
    expect(budget.bytes).toBe(3 * MiB)
    a.count.close()
    expect(budget.bytes).toBe(0)
    // Closed, it counts nothing more.
    a.count.read(MiB)
    expect(budget.bytes).toBe(0)
  })

  it("tells a leader that reads nothing for the stall time while others wait that it stalls", async () => {
    const budget = new ArrivingBytes(MiB, 40)
    const stalled = new Promise<void>((resolve) => {
      const leader = budget.open({ pause: () => {}, resume: () => {}, stalled: resolve })
      leader.read(2 * MiB)
    })
    const waiting = connection(budget)
    waiting.count.read(MiB)
    expect(waiting.seen).toEqual(["pause"])
    await stalled
    expect(waiting.seen).toEqual(["pause"])
  })
})
