import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Scope from "effect/Scope";
import { ServerTransport, TransportError } from "../jsonrpc/Transport.js";
import { type BearerAuth } from "../transport/bearerAuth.js";
import type { NatsConnectOptions } from "./natsOptions.js";
import * as RS from "./ReliableStream.js";
/** The reference caps an executor at 128 sessions; one stream is one connection, so at most one session. */
export declare const DEFAULT_MAX_STREAMS = 128;
/**
 * What the executor is told. `tokenSha256` or `signedBearer` (as the
 * WebSocket listener takes them) make every stream's open frame carry a
 * valid bearer token: NATS permissions decide who reaches the environment,
 * the token who may run commands on it.
 */
export interface NatsServerOptions extends NatsConnectOptions, BearerAuth {
    /** The environment this executor serves (one subject token). */
    readonly environmentId: string;
    /** Streams open at once at most (default 128); one more is refused. */
    readonly maxStreams?: number | undefined;
    /** Largest message taken from a client; a larger one is answered -32600, as on other transports (default 16 MiB). */
    readonly maxMessageBytes?: number | undefined;
    /** Tuning of every stream's reliability layer (tests shorten its timers). */
    readonly streamOptions?: Partial<Omit<RS.StreamOptions, "streamId">> | undefined;
    /** The registry entry: its bucket and heartbeat (`Registry`'s defaults), or `false` to not register. */
    readonly registry?: false | {
        readonly bucket?: string;
        readonly replicas?: number;
        readonly heartbeatMs?: number;
    } | undefined;
    /** This server's version, as the registry shows it. */
    readonly serverVersion?: string | undefined;
}
/**
 * Serves the environment for as long as the scope lives: connects, answers
 * opens, and hands each stream to the server as a connection. Closing the
 * scope resets the open streams and closes the NATS connection.
 */
export declare const make: (options: NatsServerOptions) => Effect.Effect<typeof ServerTransport.Service, TransportError, Scope.Scope>;
/** Provides the executor's transport for as long as the layer lives. */
export declare const layer: (options: NatsServerOptions) => Layer.Layer<ServerTransport, TransportError>;
//# sourceMappingURL=NatsServerTransport.d.ts.map