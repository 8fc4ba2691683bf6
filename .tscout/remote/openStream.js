/**
 * Opening one remote stream to an environment on a NATS connection the
 * caller holds: the client's end subscribed, then the open handshake on
 * `exec.<env>.open`. NatsConnector (one connection per client) and the
 * gateway (one connection for all its clients) both open streams with it.
 * Internal: its signature names nats.js's connection type, which the public
 * modules' declarations avoid (see natsOptions.ts).
 */
import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import { randomUUID } from "node:crypto";
import { NoRespondersError, RequestError, TimeoutError } from "@nats-io/transport-node";
import { ConnectTimeout, EnvironmentNotFound, TransportClosed, Unauthorized } from "../client/ClientError.js";
import * as Frames from "./frames.js";
import * as NatsLink from "./NatsLink.js";
import { environmentIdProblem } from "./natsUrl.js";
import * as RS from "./ReliableStream.js";
const textDecoder = new TextDecoder();
/** Why the executor refused an open, from its reset frame. */
const refusalOf = (reply) => {
    const frame = Frames.decode(reply);
    if (Either.isLeft(frame))
        return `a malformed answer: ${frame.left.message}`;
    if (frame.right.kind === "open")
        return undefined;
    if (frame.right.kind === "reset")
        return textDecoder.decode(frame.right.payload);
    return `an unexpected ${frame.right.kind} frame`;
};
/**
 * Opens a new stream to the environment: this end's channel, one message per
 * message, reset (if not done) and unsubscribed when the scope closes. No
 * executor serving the environment is `EnvironmentNotFound`, at once.
 */
export const open = (connection, options) => Effect.gen(function* () {
    const env = options.environmentId;
    const where = options.where ?? `environment ${env}`;
    const problem = environmentIdProblem(env);
    if (problem !== undefined)
        return yield* new TransportClosed({ message: problem });
    // A stream id nobody else picks: a UUID is a subject token.
    const streamId = randomUUID();
    const channel = yield* NatsLink.open({
        connection,
        env,
        side: "client",
        options: { ...RS.defaultOptions(streamId), ...options.streamOptions, streamId },
        reconnects: options.reconnects
    }).pipe(Effect.mapError((error) => new TransportClosed({ message: error.message })));
    const openTimeoutMs = options.openTimeoutMs ?? 5000;
    const reply = yield* Effect.tryPromise({
        try: () => connection.request(NatsLink.openSubject(env), NatsLink.openRequest(streamId, options.token), { timeout: openTimeoutMs }),
        catch: (error) => error instanceof NoRespondersError ||
            (error instanceof RequestError && error.isNoResponders())
            ? new EnvironmentNotFound({ environmentId: env, message: `no executor serves ${where}` })
            : error instanceof TimeoutError
                ? new ConnectTimeout({ message: `the executor of ${where} did not answer within ${openTimeoutMs} ms` })
                : new TransportClosed({ message: `cannot open a stream to ${where}: ${String(error)}` })
    });
    const refusal = refusalOf(reply.data);
    if (refusal !== undefined) {
        const message = `the executor of ${where} refused the stream: ${refusal}`;
        // As a WebSocket's HTTP 401: not retried, the token has to change first.
        return yield* refusal.startsWith(NatsLink.UNAUTHORIZED_PREFIX) ? new Unauthorized({ message }) : new TransportClosed({ message });
    }
    return channel;
});
//# sourceMappingURL=openStream.js.map