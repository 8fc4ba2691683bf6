/**
 * The WebSocket transport: a `ws` server on one IP and port, one JSON-RPC
 * message per frame, each socket its own connection. Ping/pong keep-alive
 * drops peers that stop answering (each accepted socket: socketConnection.ts).
 * Built on `ws` directly because the
 * upgrade request must be inspectable (and refusable) before a connection
 * exists.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Runtime from "effect/Runtime"
import * as Metrics from "../observability/metrics.js"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Http from "node:http"
import * as Net from "node:net"
import { WebSocketServer } from "ws"
import type { Duplex } from "node:stream"
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/JsonRpc.js"
import { type FrameTransport, ServerTransport, TransportError } from "../jsonrpc/Transport.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import { makeLogBudget } from "../observability/logBudget.js"
import { ArrivingBytes, defaultArrivingLimit } from "../wire/arrivingBytes.js"
import { socketTransport } from "./socketConnection.js"

export { sendText } from "../wire/writers.js"
export { closeReason, MAX_CLOSE_REASON_BYTES } from "./closeReason.js"
import { bearerAuthProblem, bearerRefusal, capabilityTokenMatches } from "./bearerAuth.js"
import { DEFAULT_MAX_PENDING_UPGRADES, DEFAULT_PING_INTERVAL_MS, DEFAULT_UPGRADE_TIMEOUT_MS, formatUrl } from "./listenUrl.js"
import { type HostAndPort, hostAllowed, parseAllowedHost } from "./hostHeader.js"

export { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MIN_SHARED_SECRET_BYTES, type SignedBearerOptions } from "./signedBearer.js"
export { DEFAULT_MAX_PENDING_UPGRADES, DEFAULT_PING_INTERVAL_MS, DEFAULT_UPGRADE_TIMEOUT_MS, formatUrl, isLoopback, parseListenUrl, sha256, type WebSocketListenUrl } from "./listenUrl.js"

export type {
  HttpHandler,
  Mount,
  MountRefusal,
  RoutedConnection,
  RouteRefusal,
  UpgradeRequest,
  UpgradeRoute,
  WebSocketListenOptions
} from "./webSocketOptions.js"
import type { HttpHandler, RoutedConnection, RouteRefusal, UpgradeRoute, WebSocketListenOptions } from "./webSocketOptions.js"

/** `address:port` of a socket's peer. */
const addressOf = (socket: Net.Socket): string | undefined =>
  socket.remoteAddress === undefined ? undefined : `${socket.remoteAddress}:${socket.remotePort}`

/** How long a refused socket may linger to read its answer before it is closed. */
const REFUSED_LINGER_MS = 1000

/** The bearer token of a request's `Authorization` header, if it has one. */
const bearerOf = (request: Http.IncomingMessage): string | undefined =>
  /^Bearer\s+(.+?)\s*$/i.exec(request.headers.authorization ?? "")?.[1]

/** Why an upgrade is refused, if it is: checked before any JSON-RPC is spoken. */
export const refusalOf = (
  request: Http.IncomingMessage,
  options: Pick<WebSocketListenOptions, "tokenSha256" | "allowOrigins">
): { readonly status: number; readonly reason: string } | undefined => {
  const origin = request.headers.origin
  if (origin !== undefined && !(options.allowOrigins ?? []).includes(origin)) {
    return { status: 403, reason: "Forbidden" }
  }
  if (options.tokenSha256 !== undefined && !capabilityTokenMatches(bearerOf(request), options.tokenSha256)) {
    return { status: 401, reason: "Unauthorized" }
  }
  return undefined
}

/**
 * A request's path, its query left out, as sent (no dot segments resolved:
 * routes match it exactly); the path of an absolute-form target. Never
 * throws (`new URL` does on a target of `//`, which would end the process
 * from a listener).
 */
const pathOf = (request: Http.IncomingMessage): string => {
  const target = request.url ?? "/"
  if (!target.startsWith("/")) return URL.canParse(target) ? new URL(target).pathname : target
  const query = target.indexOf("?")
  return query === -1 ? target : target.slice(0, query)
}

/** How much of a refused `Host` header a log line repeats. */
const MAX_LOGGED_HOST_CHARS = 200

/** Why a request's `Host` is refused (for the log), or undefined when it is allowed. */
const hostRefusal = (
  request: Http.IncomingMessage,
  listenHost: string,
  allowHosts: ReadonlyArray<HostAndPort>
): string | undefined => {
  const host = request.headers.host
  if (hostAllowed(host, listenHost, allowHosts)) return undefined
  return host === undefined ? "no Host header" : `host ${JSON.stringify(host.slice(0, MAX_LOGGED_HOST_CHARS))} not allowed`
}

/** Answers an upgrade with an HTTP error (the body one line, the reason unless given), then closes the socket even if the peer never closes its side. */
const refuse = (socket: Duplex, status: number, reason: string, line = reason) => {
  const body = `${line.replace(/[\r\n]+/g, " ")}\n`
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      (status === 401 ? "WWW-Authenticate: Bearer\r\n" : "") +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref()
}

/**
 * Listens in the current scope and returns the transport and its URL.
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
  },
  TransportError,
  Scope.Scope | Sandbox
> =>
  Effect.map(makeRouted({ ...options, route: admitEvery }), ({ connections, mounted, url }) => {
    const transport: typeof ServerTransport.Service = {
      url,
      connections: Stream.map(connections, (connection) => connection.transport)
    }
    return { transport, url, mounted }
  })

/** The route of a plain server: every path is the server. */
const admitEvery: UpgradeRoute<void> = () => Effect.succeed(Either.right(undefined))

/** What a mounted application's upgrade takes for a route: nothing. */
const mountRoute: Effect.Effect<Either.Either<undefined, RouteRefusal>> = Effect.succeed(Either.right(undefined))

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
    /** The mounted application's connections (they are admitted by it, not routed). */
    readonly mounted: Stream.Stream<FrameTransport>
    readonly url: string
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
    const runtime = yield* Effect.runtime<never>()
    const authProblem = bearerAuthProblem(options)
    if (authProblem !== undefined) return yield* new TransportError({ message: authProblem })
    const signedBearer = options.signedBearer
    /** Why a request's signed bearer token is refused, or undefined when it is valid (never rejects). */
    const verifyBearer = signedBearer === undefined ? undefined : (request: Http.IncomingMessage): Promise<string | undefined> =>
      bearerRefusal(bearerOf(request), { signedBearer })
    const allowHosts: Array<HostAndPort> = []
    for (const value of options.allowHosts ?? []) {
      const parsed = parseAllowedHost(value)
      if (typeof parsed === "string") return yield* new TransportError({ message: parsed })
      allowHosts.push(parsed)
    }
    /**
     * Logs a refused request (never its token) from the HTTP server's
     * callback, with the server's logger; refused upgrades are counted too.
     */
    // Refusals cost a peer nothing: what one peer can make the server log is bounded (see logBudget.ts).
    const refusalLog = makeLogBudget()
    const logRefusal = (status: number, why: string, address: string | undefined, upgrade = true) => {
      if (upgrade) Metrics.bump(Metrics.connectionsRefused, 1, Metrics.label("status", status))
      const heldBack = refusalLog.take(address)
      if (heldBack === undefined) return
      Runtime.runFork(runtime)(
        Effect.logWarning("connection refused").pipe(Effect.annotateLogs({ status, why, peer: address ?? "unknown", ...heldBack }))
      )
    }
    const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS
    const accepted = yield* Queue.unbounded<RoutedConnection<A>>()
    const mounted = yield* Queue.unbounded<FrameTransport>()
    const upgradeTimeoutMs = options.upgradeTimeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS
    const maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY
    const maxPendingUpgrades = options.maxPendingUpgrades ?? DEFAULT_MAX_PENDING_UPGRADES
    const endpoints: Record<string, HttpHandler> = {
      ...(options.metrics === undefined ? {} : { "/metrics": options.metrics }),
      ...options.endpoints
    }
    const httpServer = Http.createServer({
      // Node's own checks run only every few seconds; the timer per connection below is exact.
      headersTimeout: upgradeTimeoutMs,
      requestTimeout: upgradeTimeoutMs,
      keepAliveTimeout: upgradeTimeoutMs
    }, (request, response) => {
      const path = pathOf(request)
      const text = (status: number, body: string) =>
        response.writeHead(status, { "content-type": "text/plain", connection: "close" }).end(body)
      // Before anything else: a name the server is not known by may be a rebound one.
      const misdirected = hostRefusal(request, options.host, allowHosts)
      if (misdirected !== undefined) {
        logRefusal(421, misdirected, addressOf(request.socket), false)
        return text(421, "Misdirected Request\n")
      }
      // Liveness and readiness say nothing about the server: open to anyone who can reach it.
      if (request.method === "GET" && path === "/healthz") return text(200, "ok\n")
      if (request.method === "GET" && path === "/readyz") {
        const notReady = stopping ? "stopping" : options.readiness?.()
        return notReady === undefined ? text(200, "ready\n") : text(503, `${notReady}\n`)
      }
      // A mounted application has its own credential (the console's: a cookie bound to its origin), never the bearer token.
      if (options.mount?.serves(path) === true) {
        return options.mount.http(request, response, path)
      }
      const endpoint = request.method === "GET" ? endpoints[path] : undefined
      if (endpoint !== undefined) {
        // Method names, counts and environments are the operator's: behind the token when there is one.
        const refusal = refusalOf(request, options)
        if (refusal !== undefined) return text(refusal.status, `${refusal.reason}\n`)
        if (verifyBearer === undefined) return endpoint(request, response)
        void verifyBearer(request).then((why) => {
          if (request.socket.destroyed) return
          if (why !== undefined) return text(401, "Unauthorized\n")
          endpoint(request, response)
        }).catch(() => request.socket.destroy())
        return
      }
      text(426, "exec-server speaks WebSocket\n")
    })
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
    /** Every socket, so that closing the transport never waits on a peer. */
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
      if (open >= maxConnections) {
        upgradeDone(socket)
        logRefusal(503, `at --max-connections (${maxConnections})`, address)
        return refuse(socket, 503, "Service Unavailable")
      }
      open++
      socket.once("close", () => open--)
      const path = pathOf(request)
      const connectionScope = Effect.runSync(Scope.fork(transportScope, ExecutionStrategy.sequential))
      socket.once("close", () => Runtime.runFork(runtime)(Scope.close(connectionScope, Exit.void)))
      // A mounted application's upgrade was admitted by it: the route is the server's.
      const routed: Effect.Effect<Either.Either<A | undefined, RouteRefusal>, never, Scope.Scope> = toMount
        ? mountRoute
        : options.route({ path, bearer: bearerOf(request) })
      Runtime.runFork(runtime)(Scope.extend(routed, connectionScope)).addObserver((exit) => {
        if (socket.destroyed) return
        upgradeDone(socket)
        if (Exit.isFailure(exit)) {
          logRefusal(500, "the route failed", address)
          return refuse(socket, 500, "Internal Server Error")
        }
        if (Either.isLeft(exit.value)) {
          const { reason, status } = exit.value.left
          logRefusal(status, reason, address)
          return refuse(socket, status, Http.STATUS_CODES[status] ?? "Refused", reason)
        }
        const route = exit.value.right
        wss.handleUpgrade(request, socket, head, (ws) => {
          const { closeWith, ...transport } = socketTransport(ws, {
            raw: socket,
            arriving,
            maxMessageBytes,
            pingIntervalMs,
            address,
            path,
            maxBufferedFrames: options.maxBufferedFrames
          })
          if (toMount) Queue.unsafeOffer(mounted, transport)
          else Queue.unsafeOffer(accepted, { transport, route: route as A, closeWith })
        })
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
      const misdirected = hostRefusal(request, options.host, allowHosts)
      if (misdirected !== undefined) return turnAway(421, "Misdirected Request", misdirected)
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
    const port = yield* Effect.async<number, TransportError>((resume) => {
      const onError = (error: Error) => resume(Effect.fail(
          new TransportError({ message: `cannot listen on ${formatUrl(options.host, options.port)}: ${error.message}` })
        ))
      httpServer.once("error", onError)
      httpServer.listen(options.port, options.host, () => {
        httpServer.off("error", onError)
        resume(Effect.succeed((httpServer.address() as Net.AddressInfo).port))
      })
    })
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        stopping = true
        for (const client of wss.clients) client.terminate()
        wss.close()
        httpServer.close(() => resume(Effect.void))
        // Upgraded and refused sockets are no longer the HTTP server's to close.
        for (const timer of upgrading.values()) clearTimeout(timer)
        for (const socket of sockets) socket.destroy()
      })
    )
    return { connections: Stream.fromQueue(accepted), mounted: Stream.fromQueue(mounted), url: formatUrl(options.host, port) }
  })

/** Provides the WebSocket transport, listening for as long as the layer lives. */
export const layer = (options: WebSocketListenOptions): Layer.Layer<ServerTransport, TransportError, Sandbox> =>
  Layer.scoped(ServerTransport, Effect.map(make(options), ({ transport }) => transport))
