import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { InternalError, InvalidRequest } from "../protocol/errors.js";
import { failureOf } from "./HttpExchange.js";
/** The most one `http/request/bodyDelta` carries (as the reference). */
export const MAX_BODY_DELTA_BYTES = 1024 * 1024;
/** Waits while the client is behind. */
const flowing = (flow) => Effect.async((resume) => {
    if (!flow.paused())
        return resume(Effect.void);
    const unsubscribe = flow.subscribe((paused) => {
        if (paused)
            return;
        unsubscribe();
        resume(Effect.void);
    });
    return Effect.sync(unsubscribe);
});
const timedOut = (timeoutMs) => new InternalError({ message: `http/request failed: timed out after ${timeoutMs} ms` });
/** `effect` within `remainingMs` of the request's deadline of `timeoutMs` (the one the error names). */
export const withDeadline = (effect, timeoutMs, remainingMs = timeoutMs) => timeoutMs === undefined || remainingMs === undefined
    ? effect
    : Effect.timeoutFail(effect, { duration: remainingMs, onTimeout: () => timedOut(timeoutMs) });
/** The response's headers as the protocol lists them. */
export const headersOf = (response) => Object.entries(response.headers).map(([name, value]) => ({ name, value }));
/** The whole body, refused past `maxBytes` (the client should ask for it streamed). */
export const readBody = (response, maxBytes) => response.stream.pipe(Stream.mapError(failureOf), Stream.runFoldEffect({ chunks: [], bytes: 0 }, (acc, chunk) => {
    acc.bytes += chunk.byteLength;
    if (acc.bytes > maxBytes) {
        return Effect.fail(new InvalidRequest({
            message: `http/request: the response body is larger than ${maxBytes} bytes (--max-http-response-bytes); ask for streamResponse`
        }));
    }
    acc.chunks.push(chunk);
    return Effect.succeed(acc);
}), Effect.map((acc) => new Uint8Array(Buffer.concat(acc.chunks))));
/**
 * Streams the body as deltas of at most `MAX_BODY_DELTA_BYTES`, each sent
 * once the client is not behind, then a last empty one that is `done` (with
 * the error that ended it, if one did), within what is left of the deadline.
 */
export const streamBody = (response, options) => {
    const { send } = options;
    const body = response.stream.pipe(Stream.mapError(failureOf), Stream.runForEach((chunk) => Effect.zipRight(flowing(options.flow), Effect.sync(() => {
        for (let offset = 0; offset < chunk.byteLength; offset += MAX_BODY_DELTA_BYTES) {
            send(chunk.subarray(offset, offset + MAX_BODY_DELTA_BYTES), false, null);
        }
    }))));
    return withDeadline(body, options.timeoutMs, options.remainingMs).pipe(Effect.match({
        onSuccess: () => send(new Uint8Array(0), true, null),
        onFailure: (error) => send(new Uint8Array(0), true, error.message)
    }));
};
//# sourceMappingURL=HttpStreaming.js.map