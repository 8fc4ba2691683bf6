/**
 * What the command line needs to know about a WebSocket address before any
 * socket exists: parsing `--listen ws://IP:PORT`, loopback checks, token
 * digests. Kept apart from the listener so that a stdio server never loads
 * `ws` and Node's HTTP stack.
 */
import { createHash } from "node:crypto"
import * as Net from "node:net"

/** How often a peer is pinged unless told otherwise. */
export const DEFAULT_PING_INTERVAL_MS = 30_000

/** How long a connection may take to complete its WebSocket upgrade unless told otherwise. */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 5000
/** Connections not upgraded yet kept at once before the oldest is closed. */
export const DEFAULT_MAX_PENDING_UPGRADES = 128

/** How far a signed bearer token's `exp` and `nbf` may be off the clock unless told otherwise: as `codex exec-server`, 30 s. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 30

/** The shortest shared secret for signed bearer tokens: as `codex exec-server` (and RFC 7518, an HS256 key as long as its hash). */
export const MIN_SHARED_SECRET_BYTES = 32

/** True for addresses only this machine can reach. */
export const isLoopback = (host: string): boolean =>
  host === "::1" || (Net.isIPv4(host) && host.startsWith("127.")) || host.toLowerCase() === "::ffff:127.0.0.1"

/** The SHA-256 digest of a token. */
export const sha256 = (token: string): Uint8Array => createHash("sha256").update(token, "utf8").digest()

/** A parsed `--listen ws://IP:PORT` value. */
export interface WebSocketListenUrl {
  readonly host: string
  readonly port: number
}

/**
 * Parses `ws://IP:PORT` (IPv6 in brackets). Host names are refused: the
 * server binds exactly the address it is given.
 */
export const parseListenUrl = (url: string): WebSocketListenUrl | string => {
  const match = /^ws:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url)
  if (match === null) return `expected ws://IP:PORT, got ${JSON.stringify(url)}`
  const host = match[1]!.startsWith("[") ? match[1]!.slice(1, -1) : match[1]!
  if (Net.isIP(host) === 0) return `${JSON.stringify(host)} is not an IP address (host names are not accepted)`
  const port = Number(match[2])
  if (port > 65535) return `port ${port} is out of range`
  return { host, port }
}

/** The `ws://` URL of a bound address. */
export const formatUrl = (host: string, port: number): string =>
  Net.isIPv6(host) ? `ws://[${host}]:${port}` : `ws://${host}:${port}`

/**
 * One client's share of `maxConnections` unless told otherwise: three
 * quarters (at least one), so that a quarter is always left to the others.
 */
export const defaultPerClient = (maxConnections: number): number => Math.max(1, maxConnections - Math.ceil(maxConnections / 4))
