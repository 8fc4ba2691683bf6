/**
 * How many lines one peer may make the server log: refusals of
 * unauthenticated requests cost the peer nothing, and without a bound a
 * loop of them fills the operator's disk (about 1 MiB/s from one client).
 * Each peer address may have a few lines logged per window, and all peers
 * together a few more; what is held back is counted and said in one line
 * when that peer is next logged. Metrics still count every event.
 */

/** Lines one peer may have logged per window. */
export const LINES_PER_PEER = 20
/** Lines all peers together may have logged per window. */
export const LINES_PER_WINDOW = 200
/** The window, in ms. */
export const WINDOW_MS = 10_000
/** Peers remembered in a window at most; beyond, the others share the overall budget only. */
const MAX_PEERS = 4096

/** What a line that is logged adds to its annotations: how many of its peer's were not logged before it, if any. */
export type HeldBack = { readonly notLogged?: number }

/** A budget of log lines per peer and overall, per window. */
export interface LogBudget {
  /** Whether a line for `peer` (an address; its port is ignored) is logged now: its extra annotations if so, else undefined. */
  readonly take: (peer: string | undefined) => HeldBack | undefined
}

/** The host part of `address` (`IP:PORT`, `[IPv6]:PORT` or bare). */
const hostOf = (address: string): string => {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address)
  if (bracketed !== null) return bracketed[1]!
  // An IPv4 address with a port has one colon; a bare IPv6 address has several.
  return address.split(":").length === 2 ? address.slice(0, address.lastIndexOf(":")) : address
}

export const makeLogBudget = (now: () => number = Date.now): LogBudget => {
  let windowStart = now()
  let total = 0
  const peers = new Map<string, { logged: number; heldBack: number }>()
  return {
    take: (peer) => {
      if (now() - windowStart >= WINDOW_MS) {
        windowStart = now()
        total = 0
        // Counts of lines held back survive into the next window, to be said there.
        for (const [key, entry] of peers) {
          if (entry.heldBack === 0) peers.delete(key)
          else entry.logged = 0
        }
      }
      const key = peer === undefined ? "unknown" : hostOf(peer)
      let entry = peers.get(key)
      if (entry === undefined && peers.size < MAX_PEERS) {
        entry = { logged: 0, heldBack: 0 }
        peers.set(key, entry)
      }
      if (total >= LINES_PER_WINDOW || (entry !== undefined && entry.logged >= LINES_PER_PEER)) {
        if (entry !== undefined) entry.heldBack++
        return undefined
      }
      total++
      if (entry === undefined) return {}
      entry.logged++
      const heldBack = entry.heldBack
      entry.heldBack = 0
      return heldBack > 0 ? { notLogged: heldBack } : {}
    }
  }
}
