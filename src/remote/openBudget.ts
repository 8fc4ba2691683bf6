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
import { makeKeyedBuckets } from "../rateLimit/tokenBucket.js"

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

export const makeOpenBudget = (now: () => number = Date.now): OpenBudget =>
  makeKeyedBuckets({ burst: OPEN_BURST, perSecond: OPENS_PER_SECOND, maxKeys: MAX_SENDERS }, now)
