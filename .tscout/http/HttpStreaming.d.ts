/**
 * The body of an `http/request` response, buffered up to a limit or
 * streamed in deltas under a client's flow control, within the request's
 * deadline. Beside the exchange itself (HttpExchange.ts); what sends the
 * deltas and tells whether the client is behind is the caller's.
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse";
import * as Effect from "effect/Effect";
import { InternalError, InvalidRequest } from "../protocol/errors.js";
/** The most one `http/request/bodyDelta` carries (as the reference). */
export declare const MAX_BODY_DELTA_BYTES: number;
/** Whether the client is behind, as a connection's flow control says it. */
export interface Flow {
    readonly paused: () => boolean;
    /** Calls `listener` on every change; returns the unsubscribe. */
    readonly subscribe: (listener: (paused: boolean) => void) => () => void;
}
/** `effect` within `remainingMs` of the request's deadline of `timeoutMs` (the one the error names). */
export declare const withDeadline: <A, E, R>(effect: Effect.Effect<A, E, R>, timeoutMs: number | undefined, remainingMs?: number | undefined) => Effect.Effect<A, InternalError | E, R>;
/** The response's headers as the protocol lists them. */
export declare const headersOf: (response: HttpClientResponse.HttpClientResponse) => {
    name: string;
    value: string;
}[];
/** The whole body, refused past `maxBytes` (the client should ask for it streamed). */
export declare const readBody: (response: HttpClientResponse.HttpClientResponse, maxBytes: number) => Effect.Effect<Uint8Array<ArrayBuffer>, InvalidRequest | InternalError, never>;
/**
 * Streams the body as deltas of at most `MAX_BODY_DELTA_BYTES`, each sent
 * once the client is not behind, then a last empty one that is `done` (with
 * the error that ended it, if one did), within what is left of the deadline.
 */
export declare const streamBody: (response: HttpClientResponse.HttpClientResponse, options: {
    readonly flow: Flow;
    readonly send: (delta: Uint8Array, done: boolean, error: string | null) => void;
    readonly timeoutMs: number | undefined;
    readonly remainingMs: number | undefined;
}) => Effect.Effect<void>;
//# sourceMappingURL=HttpStreaming.d.ts.map