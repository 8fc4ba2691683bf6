/**
 * The connections this server's managed proxies (network/) opened on a
 * process's behalf, and whom each serves (issue 67). A connection a proxy
 * opens is held by the server, so the own-server refusal (peers.ts), which
 * asks who holds the peer's socket, would find the server itself and let a
 * sandboxed process's proxied connection in as the server's own; it asks
 * here first, and refuses one that serves a sandboxed process as it refuses
 * the process. One registry for the whole process, as the sockets are the
 * process's: no Node module beyond `node:net`'s types, so the sandbox can
 * read it without loading the proxies.
 */
import type * as Net from "node:net"
import { canonicalAddress } from "../procfs/socketTable.js"

/** The process a proxy's upstream connection serves. */
export interface UpstreamOwner {
  readonly processId: string
  /** Whether the process runs in a sandbox (its connections are refused where it would be). */
  readonly sandboxed: boolean
}

const live = new Map<Net.Socket, UpstreamOwner>()
let sandboxedCount = 0

/** Registers a proxy's upstream socket as serving `owner`, until it closes. */
export const holdUpstream = (socket: Net.Socket, owner: UpstreamOwner): void => {
  if (live.has(socket) || socket.destroyed) return
  live.set(socket, owner)
  if (owner.sandboxed) sandboxedCount++
  socket.once("close", () => {
    if (live.delete(socket) && owner.sandboxed) sandboxedCount--
  })
}

/** Upstream connections open now on behalf of sandboxed processes. */
export const sandboxedUpstreams = (): number => sandboxedCount

/** The two ends of a TCP connection as its accepting side sees them. */
export interface AcceptedEnds {
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
  readonly remoteAddress?: string | undefined
  readonly remotePort?: number | undefined
}

/**
 * Whom the connection accepted with these ends serves, when its other end
 * is one of the proxies' upstream sockets: its local end is the accepted
 * connection's remote end, and its remote end, once Node knows it (not
 * while it is still connecting, which the accepting side may see first),
 * the accepted one's local end (an ephemeral port may be shared by
 * connections to different destinations).
 */
export const upstreamOwnerOf = (ends: AcceptedEnds): UpstreamOwner | undefined => {
  if (live.size === 0 || ends.localAddress === undefined || ends.remoteAddress === undefined) return undefined
  const local = canonicalAddress(ends.localAddress)
  const remote = canonicalAddress(ends.remoteAddress)
  for (const [socket, owner] of live) {
    const own = socket.localAddress
    if (socket.localPort !== ends.remotePort || own === undefined || canonicalAddress(own) !== remote) continue
    const peer = socket.remoteAddress
    if (peer !== undefined && (socket.remotePort !== ends.localPort || canonicalAddress(peer) !== local)) continue
    return owner
  }
  return undefined
}
