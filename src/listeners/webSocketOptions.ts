/**
 * What the WebSocket listener is told: where to listen, whom to let in,
 * what it answers over plain HTTP, how a gateway routes upgrades, and the
 * application a server may mount beside itself (the web console).
 */
import type * as Net from "node:net"
import type * as Effect from "effect/Effect"
import type * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import type * as Http from "node:http"
import type { FrameTransport } from "../jsonrpc/Transport.js"
import type { SignedBearerOptions } from "./signedBearer.js"

/** Answers one HTTP request. */
export type HttpHandler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/** Why an upgrade is refused by its route: the HTTP status and a one-line reason (the response's body). */
export interface RouteRefusal {
  readonly status: number
  readonly reason: string
}

/** What a route is told of an authenticated upgrade. */
export interface UpgradeRequest {
  readonly path: string
  /** The bearer token the upgrade carried (checked already when the listener asks for one). */
  readonly bearer: string | undefined
}

/**
 * Decides where an authenticated upgrade goes, before it is upgraded: a
 * value the accepted connection carries, or a refusal. It runs in the
 * connection's own scope, closed when its socket closes (refused, dropped
 * before the upgrade, or closed after it), so what it opens lives exactly as
 * long as the connection.
 */
export type UpgradeRoute<A> = (request: UpgradeRequest) => Effect.Effect<Result.Result<A, RouteRefusal>, never, Scope.Scope>

/** Why an upgrade of a mounted application's socket is refused. */
export interface MountRefusal extends RouteRefusal {
  /** For the log. */
  readonly why: string
}

/**
 * An application mounted on the listener beside the server (the web
 * console): its own HTTP paths, and one socket path whose upgrades it
 * admits by its own credential instead of the bearer token. Its
 * connections are never the server's: they come out of `make`'s
 * `mounted`, for the application to serve.
 */
export interface Mount {
  /** Whether a plain HTTP request's path is the application's. */
  readonly serves: (path: string) => boolean
  /** Answers a request whose path it `serves`. */
  readonly http: (request: Http.IncomingMessage, response: Http.ServerResponse, path: string) => void
  /** The path whose upgrades are the application's. */
  readonly socketPath: string
  /** Why an upgrade of `socketPath` may not go on, or undefined when it may. */
  readonly upgradeRefusal: (request: Http.IncomingMessage) => MountRefusal | undefined
  /** Offered subprotocols with this prefix carry a credential: never selected, so never echoed. */
  readonly secretProtocolPrefix?: string | undefined
}

/** An accepted connection and what its route gave it. */
export interface RoutedConnection<A> {
  readonly transport: FrameTransport
  readonly route: A
  /** Closes the WebSocket with this close code and reason (at most 123 bytes of UTF-8; longer is cut). */
  readonly closeWith: (code: number, reason: string) => Effect.Effect<void>
}

/** Where and how to listen, and whom to let in. */
export interface WebSocketListenOptions {
  /**
   * Answers `GET /metrics` (a valid bearer token is required when the server asks for one);
   * without it there is no such endpoint.
   */
  readonly metrics?: HttpHandler | undefined
  /**
   * An application on the same port (the web console with `--console`):
   * its paths are served by it, its socket admitted by its own credential,
   * and its connections come out of `mounted` rather than `connections`.
   */
  readonly mount?: Mount | undefined
  /** More `GET` endpoints by path (`/environments`), behind the token as `/metrics` is. */
  readonly endpoints?: Readonly<Record<string, HttpHandler>> | undefined
  /** Why the server is not ready (`/readyz` answers 503 with it), or undefined when it is. Default: ready until it stops. */
  readonly readiness?: (() => string | undefined) | undefined
  /**
   * Frames a connection holds for its consumer at most: beyond them the
   * socket is no longer read until the consumer catches up, so a slow
   * consumer slows the peer (TCP backpressure). Default: no limit.
   */
  readonly maxBufferedFrames?: number | undefined
  /** An IP address (IPv4 or IPv6, without brackets). */
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /**
   * A listening socket handed over by the server this one replaces
   * (`exec-server` restarting): accepted on instead of binding `host` and
   * `port`, so that no connection attempt meanwhile is refused.
   */
  readonly listening?: Net.Server | undefined
  /** Largest accepted message; a larger one is answered -32600 (default 16 MiB). */
  readonly maxMessageBytes?: number | undefined
  /** Interval of keep-alive pings; a peer that misses one is disconnected. Default 30 s. */
  readonly pingIntervalMs?: number
  /**
   * SHA-256 digest of the bearer token every upgrade must carry
   * (`Authorization: Bearer <token>`); without it no token is asked for.
   */
  readonly tokenSha256?: Uint8Array | undefined
  /**
   * Every upgrade must carry a signed bearer token (an HS256 JWT) instead:
   * checked without blocking, the connection counted against the limits and
   * its upgrade timeout running meanwhile. Not with `tokenSha256`.
   */
  readonly signedBearer?: SignedBearerOptions | undefined
  /** Origins allowed to connect; an upgrade with any other `Origin` header is refused (403). */
  readonly allowOrigins?: ReadonlyArray<string>
  /**
   * Host names (`NAME` or `NAME:PORT`, case-insensitive; without a port any
   * port matches) a request's `Host` header may carry besides `localhost`
   * and the listen address (any IP address on a wildcard listener). Any
   * other `Host` gets HTTP 421 on every endpoint and on the upgrade: a page
   * whose name an attacker points at this address (DNS rebinding) is not
   * served.
   */
  readonly allowHosts?: ReadonlyArray<string>
  /**
   * Upgraded connections beyond this many at once are refused (503).
   * Default: no limit.
   */
  readonly maxConnections?: number
  /**
   * Upgraded connections one client may hold at once, beyond which its
   * next is refused (503, with the reason): a client is a signed token's
   * subject (`sub`) where the listener takes signed tokens and the token
   * names one, else the peer's address (a capability token is every
   * client's). Default: three quarters of `maxConnections` (at least 1).
   */
  readonly maxConnectionsPerClient?: number
  /**
   * Connections not upgraded yet (idle, trickling their request, or having
   * their token checked) kept at once: when one more arrives, the oldest is
   * closed. A siege of connections that never authenticate thus costs a
   * bounded number of descriptors and cannot keep a client out, whose
   * upgrade, sent at once, completes long before this many newer
   * connections push it out. Default 128.
   */
  readonly maxPendingUpgrades?: number
  /**
   * How long a connection may take to complete its WebSocket upgrade before
   * it is closed (a client that trickles its request, or never sends one).
   * Default 5 s.
   */
  readonly upgradeTimeoutMs?: number
  /**
   * Bytes of messages still arriving, over all connections, beyond which a
   * connection whose message has grown past 64 KiB stops being read until
   * room is made (one always goes on; see wire/arrivingBytes.ts). Default: four
   * times `maxMessageBytes`.
   */
  readonly maxArrivingBytes?: number
}

/**
 * Hands a listener's socket to a server that replaces this one: `send` gets
 * the listening socket; once it is sent, this one stops accepting and closes
 * its connections.
 */
export type ListenerHandover = (send: (listening: Net.Server) => Promise<void>) => Promise<void>
