/**
 * The server's descriptors that its processes' proxies may hold (issue 82):
 * one process's idle connections to its own proxy ports took every
 * descriptor of a server under an open-file limit of 1,024, so that other
 * processes' proxies could not listen (EMFILE) and another client could not
 * even connect. Connections to every proxy of the server (HTTP, SOCKS5,
 * through the sandbox's bridge and transparent TCP's relay too) share one
 * budget, an eighth of the open-file limit (each may open one upstream
 * connection: a quarter at most in all), which leaves the rest to
 * connections, processes and files; past it a connection is closed as it
 * comes. One for the whole process, as the descriptors are the process's.
 *
 * Within it, each process's proxies together hold at most a quarter of the
 * budget (its share): a process that holds its tunnels open (a transparent
 * sandbox connects by the hundred without sending) would otherwise take
 * every place, and every other process's proxies would close what comes.
 */
import type { Duplex } from "node:stream"
import { ASSUMED_OPEN_FILES, openFileLimit } from "../procfs/processes.js"
/** The fewest connections the budget allows, whatever the limit (a proxy must stay usable). */
const MIN_CONNECTIONS = 32

/** The fewest connections one process's share allows. */
const MIN_SHARE = 16

/** How long a proxy connection may stay without its first request (HTTP) before it is closed. */
export const FIRST_REQUEST_MS = 10_000

/** The budget for an open-file limit: an eighth of it, at least MIN_CONNECTIONS. */
const proxyConnectionBudget = (openFiles: number | undefined): number =>
  Math.max(MIN_CONNECTIONS, Math.floor((openFiles ?? ASSUMED_OPEN_FILES) / 8))

/** One process's share of a budget: a quarter of it, at least MIN_SHARE. */
const shareOf = (budget: number): number => Math.max(MIN_SHARE, Math.floor(budget / 4))

let limit: number | undefined
let open = 0

const budget = (): number => (limit ??= proxyConnectionBudget(openFileLimit()))

/** What one process's proxies hold of the budget together. */
export interface ProxyShare {
  /**
   * Takes a place for a connection to one of the process's proxies until
   * it closes; false when the process's share or the budget is full (the
   * caller closes it).
   */
  readonly admit: (socket: Duplex) => boolean
}

/** A process's share, for all of its proxies. */
export const makeProxyShare = (): ProxyShare => {
  let held = 0
  return {
    admit: (socket) => {
      const total = budget()
      if (open >= total || held >= shareOf(total) || socket.closed) return false
      open++
      held++
      socket.once("close", () => {
        open--
        held--
      })
      return true
    }
  }
}
