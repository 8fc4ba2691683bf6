import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import type { ConnectionService } from "./Connection.js";
import * as Outbound from "./Outbound.js";
import type { FrameTransport } from "./Transport.js";
import type { Dispatcher } from "./Dispatcher.js";
import { type RequestMessage } from "../wire/JsonRpc.js";
/**
 * How a request is scheduled relative to the others of its connection:
 * `Concurrent`; in the `Lane` of a key (requests with the same key run one
 * after the other, in arrival order); `After` the lane's requests that
 * arrived before it, without holding up those that come later (a long-poll
 * read); or `Sequential` (nothing after it is read until it is done — for
 * the handshake).
 */
export type Ordering = {
    readonly _tag: "Concurrent";
} | {
    readonly _tag: "Lane";
    readonly key: string;
} | {
    readonly _tag: "After";
    readonly key: string;
} | {
    readonly _tag: "Sequential";
};
/** Options of `serveConnection`. */
export interface ServeConnectionOptions<R> {
    readonly transport: FrameTransport;
    /** Frames larger than this many bytes are answered with -32600 and dropped. */
    readonly maxMessageBytes: number;
    readonly ordering: (request: RequestMessage) => Ordering;
    /** Builds the connection's dispatcher; its scope is the connection's. */
    readonly makeDispatcher: (connection: ConnectionService) => Effect.Effect<Dispatcher, never, R | Scope.Scope>;
    /** How long to let in-flight requests finish after the peer stops sending. */
    readonly drainTimeoutMs?: number;
    /** Bytes queued for the client above which producers are paused (default 8 MiB); they resume below a quarter of it. */
    readonly outboundHighWaterMark?: number;
    /** The pool outgoing message buffers come from, shared by a server's connections (default: one of the connection's own). */
    readonly messagePool?: Outbound.MessagePool | undefined;
    /**
     * Requests in flight (running, or waiting for their turn in a lane) above
     * which a new one is answered at once with a retryable -32001, so that a
     * client cannot pin unbounded fibers and memory (default 4096).
     */
    readonly maxInflightRequests?: number;
    /**
     * Bytes of request messages in flight on a connection (requests waiting
     * for their turn in a lane included), beyond which a new one is answered at
     * once with a retryable -32001: large requests that wait (slow upstreams of
     * http/request, a lane held up) must not grow the server without bound
     * (default 64 MiB; a request alone is always taken).
     */
    readonly maxInflightRequestBytes?: number;
}
/**
 * Serves a connection until its frames end or its writes fail, then lets
 * in-flight requests finish (bounded), closes the dispatcher's scope (which
 * ends the connection's sessions and processes) and flushes what is left to
 * write.
 */
export declare const serveConnection: <R>(options: ServeConnectionOptions<R>) => Effect.Effect<void, never, Exclude<R, Scope.Scope>>;
//# sourceMappingURL=JsonRpcServer.d.ts.map