import * as Rpc from "@effect/rpc/Rpc";
import type * as RpcGroup from "@effect/rpc/RpcGroup";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import { type ConnectionService } from "./Connection.js";
import type { NotificationMessage, RequestMessage, ResponseMessage } from "../wire/JsonRpc.js";
/** A response, and what to run once it is enqueued (the request's `afterResponse` effects). */
export interface Dispatched {
    readonly response: ResponseMessage;
    readonly afterResponse: Effect.Effect<void>;
}
/**
 * Runs requests and notifications of one connection against its handlers.
 * Each effect it returns replaces the context of the fiber that runs it with
 * its handler's (cheaper than scoping a context per request), so run each in
 * a fiber of its own and nothing after it that needs a context.
 */
export interface Dispatcher {
    readonly handleRequest: (request: RequestMessage) => Effect.Effect<Dispatched>;
    readonly handleNotification: (notification: NotificationMessage) => Effect.Effect<void>;
}
/** Builds the dispatcher of one connection. */
export declare const makeDispatcher: <Rpcs extends Rpc.Any, Notes extends Rpc.Any>(options: {
    readonly requests: RpcGroup.RpcGroup<Rpcs>;
    readonly notifications: RpcGroup.RpcGroup<Notes>;
    readonly handlers: Context.Context<Rpc.ToHandler<Rpcs> | Rpc.ToHandler<Notes>>;
    readonly connection: ConnectionService;
    /**
     * What else of the connection its requests' handlers find in their
     * context, beside `Connection` (handlers built once for many connections
     * find the connection's own services here).
     */
    readonly requestContext?: Context.Context<never> | undefined;
    /** A span per request (off by default: spans are not free). */
    readonly traced?: boolean | undefined;
}) => Dispatcher;
//# sourceMappingURL=Dispatcher.d.ts.map