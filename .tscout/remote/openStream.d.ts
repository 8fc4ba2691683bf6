/**
 * Opening one remote stream to an environment on a NATS connection the
 * caller holds: the client's end subscribed, then the open handshake on
 * `exec.<env>.open`. NatsConnector (one connection per client) and the
 * gateway (one connection for all its clients) both open streams with it.
 * Internal: its signature names nats.js's connection type, which the public
 * modules' declarations avoid (see natsOptions.ts).
 */
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { type NatsConnection } from "@nats-io/transport-node";
import { ConnectTimeout, EnvironmentNotFound, TransportClosed, Unauthorized } from "../client/ClientError.js";
import * as NatsLink from "./NatsLink.js";
import type { ReliableChannel } from "./ReliableChannel.js";
import * as RS from "./ReliableStream.js";
/** Which stream to open, and how long to wait for the executor. */
export interface OpenStreamOptions {
    /** The environment's id (one subject token: 1-64 of A-Z a-z 0-9 _ -). */
    readonly environmentId: string;
    /** How long the executor may take to answer an open (ms, default 5000). */
    readonly openTimeoutMs?: number | undefined;
    /** Tuning of the stream's reliability layer (tests shorten its timers). */
    readonly streamOptions?: Partial<Omit<RS.StreamOptions, "streamId">> | undefined;
    /** How errors name the environment (default `environment ID`). */
    readonly where?: string | undefined;
    /** The bearer token the open frame carries, for an executor that asks for one. */
    readonly token?: string | undefined;
    /** The connection's reconnect watcher when several streams share the connection (one is made otherwise). */
    readonly reconnects?: NatsLink.Reconnects | undefined;
}
/**
 * Opens a new stream to the environment: this end's channel, one message per
 * message, reset (if not done) and unsubscribed when the scope closes. No
 * executor serving the environment is `EnvironmentNotFound`, at once.
 */
export declare const open: (connection: NatsConnection, options: OpenStreamOptions) => Effect.Effect<ReliableChannel, EnvironmentNotFound | ConnectTimeout | TransportClosed | Unauthorized, Scope.Scope>;
//# sourceMappingURL=openStream.d.ts.map