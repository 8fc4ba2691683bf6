/**
 * The WebSocket transport: a `ws` server on one IP and port, one JSON-RPC
 * message per frame, each socket its own connection. Ping/pong keep-alive
 * drops peers that stop answering (each accepted socket: socketConnection.ts).
 * Built on `ws` directly because the
 * upgrade request must be inspectable (and refusable) before a connection
 * exists.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import * as Metrics from "../observability/metrics.js"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Http from "node:http"
import * as Net from "node:net"
import { WebSocketServer } from "ws"
import type { Duplex } from "node:stream"
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/JsonRpc.js"
import { type FrameTransport, makeHandoff, ServerTransport, TransportError } from "../jsonrpc/Transport.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import { ArrivingBytes, defaultArrivingLimit } from "../wire/arrivingBytes.js"
import { socketTransport } from "./socketConnection.js"

export { sendText } from "../wire/writers.js"
export { closeReason, MAX_CLOSE_REASON_BYTES } from "./closeReason.js"
import { addressOf, answerHttp, bearerOf, makeAdmission, pathOf, refusalOf, refuse } from "./admission.js"
import { DEFAULT_MAX_PENDING_UPGRADES, DEFAULT_PING_INTERVAL_MS, DEFAULT_UPGRADE_TIMEOUT_MS, defaultPerClient, formatUrl } from "./listenUrl.js"

export { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MIN_SHARED_SECRET_BYTES, type SignedBearerOptions } from "./signedBearer.js"
import { signedBearerGrants, signedBearerSubject } from "./signedBearer.js"
import { markThisProcess } from "../sandbox/execServerMark.js"
export { DEFAULT_MAX_PENDING_UPGRADES, DEFAULT_PING_INTERVAL_MS, DEFAULT_UPGRADE_TIMEOUT_MS, formatUrl, isLoopback, parseListenUrl, sha256, type WebSocketListenUrl } from "./listenUrl.js"

export type {
  HttpHandler,
  ListenerHandover,
  Mount,
  MountRefusal,
  RoutedConnection,
  RouteRefusal,
  UpgradeRequest,
  UpgradeRoute,
  WebSocketListenOptions
} from "./webSocketOptions.js"
import type { ListenerHandover, RoutedConnection, UpgradeRoute, WebSocketListenOptions } from "./webSocketOptions.js"

export { refusalOf } from "./admission.js"

/**
 * Listens in the current scope and returns the listener (`transport`) and its URL.
 * Closing the scope stops accepting and closes every socket.
 */
export const make = (
  options: WebSocketListenOptions
): Effect.Effect<
  {
    readonly transport: typeof ServerTransport.Service
    readonly url: string
    /** The mounted application's connections (none without `mount`). */
    readonly mounted: Stream.Stream<FrameTransport>
    /** Hands the listening socket to a server replacing this one (`makeRouted`'s). */
    readonly handOver: ListenerHandover
  },
  TransportError,
  Scope.Scope | Sandbox
> =>
  Effect.map(makeRouted({ ...options, route: admitEvery }), ({ accept, connections, handOver, mounted, url }) => {
    const transport: typeof ServerTransport.Service = {
      url,
      connections: Stream.map(connections, (connection) => connection.transport),
      accept: (serve) => accept((connection) => serve(connection.transport))
    }
    return { transport, url, mounted, handOver }
  })

/** How much of a token's subject a refusal's reason repeats. */
const MAX_SHOWN_SUBJECT_CHARS = 200

/** The route of a plain server: every path is the server (upgraded at once, see `admit`). */
const admitEvery: UpgradeRoute<void> = () => Effect.succeed(Result.succeed(undefined))

/**
 * Listens as `make` does, and routes each authenticated upgrade by its path
 * before upgrading it (a gateway's listener): an upgrade the route refuses
 * gets its status and one-line reason, never a WebSocket.
 */
export const makeRouted = <A>(
  options: WebSocketListenOptions & { readonly route: UpgradeRoute<A> }
): Effect.Effect<
  {
    readonly connections: Stream.Stream<RoutedConnection<A>>
    /** The same connections handed to `serve` as they come, instead (see `ServerTransport`'s `accept`). */
    readonly accept: (serve: (connection: RoutedConnection<A>) => void) => Effect.Effect<never>
    /** The mounted application's connections (they are admitted by it, not routed). */
    readonly mounted: Stream.Stream<FrameTransport>
    readonly url: string
    /** Hands the listening socket to a server replacing this one, then stops accepting and closes the connections. */
    readonly handOver: ListenerHandover
  },
  TransportError,
  Scope.Scope | Sandbox
> =>
  Effect.gen(function*() {
    const transportScope = yield* Effect.scope
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    // A sandbox's processes are refused as clients (see Sandbox.peerRefusal): required, so that no composition of
    // the Layers can leave the check out (a listener without sandboxes provides Sandbox.layerUnavailable).
    const sandbox = yield* Sandbox
    const context = yield* Effect.context<never>()
    const runFork = Effect.runForkWith(context)
    const { logRefusal, misdirected, verifyBearer } = yield* makeAdmission(options, context)
    const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS
    const accepted = yield* makeHandoff<RoutedConnection<A>>()
    const mounted = yield* Queue.unbounded<FrameTransport>()
    const upgradeTimeoutMs = options.upgradeTimeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS
    const maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY
    const maxPerClient = options.maxConnectionsPerClient ?? defaultPerClient(maxConnections)
    const maxPendingUpgrades = options.maxPendingUpgrades ?? DEFAULT_MAX_PENDING_UPGRADES
    const httpServer = Http.createServer({
      // Node's own checks run only every few seconds; the timer per connection below is exact.
      headersTimeout: upgradeTimeoutMs,
      requestTimeout: upgradeTimeoutMs,
      keepAliveTimeout: upgradeTimeoutMs
    }, answerHttp(options, { logRefusal, misdirected, verifyBearer }, () => stopping))
    let stopping = false
    // Frames between the limit and this hard cap get -32600 and the connection
    // goes on; larger ones close it (code 1009) before they are buffered.
    const arriving = new ArrivingBytes(options.maxArrivingBytes ?? defaultArrivingLimit(maxMessageBytes))
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: maxMessageBytes * 2 + 1024 * 1024,
      // The first offered subprotocol, as ws would pick, but never a mounted application's credential.
      handleProtocols: (offered) => {
        const secret = options.mount?.secretProtocolPrefix
        return [...offered].find((protocol) => secret === undefined || !protocol.startsWith(secret)) ?? false
      }
    })
    /** Every socket, so that closing the listener never waits on a peer. */
    const sockets = new Set<Duplex>()
    /** Sockets that have not completed their upgrade yet, with the timer that closes them. */
    const upgrading = new Map<Duplex, NodeJS.Timeout>()
    const upgradeDone = (socket: Duplex) => {
      const timer = upgrading.get(socket)
      if (timer === undefined) return
      clearTimeout(timer)
      upgrading.delete(socket)
    }
    let open = 0
    /** The upgraded connections each client holds (see `clientOf`). */
    const held = new Map<string, number>()
    /**
     * Who an admitted upgrade is, for its share of the places: the subject
     * of its signed token (verified before it is admitted), else its peer's
     * address, its port left out (every client of a capability token holds
     * the same token).
     */
    const clientOf = (request: Http.IncomingMessage, toMount: boolean): { readonly key: string; readonly named: string } => {
      const subject = options.signedBearer === undefined || toMount ? undefined : signedBearerSubject(bearerOf(request))
      if (subject !== undefined) {
        // The reason repeats it (and the log): a long one is cut there, never in the key.
        const shown = subject.length > MAX_SHOWN_SUBJECT_CHARS ? `${subject.slice(0, MAX_SHOWN_SUBJECT_CHARS)}...` : subject
        return { key: `sub ${subject}`, named: `token subject ${JSON.stringify(shown)}` }
      }
      const peer = request.socket.remoteAddress ?? "unknown"
      return { key: `peer ${peer}`, named: `peer ${peer}` }
    }
    httpServer.on("connection", (socket: Net.Socket) => {
      sockets.add(socket)
      socket.once("close", () => {
        sockets.delete(socket)
        upgradeDone(socket)
      })
      // The oldest connection still upgrading makes room: a flood of them
      // costs a bounded number of sockets, and a client that upgrades at
      // once gets through it.
      if (upgrading.size >= maxPendingUpgrades) {
        const [oldest] = upgrading.keys()
        upgradeDone(oldest!)
        oldest!.destroy()
        Metrics.bump(Metrics.pendingUpgradesClosed)
      }
      upgrading.set(socket, setTimeout(() => socket.destroy(), upgradeTimeoutMs))
    })
    /**
     * Lets an authenticated upgrade in, if there is room and its route takes
     * it. The route runs in the connection's scope, closed with its socket;
     * meanwhile the socket counts as upgrading (its timer runs on).
     */
    const admit = (request: Http.IncomingMessage, socket: Duplex, head: Buffer, address: string | undefined, toMount = false) => {
      const client = clientOf(request, toMount)
      const holding = held.get(client.key) ?? 0
      if (holding >= maxPerClient) {
        upgradeDone(socket)
        const why = `${client.named} already holds ${holding} connections, the most one client may (--max-connections-per-client ${maxPerClient})`
        logRefusal(503, why, address)
        return refuse(socket, 503, "Service Unavailable", why)
      }
      if (open >= maxConnections) {
        upgradeDone(socket)
        const why = `the server holds ${open} connections, the most it takes (--max-connections ${maxConnections})`
        logRefusal(503, why, address)
        return refuse(socket, 503, "Service Unavailable", why)
      }
      open++
      held.set(client.key, holding + 1)
      socket.once("close", () => {
        open--
        const left = (held.get(client.key) ?? 1) - 1
        if (left === 0) held.delete(client.key)
        else held.set(client.key, left)
      })
      const path = pathOf(request)
      const upgrade = (route: A | undefined) => {
        wss.handleUpgrade(request, socket, head, (ws) => {
          const { closeWith, ...transport } = socketTransport(ws, {
            raw: socket,
            arriving,
            maxMessageBytes,
            pingIntervalMs,
            address,
            path,
            maxBufferedFrames: options.maxBufferedFrames,
            // Only a signed token carries claims; it was verified before the upgrade was admitted.
            grants: options.signedBearer === undefined || toMount ? [] : signedBearerGrants(bearerOf(request))
          })
          if (toMount) Queue.offerUnsafe(mounted, transport)
          else accepted.offer({ transport, route: route as A, closeWith })
        })
      }
      // A mounted application's upgrade was admitted by it, and a plain
      // server admits every upgrade: no route to run, and no scope for it
      // (three fibers per connection saved).
      if (toMount || options.route === admitEvery) {
        upgradeDone(socket)
        return upgrade(undefined)
      }
      const connectionScope = Scope.forkUnsafe(transportScope, "sequential")
      socket.once("close", () => runFork(Scope.close(connectionScope, Exit.void)))
      const routed = options.route({ path, bearer: bearerOf(request) })
      runFork(Scope.provide(routed, connectionScope)).addObserver((exit) => {
        if (socket.destroyed) return
        upgradeDone(socket)
        if (Exit.isFailure(exit)) {
          logRefusal(500, "the route failed", address)
          return refuse(socket, 500, "Internal Server Error")
        }
        if (Result.isFailure(exit.value)) {
          const { reason, status } = exit.value.failure
          logRefusal(status, reason, address)
          return refuse(socket, status, Http.STATUS_CODES[status] ?? "Refused", reason)
        }
        upgrade(exit.value.success)
      })
    }
    httpServer.on("upgrade", (request, socket: Duplex, head: Buffer) => {
      socket.on("error", () => socket.destroy())
      const address = addressOf(request.socket)
      /** Refuses the upgrade with an HTTP status, logged with why. */
      const turnAway = (status: number, reason: string, why: string) => {
        upgradeDone(socket)
        logRefusal(status, why, address)
        refuse(socket, status, reason)
      }
      // Whatever token it holds: a sandbox must never be a way out of itself.
      const peerRefused = sandbox.peerRefusal(request.socket)
      if (peerRefused !== undefined) return turnAway(403, "Forbidden", peerRefused)
      const misdirectedWhy = misdirected(request)
      if (misdirectedWhy !== undefined) return turnAway(421, "Misdirected Request", misdirectedWhy)
      if (options.mount !== undefined && pathOf(request) === options.mount.socketPath) {
        const mountRefusal = options.mount.upgradeRefusal(request)
        if (mountRefusal !== undefined) return turnAway(mountRefusal.status, mountRefusal.reason, mountRefusal.why)
        return admit(request, socket, head, address, true)
      }
      const refusal = refusalOf(request, options)
      if (refusal !== undefined) {
        return turnAway(
          refusal.status,
          refusal.reason,
          refusal.status === 401 ? "no or wrong bearer token" : `origin ${request.headers.origin} not allowed`
        )
      }
      if (verifyBearer === undefined) return admit(request, socket, head, address)
      // While the token is checked the socket stays among those upgrading,
      // and its upgrade timer runs on.
      void verifyBearer(request).then((why) => {
        // Closed meanwhile (by the peer, the timer or the server stopping): its close freed its place.
        if (socket.destroyed) return
        if (why === undefined) return admit(request, socket, head, address)
        turnAway(401, "Unauthorized", why)
      }).catch(() => socket.destroy())
    })
    const handed = options.listening
    /** What accepts the connections: the HTTP server, or the socket handed over to it. */
    const acceptor: Net.Server = handed ?? httpServer
    const port = yield* Effect.callback<number, TransportError>((resume) => {
      const onError = (error: Error) => resume(Effect.fail(
          new TransportError({ message: `cannot listen on ${formatUrl(options.host, options.port)}: ${error.message}` })
        ))
      httpServer.once("error", onError)
      const listening = () => {
        httpServer.off("error", onError)
        // Other exec-servers' proxies on the host then never connect here for their processes.
        markThisProcess()
        resume(Effect.succeed((acceptor.address() as Net.AddressInfo).port))
      }
      if (handed === undefined) httpServer.listen(options.port, options.host, listening)
      else {
        // Handed over already listening (Node's IPC made it a server of its own): its connections are this one's.
        handed.on("connection", (socket: Net.Socket) => httpServer.emit("connection", socket))
        listening()
      }
    })
    /**
     * Hands the listener over to a server that replaces this one: `send` gets
     * the listening socket (a child's IPC channel duplicates it); once sent,
     * this server stops accepting (connection attempts wait in the socket's
     * backlog for the next one) and closes its connections with 1012
     * ("service restart"), so that their clients come back to the next one.
     */
    const handOver: ListenerHandover = (send) =>
      send(acceptor).then(() => {
        stopping = true
        acceptor.close()
        for (const client of wss.clients) client.close(1012, "service restart")
      })
    yield* Effect.addFinalizer(() =>
      Effect.callback<void>((resume) => {
        stopping = true
        for (const client of wss.clients) client.terminate()
        wss.close()
        if (handed !== undefined) handed.close()
        httpServer.close(() => resume(Effect.void))
        // Upgraded and refused sockets are no longer the HTTP server's to close.
        for (const timer of upgrading.values()) clearTimeout(timer)
        for (const socket of sockets) socket.destroy()
      })
    )
    return {
      connections: accepted.stream,
      accept: accepted.accept,
      mounted: Stream.fromQueue(mounted),
      url: formatUrl(options.host, port),
      handOver
    }
  })

/** Provides the WebSocket transport, listening for as long as the layer lives. */
export const layer = (options: WebSocketListenOptions): Layer.Layer<ServerTransport, TransportError, Sandbox> =>
  Layer.effect(ServerTransport, Effect.map(make(options), ({ transport }) => transport))
