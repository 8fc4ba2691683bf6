import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import type * as Scope from "effect/Scope";
import { isToken } from "./natsUrl.js";
import type { NatsConnection } from "@nats-io/transport-node";
import * as ReliableChannel from "./ReliableChannel.js";
import type { StreamOptions } from "./ReliableStream.js";
/** Which end of a stream this is. */
export type Side = "client" | "executor";
declare const NatsLinkError_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "RemoteNatsLinkError";
} & Readonly<A>;
/** Why a link could not be opened. */
export declare class NatsLinkError extends NatsLinkError_base<{
    readonly reason: "bad-name" | "subscribe";
    readonly message: string;
}> {
}
/** The subject a side's frames are published on. */
export declare const subjectTo: (env: string, streamId: string, to: Side) => string;
/**
 * The subject a client opens a stream on: a NATS request carrying an `open`
 * frame of the new stream, answered by the executor with an `open` frame
 * (accepted, its end subscribed) or a `reset` frame whose payload says why
 * not. No executor serving the environment: NATS answers "no responders" at once.
 */
export declare const openSubject: (env: string) => string;
/** A control frame of a stream (no seq): the `open` of the open handshake, or the `reset` refusing it with a reason. */
export declare const controlFrame: (kind: "open" | "reset", streamId: string, text?: string) => Uint8Array;
/** A client's `open` frame of a new stream, with its bearer token if it has one. */
export declare const openRequest: (streamId: string, bearer: string | undefined) => Uint8Array;
/** The bearer token an `open` frame's payload carries (undefined: none), or why the payload is malformed. */
export declare const bearerOfOpen: (payload: Uint8Array) => Either.Either<string | undefined, string>;
/**
 * How a refusal for want of credentials begins (`unauthorized: expired bearer
 * token`): the client tells it from other refusals, and reports it as such.
 */
export declare const UNAUTHORIZED_PREFIX = "unauthorized: ";
export { isToken };
/** Calls `onStatus` with the type of each status event of the connection (`reconnect`, `disconnect`, ...) for as long as the scope lives. */
export declare const watchStatuses: (connection: NatsConnection, onStatus: (type: string) => void) => Effect.Effect<void, never, Scope.Scope>;
/** The reconnects of one NATS connection, told to every stream on it by one status watcher. */
export interface Reconnects {
    /** Calls `listener` at each reconnect of the connection for as long as the scope lives. */
    readonly onReconnect: (listener: () => void) => Effect.Effect<void, never, Scope.Scope>;
}
/**
 * Watches a connection's reconnects for as long as the scope lives. One
 * watcher per connection, not per stream: an executor's 128 streams share
 * one, and so do a gateway's.
 */
export declare const watchReconnects: (connection: NatsConnection) => Effect.Effect<Reconnects, never, Scope.Scope>;
/**
 * Opens `side`'s end of stream `options.streamId` of environment `env` on a
 * connection; closing the scope unsubscribes. `reconnects` is the
 * connection's watcher when several streams share it (one is made otherwise).
 */
export declare const open: (params: {
    readonly connection: NatsConnection;
    readonly env: string;
    readonly side: Side;
    readonly options: StreamOptions;
    readonly reconnects?: Reconnects | undefined;
    /** Takes what comes in as it comes, instead of `receive` (ReliableChannel.make). */
    readonly deliver?: ReliableChannel.Deliver | undefined;
}) => Effect.Effect<ReliableChannel.ReliableChannel, NatsLinkError, Scope.Scope>;
//# sourceMappingURL=NatsLink.d.ts.map