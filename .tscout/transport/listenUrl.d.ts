/** How often a peer is pinged unless told otherwise. */
export declare const DEFAULT_PING_INTERVAL_MS = 30000;
/** How long a connection may take to complete its WebSocket upgrade unless told otherwise. */
export declare const DEFAULT_UPGRADE_TIMEOUT_MS = 5000;
/** Connections not upgraded yet kept at once before the oldest is closed. */
export declare const DEFAULT_MAX_PENDING_UPGRADES = 128;
/** How far a signed bearer token's `exp` and `nbf` may be off the clock unless told otherwise: as `codex exec-server`, 30 s. */
export declare const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 30;
/** The shortest shared secret for signed bearer tokens: as `codex exec-server` (and RFC 7518, an HS256 key as long as its hash). */
export declare const MIN_SHARED_SECRET_BYTES = 32;
/** True for addresses only this machine can reach. */
export declare const isLoopback: (host: string) => boolean;
/** The SHA-256 digest of a token. */
export declare const sha256: (token: string) => Uint8Array;
/** A parsed `--listen ws://IP:PORT` value. */
export interface WebSocketListenUrl {
    readonly host: string;
    readonly port: number;
}
/**
 * Parses `ws://IP:PORT` (IPv6 in brackets). Host names are refused: the
 * server binds exactly the address it is given.
 */
export declare const parseListenUrl: (url: string) => WebSocketListenUrl | string;
/** The `ws://` URL of a bound address. */
export declare const formatUrl: (host: string, port: number) => string;
//# sourceMappingURL=listenUrl.d.ts.map