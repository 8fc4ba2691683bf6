/**
 * The gateway: a WebSocket listener whose `/env/ENVIRONMENT_ID` endpoints
 * are the environments served by remote executors through NATS. Each
 * upgrade opens a remote stream to its environment first (an unknown or
 * offline one is refused with HTTP 404 and a one-line reason, at once); the
 * connection then forwards messages both ways unread: a WebSocket text frame
 * becomes one stream message and back. It does not speak JSON-RPC: the
 * executor's server answers everything, so a client sees what a direct
 * connection shows (the gateway answers only a frame over its size limit,
 * which it cannot forward, as a server would: -32600).
 *
 * Backpressure: a message waits for the stream's credit before the next
 * frame is read, and the socket is not read while a few frames wait; the
 * next stream message is taken only once the socket took the last one. A
 * slow client thus stops the executor's sends through the credit window.
 *
 * One NATS connection serves every client, reconnecting for ever; the
 * streams retransmit what a reconnect lost.
 */
import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import { TransportError } from "../jsonrpc/Transport.js";
import type { NatsConnectOptions } from "../remote/natsOptions.js";
import type * as RS from "../remote/ReliableStream.js";
import * as WebSocketTransport from "../transport/WebSocketTransport.js";
/** How the gateway listens and where it finds the environments. */
export interface GatewayOptions {
    /** The WebSocket listener: address, authentication and limits, as a server's. */
    readonly listen: Omit<WebSocketTransport.WebSocketListenOptions, "endpoints" | "readiness" | "maxBufferedFrames">;
    /** The NATS cluster of the executors. */
    readonly nats: NatsConnectOptions;
    /** How long an executor may take to answer an open (ms). Default: the upgrade timeout less a fifth (at most 1 s less). */
    readonly openTimeoutMs?: number | undefined;
    /** Tuning of every stream's reliability layer (tests shorten its timers). */
    readonly streamOptions?: Partial<Omit<RS.StreamOptions, "streamId">> | undefined;
    /** The registry's bucket that `GET /environments` lists (default `Registry.DEFAULT_BUCKET`). */
    readonly registryBucket?: string | undefined;
}
/** A running gateway. */
export interface Gateway {
    /** `ws://IP:PORT` of the listener; an environment is at `${url}/env/ID`. */
    readonly url: string;
}
/** The path of an environment's endpoint. */
export declare const environmentPath: (environmentId: string) => string;
/** The environment id `path` names (`/env/ID`, a trailing slash allowed), or why it names none. */
export declare const environmentOfPath: (path: string) => Either.Either<string, string>;
/**
 * Runs the gateway for as long as the scope lives: connects to NATS (once,
 * for every client), listens, and forwards each connection to its
 * environment. Closing the scope closes every client's socket and resets
 * their streams, then the NATS connection.
 */
export declare const make: (options: GatewayOptions) => Effect.Effect<Gateway, TransportError, Scope.Scope>;
/** The gateway, running for as long as the layer lives. */
export declare const layer: (options: GatewayOptions) => Layer.Layer<never, TransportError>;
//# sourceMappingURL=Gateway.d.ts.map