/**
 * Connecting to a NATS cluster, for both ends of remote streams: the
 * credentials and TLS an operator gives (as files, read at connect time),
 * and the connection options docs/PROTOCOL.md asks for (reconnect for ever,
 * a short connect timeout, pings that notice a stalled node).
 */
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { type NatsConnectOptions, NatsConnectError } from "./natsOptions.js";
export { type NatsAuth, type NatsConnectOptions, NatsConnectError, type NatsTls } from "./natsOptions.js";
/**
 * A stalled node (SIGSTOPped, or a half-open route) is given up after two
 * unanswered pings, 4-6 s: well inside a stream's 12 s peer timeout, so the
 * streams of a client or an executor outlive the failover to another node.
 */
export declare const DEFAULT_PING_INTERVAL_MS = 2000;
/** nats.js's options for `options`, with the credential files read. */
export declare const connectionOptions: (options: NatsConnectOptions) => Effect.Effect<ConnectionOptions, NatsConnectError>;
/**
 * Connects for as long as the scope lives; closing it flushes what was
 * published (a reset telling peers the stream is over) and closes.
 */
export declare const connectScoped: (options: NatsConnectOptions) => Effect.Effect<NatsConnection, NatsConnectError, Scope.Scope>;
//# sourceMappingURL=natsConnect.d.ts.map