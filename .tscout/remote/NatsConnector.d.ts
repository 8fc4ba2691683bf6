/**
 * The client's way to an environment by id through NATS: a `Connector` of
 * the client (`ExecServerClient.make(NatsConnector.make({...}))`). Each
 * connect dials the cluster, subscribes its end of a new stream, and opens
 * the stream with a request on `exec.<env>.open`; NATS answers "no
 * responders" at once when no executor serves the environment, which is
 * `EnvironmentNotFound`. The stream then carries one JSON-RPC message per
 * message, as a WebSocket does.
 */
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { type BearerTokenOptions } from "../client/bearerToken.js";
import * as ExecServerClient from "../client/ExecServerClient.js";
import * as PromiseClient from "../client/PromiseClient.js";
import type { Connector } from "../client/JsonRpcPeer.js";
import type { NatsConnectOptions } from "./natsOptions.js";
import type * as RS from "./ReliableStream.js";
/**
 * How to reach an environment. `token` or `tokenFile` (read at every
 * connect, as for a WebSocket) is the bearer token the open frame carries,
 * for an executor that asks for one.
 */
export interface NatsConnectorOptions extends NatsConnectOptions, BearerTokenOptions {
    /** The environment's id (one subject token: 1-64 of A-Z a-z 0-9 _ -). */
    readonly environmentId: string;
    /** How long the executor may take to answer an open (ms, default 5000). */
    readonly openTimeoutMs?: number | undefined;
    /** Tuning of the stream's reliability layer (tests shorten its timers). */
    readonly streamOptions?: Partial<Omit<RS.StreamOptions, "streamId">> | undefined;
}
export { parseUrl } from "./natsUrl.js";
/** A connector to the environment: each evaluation opens a new stream, closed (and its NATS connection) with the scope. */
export declare const make: (options: NatsConnectorOptions) => Connector;
/** A client of the environment (reconnecting, and resuming a detachable session, through new streams). */
export declare const layer: (options: NatsConnectorOptions & ExecServerClient.ClientOptions) => Layer.Layer<ExecServerClient.ExecServerClient, Effect.Effect.Error<ReturnType<typeof ExecServerClient.make>>>;
/** The Promise API's client of the environment (`PromiseClient.connect`, by id). */
export declare const connectPromise: (options: NatsConnectorOptions & ExecServerClient.ClientOptions & PromiseClient.Abortable) => Promise<PromiseClient.Client>;
//# sourceMappingURL=NatsConnector.d.ts.map