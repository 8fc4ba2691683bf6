/**
 * Token buckets: a bucket holds up to `burst` tokens and regains
 * `perSecond` of them a second; taking one is allowed while one is left.
 * A caller spends what it needs at once and then at the steady rate, and
 * a loop is refused at the cost of one subtraction. The state is a value
 * and every step is given the time (`now`, in ms), so tests need no clock;
 * the makers below keep the state and read a clock passed to them.
 */

/** How fast a bucket refills and how much it holds. */
export interface Rate {
  /** Tokens a full bucket holds: what may be taken at once. */
  readonly burst: number
  /** Tokens regained per second. */
  readonly perSecond: number
}

/** A bucket's state: its tokens as of `at` (ms). */
export interface Bucket {
  readonly tokens: number
  readonly at: number
}

/** A full bucket at `now`. */
export const full = (rate: Rate, now: number): Bucket => ({ tokens: rate.burst, at: now })

/** The tokens `bucket` holds at `now` (refilled since its `at`, up to the burst; a clock gone back refills nothing). */
export const tokensAt = (bucket: Bucket, rate: Rate, now: number): number =>
  Math.min(rate.burst, bucket.tokens + Math.max(0, now - bucket.at) / 1000 * rate.perSecond)

/** Takes one token at `now`: whether one was there, and the bucket after (as of `now`). */
export const take = (bucket: Bucket, rate: Rate, now: number): { readonly allowed: boolean; readonly bucket: Bucket } => {
  const tokens = tokensAt(bucket, rate, now)
  const allowed = tokens >= 1
  return { allowed, bucket: { tokens: allowed ? tokens - 1 : tokens, at: now } }
}

/** One bucket, kept. */
export interface TokenBucket {
  /** Whether a token was there now (taking it). */
  readonly take: () => boolean
}

/** One bucket of `rate`, full at first, read at the times `now` gives. */
export const makeTokenBucket = (rate: Rate, now: () => number = Date.now): TokenBucket => {
  let bucket: Bucket | undefined
  return {
    take: () => {
      const time = now()
      const next = take(bucket ?? full(rate, time), rate, time)
      bucket = next.bucket
      return next.allowed
    }
  }
}

/** A bucket per key (a sender, a peer), each of the same rate. */
export interface KeyedBuckets {
  /** Whether `key` had a token now (taking it). */
  readonly take: (key: string) => boolean
}

/**
 * A bucket per key, each full when first seen. At most `maxKeys` are kept:
 * beyond, the longest unseen is forgotten (its bucket full again when it
 * comes back), so a stream of new keys cannot grow the table.
 */
export const makeKeyedBuckets = (
  options: Rate & { readonly maxKeys: number },
  now: () => number = Date.now
): KeyedBuckets => {
  const buckets = new Map<string, Bucket>()
  return {
    take: (key) => {
      const time = now()
      const next = take(buckets.get(key) ?? full(options, time), options, time)
      // Seen last goes last: the first in the map is the longest unseen.
      buckets.delete(key)
      if (buckets.size >= options.maxKeys) buckets.delete(buckets.keys().next().value!)
      buckets.set(key, next.bucket)
      return next.allowed
    }
  }
}
