/**
 * The server's descriptors that its processes' proxies may hold (issue 82):
 * one process's idle connections to its own proxy ports took every
 * descriptor of a server under an open-file limit of 1,024, so that other
 * processes' proxies could not listen (EMFILE) and another client could not
 * even connect. Connections to every proxy of the server (HTTP, SOCKS5,
 * through the sandbox's bridge too) share one budget, an eighth of the
 * open-file limit (each may open one upstream connection: a quarter at
 * most in all), which leaves the rest to connections, processes and files;
 * past it a connection is closed as it comes. One for the whole process,
 * as the descriptors are the process's.
 */
import type { Duplex } from "node:stream"
import { ASSUMED_OPEN_FILES, openFileLimit } from "../procfs/processes.js"
/** The fewest connections the budget allows, whatever the limit (a proxy must stay usable). */
const MIN_CONNECTIONS = 32

/** How long a proxy connection may stay without its first request (HTTP) before it is closed. */
export const FIRST_REQUEST_MS = 10_000

/** The budget for an open-file limit: an eighth of it, at least MIN_CONNECTIONS. */
const proxyConnectionBudget = (openFiles: number | undefined): number =>
  Math.max(MIN_CONNECTIONS, Math.floor((openFiles ?? ASSUMED_OPEN_FILES) / 8))

let limit: number | undefined
let open = 0

/**
 * Takes a place for a connection to one of the proxies until it closes;
 * false when every place is taken (the caller closes it).
 */
export const admitProxyConnection = (socket: Duplex): boolean => {
  limit ??= proxyConnectionBudget(openFileLimit())
  if (open >= limit || socket.closed) return false
  open++
  socket.once("close", () => void open--)
  return true
}
