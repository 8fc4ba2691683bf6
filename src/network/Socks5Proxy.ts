/**
 * A process's SOCKS5 proxy on loopback (issue 46; RFC 1928; **ours**: the
 * process's credential required, RFC 1929's username/password), deciding
 * through the same evaluation as the HTTP proxy (decide.ts) with the
 * reference's replies (docs/PROTOCOL.md, "The managed network proxy"):
 * CONNECT to an IPv4, IPv6 or named target (socks5h: a name is decided
 * before anything resolves it, then resolved once, and the connection goes
 * to the addresses checked), and, when enabled, UDP ASSOCIATE with each
 * destination decided, from a socket of the process's own tree only.
 * What a local client could make it hold is bounded: the handshake's bytes
 * and time, the connections, and an association's destinations, waiting
 * datagrams and lookups of unknown senders.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import type { Duplex } from "node:stream"
import type { InternalError } from "../protocol/errors.js"
import { makeProxyShare } from "./proxyBudget.js"
import { type Connections, type DecideOptions, type Evaluator, listenOnLoopback, lookupOf, makeEvaluator } from "./decide.js"
import { ipv6Bytes } from "./ipBytes.js"
import { openTunnel, type SocksUpstream, upstreamTarget } from "./tcpUpstream.js"
import { type HeldSocket, stillHeld, udpSenderInTree } from "../sandbox/peers.js"

/** Bounds on what an untrusted local client can make the proxy hold. */
export interface Socks5Limits {
  /** How long the greeting and the request may take to arrive (ms); the connection is closed after. */
  readonly handshakeTimeoutMs: number
  /** Connections served at once, however they came; one more is closed at once. */
  readonly maxConnections: number
  /** Destinations a UDP association remembers as allowed; one beyond is decided again for each datagram. */
  readonly udpDestinations: number
  /** Datagrams a UDP association holds while their destination is decided; more are dropped. */
  readonly udpPending: number
  /**
   * Senders a UDP association looks up a second (each a read of the
   * socket tables and of the process tree's descriptors): before it has a
   * client, or when the client's socket is no longer where it was found;
   * beyond, such datagrams are dropped unread.
   */
  readonly udpSenderChecks: number
}

/** The bounds unless the options say otherwise. */
export const DEFAULT_LIMITS: Socks5Limits = {
  handshakeTimeoutMs: 5_000,
  maxConnections: 256,
  udpDestinations: 64,
  udpPending: 64,
  udpSenderChecks: 64
}

/** What the proxy decides with (the HTTP proxy's options), and whether it relays UDP. */
export interface Socks5ProxyOptions extends DecideOptions {
  /** UDP ASSOCIATE is served (`enableSocks5Udp`); otherwise it is answered 7, as the reference does. */
  readonly udp: boolean
  /**
   * The pid of the process the proxy serves, once it runs (undefined
   * before): an association takes datagrams only from a UDP socket that
   * this process or one of its descendants holds.
   */
  readonly processTree: () => number | undefined
  readonly limits?: Partial<Socks5Limits>
  /**
   * The operator's mandatory upstream (`--tcp-upstream-proxy`): an allowed
   * CONNECT goes through it or is refused (reply 5), never dialled here.
   * None: CONNECT dials its destination.
   */
  readonly upstream?: SocksUpstream | undefined
}

/** A listening proxy. */
export interface Socks5Proxy {
  /** Its port on 127.0.0.1. */
  readonly port: number
  /** Serves a connection accepted elsewhere (the sandbox bridge's Unix socket), its notes saying `client`. */
  readonly serve: (socket: Duplex, client: string) => void
}

/** The reply codes the reference sends (RFC 1928 §6). */
export const Reply = {
  succeeded: 0,
  /** Every refusal of the policy or the mode. */
  notAllowed: 2,
  /** Every failure to reach an allowed target: refused, unreachable, or a name that did not resolve. */
  refused: 5,
  /** BIND, and UDP ASSOCIATE when UDP is off. */
  commandNotSupported: 7,
  /** UDP ASSOCIATE naming the client's address by a domain name. */
  addressNotSupported: 8
} as const

const VERSION = 5
const NO_AUTHENTICATION = 0
/** RFC 1929's method: what a process's proxy requires (its credential, proxyCredential.ts). */
const USERNAME_PASSWORD = 2
const NO_ACCEPTABLE_METHOD = 0xff
/** RFC 1929's version of its subnegotiation, and its status bytes. */
const AUTHENTICATION_VERSION = 1
const AUTHENTICATED = 0
const NOT_AUTHENTICATED = 1
const CONNECT = 1
const UDP_ASSOCIATE = 3
const ATYP_IPV4 = 1
const ATYP_DOMAIN = 3
const ATYP_IPV6 = 4

/** Where a request or a datagram goes. */
interface Target {
  readonly addressType: number
  readonly host: string
  readonly port: number
}

/** A step of a parse: more bytes needed, not SOCKS5 (the connection is closed), or the value and the bytes it took. */
type Parsed<A> = { readonly _tag: "More" } | { readonly _tag: "Bad" } | { readonly _tag: "Done"; readonly value: A; readonly length: number }

const MORE = { _tag: "More" } as const
const BAD = { _tag: "Bad" } as const

/** The greeting: version 5 and at least one method (the reference closes on none); at most 257 bytes. */
const parseGreeting = (bytes: Buffer): Parsed<ReadonlyArray<number>> => {
  if (bytes.length >= 1 && bytes[0] !== VERSION) return BAD
  if (bytes.length < 2) return MORE
  const count = bytes[1]!
  if (count === 0) return BAD
  if (bytes.length < 2 + count) return MORE
  return { _tag: "Done", value: [...bytes.subarray(2, 2 + count)], length: 2 + count }
}

/** RFC 1929's request: version 1, a user name and a password of 0–255 bytes each; at most 513 bytes. */
const parseAuthentication = (bytes: Buffer): Parsed<{ readonly username: string; readonly password: string }> => {
  if (bytes.length >= 1 && bytes[0] !== AUTHENTICATION_VERSION) return BAD
  if (bytes.length < 2) return MORE
  const userEnd = 2 + bytes[1]!
  if (bytes.length < userEnd + 1) return MORE
  const passwordEnd = userEnd + 1 + bytes[userEnd]!
  if (bytes.length < passwordEnd) return MORE
  return {
    _tag: "Done",
    value: { username: bytes.subarray(2, userEnd).toString("latin1"), password: bytes.subarray(userEnd + 1, passwordEnd).toString("latin1") },
    length: passwordEnd
  }
}

/** An address and port at `offset`: IPv4, a name of 1–255 bytes, or IPv6; any other type is not SOCKS5 (the reference closes). */
const parseTarget = (bytes: Buffer, offset: number): Parsed<Target> => {
  if (bytes.length <= offset) return MORE
  const addressType = bytes[offset]!
  let start = offset + 1
  let size: number
  if (addressType === ATYP_IPV4) size = 4
  else if (addressType === ATYP_IPV6) size = 16
  else if (addressType === ATYP_DOMAIN) {
    if (bytes.length <= start) return MORE
    size = bytes[start]!
    if (size === 0) return BAD
    start += 1
  } else return BAD
  if (bytes.length < start + size + 2) return MORE
  const raw = bytes.subarray(start, start + size)
  const host = addressType === ATYP_IPV4 ? [...raw].join(".") : addressType === ATYP_IPV6 ? ipv6Text(raw) : raw.toString("latin1")
  return { _tag: "Done", value: { addressType, host, port: bytes.readUInt16BE(start + size) }, length: start + size + 2 - offset }
}

/** The request after the greeting: version, command, reserved byte, target; at most 262 bytes. */
const parseRequest = (bytes: Buffer): Parsed<Target & { readonly command: number }> => {
  if (bytes.length >= 1 && bytes[0] !== VERSION) return BAD
  if (bytes.length < 3) return MORE
  const target = parseTarget(bytes, 3)
  return target._tag === "Done" ? { _tag: "Done", value: { ...target.value, command: bytes[1]! }, length: 3 + target.length } : target
}

/**
 * A UDP request's header (reserved, fragment, target) and its data.
 * Fragments are dropped (RFC 1928 §7 allows it), and so is port 0, which
 * no datagram can be sent to.
 */
const parseDatagram = (bytes: Buffer): { readonly target: Target; readonly data: Buffer } | undefined => {
  if (bytes.length < 4 || bytes[2] !== 0) return undefined
  const target = parseTarget(bytes, 3)
  return target._tag === "Done" && target.value.port !== 0 ? { target: target.value, data: bytes.subarray(3 + target.length) } : undefined
}

/** An IPv6 address from its 16 bytes, written as the reference writes it (RFC 5952: `2001:db8::1`, `::ffff:127.0.0.1`). */
const ipv6Text = (raw: Buffer): string => {
  if (raw.subarray(0, 10).every((byte) => byte === 0) && raw.readUInt16BE(10) === 0xffff) return `::ffff:${[...raw.subarray(12)].join(".")}`
  const groups = Array.from({ length: 8 }, (_, index) => raw.readUInt16BE(index * 2).toString(16)).join(":")
  // The URL parser compresses it the canonical way.
  return new URL(`http://[${groups}]/`).hostname.slice(1, -1)
}

/** An address and port as SOCKS writes them (IPv4 `0.0.0.0:0` when there is none). */
const encodeAddress = (address: string | undefined, port: number): Buffer => {
  const portBytes = Buffer.alloc(2)
  portBytes.writeUInt16BE(port)
  if (address !== undefined && Net.isIPv6(address)) return Buffer.concat([Buffer.from([ATYP_IPV6]), ipv6Bytes(address), portBytes])
  const ipv4 = address !== undefined && Net.isIPv4(address) ? address.split(".").map(Number) : [0, 0, 0, 0]
  return Buffer.concat([Buffer.from([ATYP_IPV4, ...ipv4]), portBytes])
}

/** A reply: the code and the bound address (`0.0.0.0:0` for a refusal, as the reference's). */
const replyOf = (code: number, address?: string, port = 0): Buffer =>
  Buffer.concat([Buffer.from([VERSION, code, 0]), encodeAddress(address, port)])

/** What every connection of one proxy shares. */
interface Context {
  readonly options: Socks5ProxyOptions
  readonly limits: Socks5Limits
  readonly evaluator: Evaluator
}

/**
 * Answers with a last message and ends the connection; what the client
 * still sends is read and dropped (closing on unread bytes would reset it,
 * and could lose the reply), for at most the handshake's time.
 */
const endWith = (context: Context, socket: Duplex, bytes: Buffer) => {
  socket.end(bytes)
  socket.resume()
  const timer = setTimeout(() => socket.destroy(), context.limits.handshakeTimeoutMs)
  socket.once("close", () => clearTimeout(timer))
}

/**
 * Reads the greeting (answered at once), the credential when the proxy has
 * one (RFC 1929; a client that offers no username/password, or the wrong
 * one, is answered as the RFC says and closed, nothing decided), and the
 * request, which must all arrive within the handshake's time; each is a few
 * hundred bytes at most, and a parse wants more only below that, so no more
 * is ever held. Anything after the request (a client that did not wait for
 * the reply) is passed on as `head`; the socket is paused from then on.
 */
const readHandshake = (
  context: Context,
  socket: Duplex,
  onRequest: (request: Target & { readonly command: number }, head: Buffer) => void
) => {
  let held: Buffer = Buffer.alloc(0)
  const credential = context.options.credential
  let stage: "greeting" | "authentication" | "request" = "greeting"
  const timer = setTimeout(() => socket.destroy(), context.limits.handshakeTimeoutMs)
  // A client that ends before its request is complete will send none.
  const ended = () => socket.destroy()
  const stop = () => {
    clearTimeout(timer)
    socket.off("data", onData)
    socket.off("end", ended)
    socket.pause()
  }
  const onData = (chunk: Buffer) => {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk])
    if (stage === "greeting") {
      const greeting = parseGreeting(held)
      if (greeting._tag === "More") return
      if (greeting._tag === "Bad") return socket.destroy()
      const method = credential === undefined ? NO_AUTHENTICATION : USERNAME_PASSWORD
      if (!greeting.value.includes(method)) {
        stop()
        return endWith(context, socket, Buffer.from([VERSION, NO_ACCEPTABLE_METHOD]))
      }
      socket.write(Buffer.from([VERSION, method]))
      stage = credential === undefined ? "request" : "authentication"
      held = held.subarray(greeting.length)
    }
    if (stage === "authentication") {
      const authentication = parseAuthentication(held)
      if (authentication._tag === "More") return
      if (authentication._tag === "Bad") return socket.destroy()
      if (credential?.accepts(authentication.value.username, authentication.value.password) !== true) {
        stop()
        return endWith(context, socket, Buffer.from([AUTHENTICATION_VERSION, NOT_AUTHENTICATED]))
      }
      socket.write(Buffer.from([AUTHENTICATION_VERSION, AUTHENTICATED]))
      stage = "request"
      held = held.subarray(authentication.length)
    }
    const request = parseRequest(held)
    if (request._tag === "More") return
    if (request._tag === "Bad") return socket.destroy()
    stop()
    onRequest(request.value, held.subarray(request.length))
  }
  socket.on("data", onData)
  socket.once("end", ended)
  socket.once("close", () => clearTimeout(timer))
}

/** CONNECT: decided, then connected to the checked addresses, answered with the bound address, then piped both ways. */
const connect = (context: Context, socket: Duplex, client: string, target: Target, head: Buffer) => {
  const cancel = context.evaluator({ protocol: "socks5_tcp", host: target.host, port: target.port, client }, (verdict) => {
    if (verdict._tag === "Refuse") return endWith(context, socket, replyOf(Reply.notAllowed))
    if (socket.destroyed) return
    // Node refuses port 0 by throwing; the reference's connect fails, and so is answered 5.
    if (target.port === 0) return endWith(context, socket, replyOf(Reply.refused))
    const mandatory = context.options.upstream
    if (mandatory !== undefined) return throughUpstream(context, socket, mandatory, target, head)
    const interceptor = context.evaluator.interceptor
    if (interceptor?.wants(target.host, target.port) === true) {
      // Its own requests go on to the real destination: no address of ours to report.
      socket.write(replyOf(Reply.succeeded, "0.0.0.0", 0))
      return interceptor.serve(socket, { host: target.host, port: target.port, addresses: verdict.addresses }, head)
    }
    // Node clears `connecting` before it reports a failed connect, so whether it connected is kept here.
    let connected = false
    const upstream = Net.connect({ host: target.host, port: target.port, lookup: lookupOf(verdict.addresses) }, () => {
      connected = true
      socket.write(replyOf(Reply.succeeded, upstream.localAddress, upstream.localPort))
      if (head.length > 0) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
      socket.resume()
    })
    context.evaluator.hold(upstream)
    upstream.on("error", () => {
      if (!connected) endWith(context, socket, replyOf(Reply.refused))
      else socket.destroy()
    })
    socket.once("close", () => upstream.destroy())
  }, () => socket.destroy())
  socket.once("close", cancel)
}

/**
 * An allowed CONNECT under a mandatory upstream: through its tunnel to the
 * destination's address, answered with the tunnel's local address, then
 * piped both ways; refused with reply 5, the upstream not contacted, where
 * the destination may not use it (the process's config does not allow one,
 * a name rather than an address, loopback, private without
 * `--proxy-private-ips-via-upstream`), and reply 5 when the upstream fails. Masked credentials' tunnels (which would dial
 * the destination themselves) are refused the same way.
 */
const throughUpstream = (
  context: Context,
  socket: Duplex,
  upstream: SocksUpstream,
  target: Target,
  head: Buffer
) => {
  const destination = upstreamTarget(upstream, target.host)
  if (destination === undefined || upstream.proxy === undefined || context.evaluator.interceptor?.wants(target.host, target.port) === true) {
    return endWith(context, socket, replyOf(Reply.refused))
  }
  const tunnel = openTunnel(upstream.proxy, destination, target.port, (opened, rest) => {
    if (socket.destroyed) return void opened.destroy()
    socket.write(replyOf(Reply.succeeded, opened.localAddress, opened.localPort))
    if (rest.length > 0) socket.write(rest)
    if (head.length > 0) opened.write(head)
    opened.on("error", () => socket.destroy())
    opened.pipe(socket)
    socket.pipe(opened)
    opened.resume()
    socket.resume()
  }, () => {
    if (!socket.destroyed) endWith(context, socket, replyOf(Reply.refused))
  })
  context.evaluator.hold(tunnel)
  socket.once("close", () => tunnel.destroy())
}

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
const associate = (context: Context, socket: Duplex, client: string, declared: Target) => {
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

/** One connection, from its first byte. */
const serveConnection = (context: Context, socket: Duplex, client: string) => {
  socket.on("error", () => socket.destroy())
  readHandshake(context, socket, (request, head) => {
    if (request.command === CONNECT) return connect(context, socket, client, request, head)
    if (request.command === UDP_ASSOCIATE && context.options.udp) {
      if (request.addressType === ATYP_DOMAIN) return endWith(context, socket, replyOf(Reply.addressNotSupported))
      return associate(context, socket, client, request)
    }
    endWith(context, socket, replyOf(Reply.commandNotSupported))
  })
}

/**
 * Listens on a free loopback port until the scope closes; `serve` takes
 * connections that came another way. Closing the scope stops the
 * evaluations under way and closes every connection, whichever way it came
 * (and with it its upstream connection or UDP association).
 */
export const make = (options: Socks5ProxyOptions): Effect.Effect<Socks5Proxy, InternalError, Scope.Scope> =>
  Effect.gen(function*() {
    const context: Context = { options, limits: { ...DEFAULT_LIMITS, ...options.limits }, evaluator: yield* makeEvaluator(options) }
    const share = options.share ?? makeProxyShare()
    // Connections come only once it listens, and so once this is set.
    let listening: (Connections & { readonly port: number }) | undefined
    const serve = (socket: Duplex, client: string) => {
      if (listening === undefined || listening.closed() || listening.sockets.size >= context.limits.maxConnections || !share.admit(socket)) {
        return void socket.destroy()
      }
      const { sockets } = listening
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
      serveConnection(context, socket, client)
    }
    // A client that ends its input after its request still gets the answer: its end goes on to the destination.
    const server = Net.createServer({ allowHalfOpen: true }, (socket) => serve(socket, `${socket.remoteAddress}:${socket.remotePort}`))
    listening = yield* listenOnLoopback(server)
    const port = listening.port
    return { port, serve }
  })
