/**
 * How fast one sender may open streams to an executor. NATS tells the
 * executor nothing of who published an open but its reply subject, whose
 * inbox prefix (`_INBOX.<id>` of a request's `_INBOX.<id>.<n>`) is one NATS
 * connection's; so a sender is that prefix. Each has a bucket of opens that
 * refills at a steady rate: a client, or the gateway carrying many, opens
 * what it needs at once, and a loop of opens (each costs a token check and
 * a subscription) is refused before any of that is done. A sender that
 * makes up a new reply subject for each open is one sender per open, so
 * the cap on streams and the deadline to initialize still bound it.
 */

/** Opens one sender may make at once (the executor's stream cap twice over). */
export const OPEN_BURST = 256
/** Opens per second a sender's bucket regains. */
export const OPENS_PER_SECOND = 64
/** Senders tracked at most; beyond, the longest unseen is forgotten (a full bucket again). */
const MAX_SENDERS = 4096

/** The sender of an open: its reply subject without the request's own last token. */
export const senderOf = (reply: string | undefined): string => {
  if (reply === undefined || reply === "") return "(no reply subject)"
  const tokens = reply.split(".")
  return tokens.length >= 3 ? tokens.slice(0, -1).join(".") : reply
}

/** Per-sender buckets of opens. */
export interface OpenBudget {
  /** Whether `sender` may open a stream now (taking one open from its bucket). */
  readonly take: (sender: string) => boolean
}

export const makeOpenBudget = (now: () => number = Date.now): OpenBudget => {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take: (sender) => {
      const time = now()
      const last = buckets.get(sender)
      const tokens = last === undefined ? OPEN_BURST : Math.min(OPEN_BURST, last.tokens + (time - last.at) / 1000 * OPENS_PER_SECOND)
      // Seen last goes last: the first in the map is the longest unseen.
      buckets.delete(sender)
      if (buckets.size >= MAX_SENDERS) buckets.delete(buckets.keys().next().value!)
      const allowed = tokens >= 1
      buckets.set(sender, { tokens: allowed ? tokens - 1 : tokens, at: time })
      return allowed
    }
  }
}
