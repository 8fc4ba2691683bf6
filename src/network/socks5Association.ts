/**
 * A SOCKS5 UDP association: its relay socket, each datagram's destination
 * decided, and the client taken only from the process's own tree. Apart from
 * Socks5Proxy.ts because it is the proxy's one UDP path, with its own
 * sockets, bounds and sender checks.
 */
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import type { Duplex } from "node:stream"
import { type HeldSocket, stillHeld, udpSenderInTree } from "../sandbox/peers.js"
import type { Context } from "./Socks5Proxy.js"
import { encodeAddress, parseDatagram, Reply, replyOf, type Target } from "./socks5Messages.js"

/** Whether an address names no one in particular (a UDP ASSOCIATE's `0.0.0.0`, `::`). */
const isUnspecified = (address: string) => address === "0.0.0.0" || address === "::"

/**
 * UDP ASSOCIATE: a relay socket on 127.0.0.1 for this client, answered
 * with its address. Each datagram's destination is decided (protocol
 * `socks5_udp`, the reference's); an allowed one is remembered for the
 * association, up to a bound, with the address it resolved to, and a
 * refused one ends the association as the reference's does. Its client is
 * the first sender the process's tree holds the socket of (fromClient);
 * answers come back to it only from the addresses it sent to. The
 * association lives as long as its TCP connection (RFC 1928 §7).
 */
export const associate = (context: Context, socket: Duplex, client: string, declared: Target) => {
  const { limits } = context
  const relay = Dgram.createSocket("udp4")
  const upstreams = new Map<4 | 6, Dgram.Socket>()
  // Allowed destinations (`host|port`) and the address each goes to; the endpoints whose answers are relayed.
  const allowed = new Map<string, string>()
  const answering = new Set<string>()
  const pending: Array<{ readonly target: Target; readonly data: Buffer }> = []
  // The client's UDP address: the first sender that matches the request and that the process's tree holds.
  let peer: { address: string; port: number } | undefined
  // The client's sockets, held by the process's tree, as found when it was taken (or last looked at).
  let held: ReadonlyArray<HeldSocket> = []
  // Senders looked up in the current second.
  let checks = { second: 0, count: 0 }
  // The datagram's decision under way, if any.
  let deciding: { cancel: () => void } | undefined
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    deciding?.cancel()
    for (const udp of [relay, ...upstreams.values()]) {
      try {
        udp.close()
      } catch {
        // Already closed by its own error.
      }
    }
    socket.destroy()
  }
  const upstreamFor = (address: string): Dgram.Socket => {
    const family = Net.isIPv6(address) ? 6 : 4
    const existing = upstreams.get(family)
    if (existing !== undefined) return existing
    const created = Dgram.createSocket(family === 6 ? "udp6" : "udp4")
    created.on("error", close)
    created.on("message", (data, from) => {
      // Not to a socket that has taken the client's port since it closed.
      if (closed || peer === undefined || !answering.has(`${from.address}|${from.port}`) || !clientHolds()) return
      // One too large with its header is lost, as UDP loses it.
      relay.send(Buffer.concat([Buffer.from([0, 0, 0]), encodeAddress(from.address, from.port), data]), peer.port, peer.address, () => {})
    })
    upstreams.set(family, created)
    return created
  }
  const send = (address: string, port: number, data: Buffer) => {
    const endpoint = `${address}|${port}`
    if (answering.size < limits.udpDestinations) answering.add(endpoint)
    // A send's failure (an unreachable destination) loses the one datagram, as UDP does.
    upstreamFor(address).send(data, port, address, () => {})
  }
  const keyOf = (target: Target) => `${target.host.toLowerCase()}|${target.port}`
  /** Decides the waiting datagrams one at a time, in order. */
  const drain = () => {
    while (!closed && deciding === undefined) {
      const next = pending.shift()
      if (next === undefined) return
      const known = allowed.get(keyOf(next.target))
      if (known !== undefined) {
        send(known, next.target.port, next.data)
        continue
      }
      // Its own record: a verdict may come before `evaluator` returns (nothing to wait for), and go on to the next.
      const decision = { cancel: () => {} }
      deciding = decision
      decision.cancel = context.evaluator({ protocol: "socks5_udp", host: next.target.host, port: next.target.port, client }, (verdict) => {
        if (deciding === decision) deciding = undefined
        if (closed) return
        if (verdict._tag === "Refuse") return close()
        const address = verdict.addresses[0]
        // None: the name did not resolve (local binding allowed, so unchecked); the datagram is lost.
        if (address !== undefined) {
          if (allowed.size < limits.udpDestinations) allowed.set(keyOf(next.target), address)
          send(address, next.target.port, next.data)
        }
        drain()
      }, close)
    }
  }
  /** Whether the process's tree holds the socket(s) that sent from `from` (see udpSenderInTree); false beyond the second's lookups. */
  const heldByTree = (from: Dgram.RemoteInfo): boolean => {
    const second = Math.floor(performance.now() / 1000)
    if (checks.second !== second) checks = { second, count: 0 }
    if (checks.count >= limits.udpSenderChecks) return false
    checks.count++
    const root = context.options.processTree()
    const found = root === undefined ? undefined : udpSenderInTree(root, from, relay.address())
    if (found === undefined) return false
    held = found
    return true
  }
  /** Whether the descriptors where the client's sockets were found hold them still (a readlink each). */
  const clientHolds = () => held.length > 0 && held.every(stillHeld)
  /**
   * Whether a datagram comes from the association's client: its first
   * sender that matches what the request named and whose socket the
   * process's tree holds (any other local process could find the relay's
   * port and send first); then only that address and port, while the tree
   * still holds that socket (another could bind the port once it is
   * closed).
   */
  const fromClient = (from: Dgram.RemoteInfo) => {
    if (peer !== undefined) {
      if (from.address !== peer.address || from.port !== peer.port) return false
      return clientHolds() || heldByTree(from)
    }
    if (!isUnspecified(declared.host) && declared.host !== from.address) return false
    if (declared.port !== 0 && declared.port !== from.port) return false
    if (!heldByTree(from)) return false
    peer = { address: from.address, port: from.port }
    return true
  }
  relay.on("error", close)
  relay.on("message", (bytes, from) => {
    if (closed || !fromClient(from)) return
    const datagram = parseDatagram(bytes)
    if (datagram === undefined) return
    const known = allowed.get(keyOf(datagram.target))
    if (known !== undefined && pending.length === 0) return send(known, datagram.target.port, datagram.data)
    if (pending.length >= limits.udpPending) return
    pending.push(datagram)
    drain()
  })
  relay.bind(0, "127.0.0.1", () => {
    if (closed) return
    const bound = relay.address()
    socket.write(replyOf(Reply.succeeded, bound.address, bound.port))
    // The TCP connection only keeps the association alive: what comes on it is dropped.
    socket.resume()
  })
  // Its client's end ends it (the socket is half-open otherwise).
  socket.once("end", close)
  socket.once("close", close)
}
