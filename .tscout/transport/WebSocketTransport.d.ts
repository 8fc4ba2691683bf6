/**
 * The WebSocket transport: a `ws` server on one IP and port, one JSON-RPC
 * message per frame, each socket its own connection. Ping/pong keep-alive
 * drops peers that stop answering. Built on `ws` directly because the
 * upgrade request must be inspectable (and refusable) before a connection
 * exists.
 */
import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import * as Layer from "effect/Layer";
import * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import * as Http from "node:http";
import { type FrameTransport, ServerTransport, TransportError } from "../jsonrpc/Transport.js";
export { sendText } from "../wire/writers.js";
import type { SignedBearerOptions } from "./signedBearer.js";
export { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MIN_SHARED_SECRET_BYTES, type SignedBearerOptions } from "./signedBearer.js";
export { DEFAULT_MAX_PENDING_UPGRADES, DEFAULT_PING_INTERVAL_MS, DEFAULT_UPGRADE_TIMEOUT_MS, formatUrl, isLoopback, parseListenUrl, sha256, type WebSocketListenUrl } from "./listenUrl.js";
/** Answers one HTTP request. */
export type HttpHandler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void;
/** Why an upgrade is refused by its route: the HTTP status and a one-line reason (the response's body). */
export interface RouteRefusal {
    readonly status: number;
    readonly reason: string;
}
/** What a route is told of an authenticated upgrade. */
export interface UpgradeRequest {
    readonly path: string;
    /** The bearer token the upgrade carried (checked already when the listener asks for one). */
    readonly bearer: string | undefined;
}
/**
 * Decides where an authenticated upgrade goes, before it is upgraded: a
 * value the accepted connection carries, or a refusal. It runs in the
 * connection's own scope, closed when its socket closes (refused, dropped
 * before the upgrade, or closed after it), so what it opens lives exactly as
 * long as the connection.
 */
export type UpgradeRoute<A> = (request: UpgradeRequest) => Effect.Effect<Either.Either<A, RouteRefusal>, never, Scope.Scope>;
/** An accepted connection and what its route gave it. */
export interface RoutedConnection<A> {
    readonly transport: FrameTransport;
    readonly route: A;
    /** Closes the WebSocket with this close code and reason (at most 123 bytes of UTF-8; longer is cut). */
    readonly closeWith: (code: number, reason: string) => Effect.Effect<void>;
}
/** The longest close reason a WebSocket close frame carries, in bytes. */
export declare const MAX_CLOSE_REASON_BYTES = 123;
/** `reason` cut to a close frame's 123 bytes, on a character boundary. */
export declare const closeReason: (reason: string) => string;
/** Where and how to listen, and whom to let in. */
export interface WebSocketListenOptions {
    /**
     * Answers `GET /metrics` (a valid bearer token is required when the server asks for one);
     * without it there is no such endpoint.
     */
    readonly metrics?: HttpHandler | undefined;
    /** More `GET` endpoints by path (`/environments`), behind the token as `/metrics` is. */
    readonly endpoints?: Readonly<Record<string, HttpHandler>> | undefined;
    /** Why the server is not ready (`/readyz` answers 503 with it), or undefined when it is. Default: ready until it stops. */
    readonly readiness?: (() => string | undefined) | undefined;
    /**
     * Frames a connection holds for its consumer at most: beyond them the
     * socket is no longer read until the consumer catches up, so a slow
     * consumer slows the peer (TCP backpressure). Default: no limit.
     */
    readonly maxBufferedFrames?: number | undefined;
    /** An IP address (IPv4 or IPv6, without brackets). */
    readonly host: string;
    /** 0 picks a free port. */
    readonly port: number;
    /** Largest accepted message; a larger one is answered -32600 (default 16 MiB). */
    readonly maxMessageBytes?: number | undefined;
    /** Interval of keep-alive pings; a peer that misses one is disconnected. Default 30 s. */
    readonly pingIntervalMs?: number;
    /**
     * SHA-256 digest of the bearer token every upgrade must carry
     * (`Authorization: Bearer <token>`); without it no token is asked for.
     */
    readonly tokenSha256?: Uint8Array | undefined;
    /**
     * Every upgrade must carry a signed bearer token (an HS256 JWT) instead:
     * checked without blocking, the connection counted against the limits and
     * its upgrade timeout running meanwhile. Not with `tokenSha256`.
     */
    readonly signedBearer?: SignedBearerOptions | undefined;
    /** Origins allowed to connect; an upgrade with any other `Origin` header is refused (403). */
    readonly allowOrigins?: ReadonlyArray<string>;
    /**
     * Host names (`NAME` or `NAME:PORT`, case-insensitive; without a port any
     * port matches) a request's `Host` header may carry besides `localhost`
     * and the listen address (any IP address on a wildcard listener). Any
     * other `Host` gets HTTP 421 on every endpoint and on the upgrade: a page
     * whose name an attacker points at this address (DNS rebinding) is not
     * served.
     */
    readonly allowHosts?: ReadonlyArray<string>;
    /**
     * Upgraded connections beyond this many at once are refused (503).
     * Default: no limit.
     */
    readonly maxConnections?: number;
    /**
     * Connections not upgraded yet (idle, trickling their request, or having
     * their token checked) kept at once: when one more arrives, the oldest is
     * closed. A siege of connections that never authenticate thus costs a
     * bounded number of descriptors and cannot keep a client out, whose
     * upgrade, sent at once, completes long before this many newer
     * connections push it out. Default 128.
     */
    readonly maxPendingUpgrades?: number;
    /**
     * How long a connection may take to complete its WebSocket upgrade before
     * it is closed (a client that trickles its request, or never sends one).
     * Default 5 s.
     */
    readonly upgradeTimeoutMs?: number;
}
/** Why an upgrade is refused, if it is: checked before any JSON-RPC is spoken. */
export declare const refusalOf: (request: Http.IncomingMessage, options: Pick<WebSocketListenOptions, "tokenSha256" | "allowOrigins">) => {
    readonly status: number;
    readonly reason: string;
} | undefined;
/**
 * Listens in the current scope and returns the transport and its URL.
 * Closing the scope stops accepting and closes every socket.
 */
export declare const make: (options: WebSocketListenOptions) => Effect.Effect<{
    readonly transport: typeof ServerTransport.Service;
    readonly url: string;
}, TransportError, Scope.Scope>;
/**
 * Listens as `make` does, and routes each authenticated upgrade by its path
 * before upgrading it (a gateway's listener): an upgrade the route refuses
 * gets its status and one-line reason, never a WebSocket.
 */
export declare const makeRouted: <A>(options: WebSocketListenOptions & {
    readonly route: UpgradeRoute<A>;
}) => Effect.Effect<{
    readonly connections: Stream.Stream<RoutedConnection<A>>;
    readonly url: string;
}, TransportError, Scope.Scope>;
/** Provides the WebSocket transport, listening for as long as the layer lives. */
export declare const layer: (options: WebSocketListenOptions) => Layer.Layer<ServerTransport, TransportError>;
//# sourceMappingURL=WebSocketTransport.d.ts.map