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
import * as Net from "node:net"
import type { Duplex } from "node:stream"
import type { InternalError } from "../protocol/errors.js"
import { makeProxyShare } from "./proxyBudget.js"
import { type Connections, type DecideOptions, type Evaluator, listenOnLoopback, lookupOf, makeEvaluator } from "./decide.js"
import { associate } from "./socks5Association.js"
import { endWith, readHandshake } from "./socks5Handshake.js"
import { ATYP_DOMAIN, CONNECT, Reply, replyOf, type Target, UDP_ASSOCIATE } from "./socks5Messages.js"
import { openTunnel, type SocksUpstream, upstreamTarget } from "./tcpUpstream.js"

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

/** What every connection of one proxy shares. */
export interface Context {
  readonly options: Socks5ProxyOptions
  readonly limits: Socks5Limits
  readonly evaluator: Evaluator
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
