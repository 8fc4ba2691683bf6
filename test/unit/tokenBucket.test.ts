/** The token bucket that every rate limit shares: a burst at once, then a steady rate, on the time it is given. */
import { describe, expect, it } from "vitest"
import { full, makeKeyedBuckets, makeTokenBucket, take, tokensAt } from "../../src/rateLimit/tokenBucket.js"

const rate = { burst: 4, perSecond: 2 }

/** How many of `attempts` takes are allowed. */
const allowedOf = (attempts: number, takeOne: () => boolean): number =>
  Array.from({ length: attempts }, takeOne).filter(Boolean).length

describe("a token bucket", () => {
  it("gives its burst at once, then its rate a second, and never holds more than its burst", () => {
    let now = 1_000
    const bucket = makeTokenBucket(rate, () => now)
    expect(allowedOf(10, bucket.take)).toBe(4)
    now += 1_000
    expect(allowedOf(10, bucket.take)).toBe(2)
    // Half a second is one token; a quarter, half a token, which is not enough.
    now += 500
    expect(allowedOf(10, bucket.take)).toBe(1)
    now += 250
    expect(bucket.take()).toBe(false)
    now += 250
    expect(bucket.take()).toBe(true)
    now += 3_600_000
    expect(allowedOf(10, bucket.take)).toBe(4)
  })

  it("is a value: a step returns the next state and leaves the given one as it was", () => {
    const start = full(rate, 0)
    const first = take(start, rate, 0)
    expect(first).toEqual({ allowed: true, bucket: { tokens: 3, at: 0 } })
    expect(start).toEqual({ tokens: 4, at: 0 })
    expect(take({ tokens: 0.5, at: 0 }, rate, 0)).toEqual({ allowed: false, bucket: { tokens: 0.5, at: 0 } })
    expect(tokensAt({ tokens: 0, at: 0 }, rate, 750)).toBe(1.5)
  })

  it("refills nothing when the clock goes back", () => {
    expect(tokensAt({ tokens: 1, at: 5_000 }, rate, 4_000)).toBe(1)
  })

  it("keeps a bucket per key, and forgets the longest unseen beyond its bound (full again when it returns)", () => {
    let now = 0
    const buckets = makeKeyedBuckets({ ...rate, maxKeys: 2 }, () => now)
    expect(allowedOf(5, () => buckets.take("a"))).toBe(4)
    expect(allowedOf(5, () => buckets.take("b"))).toBe(4)
    // "a" is seen again (and refused), so "b" is now the longest unseen and goes when "c" comes.
    expect(buckets.take("a")).toBe(false)
    expect(buckets.take("c")).toBe(true)
    expect(allowedOf(5, () => buckets.take("b"))).toBe(4)
    // "b" coming back pushed out "a", the longest unseen by then: a full bucket again.
    expect(allowedOf(5, () => buckets.take("a"))).toBe(4)
  })
})
