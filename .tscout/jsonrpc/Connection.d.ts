/**
 * The per-connection service handlers use to talk back to their client
 * (push notifications), and the per-request one they use to defer work
 * until their response is written.
 */
import type * as Rpc from "@effect/rpc/Rpc";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type { FlowControl } from "./FlowControl.js";
import { type OutgoingMessage } from "../wire/JsonRpc.js";
/** A client connection as seen by a handler. */
export interface ConnectionService {
    /** Process-unique id of the connection; handlers receive it as `clientId`. */
    readonly id: number;
    /**
     * Enqueues an already-serialized message for the client, in call order.
     * Never blocks: it is called on the output hot path and from callbacks.
     */
    readonly send: (message: OutgoingMessage) => void;
    /** A buffer for a message about to be sent, from the connection's pool (taken back once written). */
    readonly allocate: (size: number) => Buffer;
    /** Says when the client is behind and producers should pause. */
    readonly flow: FlowControl;
}
declare const Connection_base: Context.TagClass<Connection, "effect-exec-server/Connection", ConnectionService>;
/** The connection a handler is serving. */
export declare class Connection extends Connection_base {
}
/**
 * Serializes a notification with its Rpc's payload schema. Encoding a value
 * of the schema's own type cannot fail, so a failure is a defect.
 */
export declare const encodeNotificationOf: <R extends Rpc.Any>(rpc: R, payload: Rpc.Payload<R>) => string;
/** A request's hold on its own response, as its handler sees it. */
export interface ResponseHooksService {
    /**
     * Runs `effect` right after this request's response is enqueued, so that,
     * for example, a process's first notification never overtakes the
     * `process/start` response; at once if the response is already out (a
     * fiber the handler forked may call it late).
     */
    readonly afterResponse: (effect: Effect.Effect<void>) => Effect.Effect<void>;
}
declare const ResponseHooks_base: Context.TagClass<ResponseHooks, "effect-exec-server/ResponseHooks", ResponseHooksService>;
/** The current request's response hooks: the dispatcher provides one per request. */
export declare class ResponseHooks extends ResponseHooks_base {
}
/** Hooks with no response to wait for: deferred effects run at once. */
export declare const noResponse: ResponseHooksService;
/** `ResponseHooks.afterResponse` of the current request. */
export declare const afterResponse: (effect: Effect.Effect<void>) => Effect.Effect<void, never, ResponseHooks>;
/** One request's hooks: what waits for the response, until `answered` runs it. */
export declare class RequestHooks implements ResponseHooksService {
    private pending;
    /** `answered`: there is no response to wait for (a notification, or outside any request). */
    constructor(answered?: boolean);
    readonly afterResponse: (effect: Effect.Effect<void>) => Effect.Effect<void>;
    /** The response is enqueued: runs what waited for it; later calls run at once. */
    readonly answered: Effect.Effect<void>;
}
export {};
//# sourceMappingURL=Connection.d.ts.map