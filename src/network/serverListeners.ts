/**
 * Whether a destination a proxy would connect to is served by this process
 * (issue 67): its protocol listener, the console's, the metrics', a
 * gateway's, the proxies' own ports and UDP relays, an embedding
 * application's. Whatever a process's rules allow (`127.0.0.1`, `localhost`,
 * `*` with `allowLocalBinding`), its proxies never connect there: the
 * server's listener would take the proxy's connection for the server's own,
 * and a sandboxed process would get unconfined ones through it.
 *
 * Only a local destination can be one of ours: a loopback address, an
 * unspecified one (which Linux connects to this host), or an address of
 * one of this host's interfaces (an IPv4 one embedded in an IPv6 form
 * counts as itself). For those, the kernel's socket tables of the server's
 * network namespace are read: a TCP socket in LISTEN (any UDP socket) on
 * that port, bound to that address or to a wildcard, whose inode this
 * process holds among its descriptors. A public destination costs nothing.
 * What cannot be read is taken for ours (fail closed).
 */
import * as Net from "node:net"
import { descriptorsOf, socketInodeOf } from "../procfs/processes.js"
import { canonicalAddress, type IpProtocol, type SocketRow, socketRows, TCP_LISTEN, UNSPECIFIED_ADDRESSES } from "../procfs/socketTable.js"
import { hostAddresses } from "./hostAddresses.js"
import { ipv6Bytes } from "./ipBytes.js"



/**
 * An address in the socket tables' canonical form (socketTable.ts), an IPv4
 * address an IPv6 one carries taken as itself (IPv4-mapped
 * `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64's `64:ff9b::a.b.c.d`);
 * undefined when it is no address.
 */
const destinationKey = (address: string): string | undefined => {
  const canonical = canonicalAddress(address.split("%")[0]!)
  if (canonical === undefined) return undefined
  const bytes = ipv6Bytes(canonical.slice(1, -1))
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((byte) => byte === 0)
  const compatible = zeros(0, 12) && !zeros(12, 15)
  const nat64 = bytes.readUInt32BE(0) === 0x0064ff9b && zeros(4, 12)
  return compatible || nat64 ? canonicalAddress([...bytes.subarray(12)].join(".")) : canonical
}

/** Whether a key is loopback (127.0.0.0/8, ::1). */
const isLoopback = (key: string): boolean => {
  const bytes = ipv6Bytes(key.slice(1, -1))
  const mapped = bytes.subarray(0, 10).every((byte) => byte === 0) && bytes.readUInt16BE(10) === 0xffff
  return key === "[::1]" || (mapped && bytes[12] === 127)
}

/** How long the host's interface addresses are taken as read (they come and go, rarely; reading them costs about 80 µs). */
const INTERFACES_FRESH_MS = 1_000

/** Whether connecting to `address` reaches this host. */
export const isLocalDestination = (address: string): boolean => {
  const key = destinationKey(address)
  return key !== undefined && (isLoopback(key) || UNSPECIFIED_ADDRESSES.has(key) || hostAddresses(INTERFACES_FRESH_MS).has(key))
}

/** The inodes of the sockets this process holds. */
const ownSocketInodes = (): Set<string> | undefined => {
  const fds = descriptorsOf("self")
  if (fds === false || fds.length === 0) return undefined
  const inodes = new Set<string>()
  for (const fd of fds) {
    const inode = socketInodeOf(fd.target)
    if (inode !== undefined) inodes.add(inode)
  }
  return inodes
}

/**
 * The sockets of this host that connecting to `address:port` over
 * `protocol` may reach: TCP's listeners (UDP's: any socket) on that port,
 * bound to that address or to a wildcard; none for a destination that is
 * not local (nothing is read then), undefined when the tables cannot be
 * read.
 */
export const localListenersAt = (address: string, port: number, protocol: IpProtocol): ReadonlyArray<SocketRow> | undefined => {
  if (Net.isIP(address.split("%")[0]!) === 0 || !isLocalDestination(address)) return []
  const destination = destinationKey(address)!
  const rows = socketRows(protocol, (key) => key.localPort === port && (protocol === "udp" || key.state === TCP_LISTEN), true)
  // A wildcard-bound socket serves every local address; an unspecified destination reaches any of them.
  return rows?.filter((row) =>
    UNSPECIFIED_ADDRESSES.has(row.local.address) || UNSPECIFIED_ADDRESSES.has(destination) || row.local.address === destination
  )
}

/**
 * Whether connecting to `address:port` over `protocol` may reach a socket
 * of this process: TCP's listeners (CONNECT, a forwarded request) or UDP's
 * (a SOCKS5 datagram). Only a local destination is looked up.
 */
export const isServerListener = (address: string, port: number, protocol: IpProtocol): boolean => {
  const candidates = localListenersAt(address, port, protocol)
  if (candidates === undefined) return true
  if (candidates.length === 0) return false
  const ours = ownSocketInodes()
  return ours === undefined || candidates.some((row) => ours.has(row.inode))
}
