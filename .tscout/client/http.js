/**
 * HTTP requests the server makes on the client's behalf (`http/request`) on
 * the peer: the body buffered, or streamed from the server's
 * `http/request/bodyDelta` notifications, which it routes to their streams.
 */
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Mailbox from "effect/Mailbox";
import { InternalError } from "../protocol/errors.js";
import { toBytes } from "./fields.js";
const paramsOf = (request, requestId, streamResponse) => ({
    method: request.method ?? "GET",
    url: request.url,
    headers: (request.headers ?? []).map((header) => ({
        name: header.name,
        value: header.value ?? "",
        ...(header.valueEnvVar === undefined ? {} : { valueEnvVar: header.valueEnvVar })
    })),
    ...(request.body === undefined ? {} : { bodyBase64: toBytes(request.body) }),
    ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
    redirectPolicy: request.redirectPolicy ?? "follow",
    requestId,
    streamResponse
});
/** The http API on `peer`; a streamed body fails when the connection it comes on drops. */
export const make = (peer) => {
    /** Where each streamed HTTP body's deltas go, by request id. */
    const bodyStreams = new Map();
    let nextRequestNumber = 1;
    peer.subscribe("http/request/bodyDelta", (delta) => bodyStreams.get(delta.requestId)?.(delta));
    peer.listen({
        linkLost: (error) => {
            for (const deliver of [...bodyStreams.values()]) {
                deliver({ requestId: "", seq: 1, deltaBase64: new Uint8Array(0), done: true, error: error.message });
            }
            bodyStreams.clear();
        }
    });
    return {
        request: (request) => Effect.map(peer.call("http/request", paramsOf(request, `q-${nextRequestNumber++}`, false)), (result) => ({
            status: result.status,
            headers: result.headers,
            body: result.bodyBase64
        })),
        stream: (request) => Effect.gen(function* () {
            const requestId = `s-${process.pid}-${nextRequestNumber++}`;
            const body = yield* Mailbox.make();
            // Listening before the request goes out: no delta can come first and be lost.
            yield* Effect.acquireRelease(Effect.sync(() => bodyStreams.set(requestId, (delta) => {
                if (delta.deltaBase64.byteLength > 0)
                    body.unsafeOffer(delta.deltaBase64);
                if (!delta.done)
                    return;
                bodyStreams.delete(requestId);
                body.unsafeDone(delta.error === null
                    ? Exit.void
                    : Exit.fail(new InternalError({ message: `http/request body failed: ${delta.error}` })));
            })), () => Effect.sync(() => bodyStreams.delete(requestId)));
            const result = yield* peer.call("http/request", paramsOf(request, requestId, true)).pipe(Effect.tapError(() => Effect.sync(() => bodyStreams.delete(requestId))));
            return { status: result.status, headers: result.headers, body: Mailbox.toStream(body) };
        })
    };
};
//# sourceMappingURL=http.js.map