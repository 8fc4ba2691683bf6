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
import * as Option from "effect/Option";
import * as Stream from "effect/Stream";
import { bearerTokenOf } from "../client/bearerToken.js";
import { ConnectTimeout, TransportClosed } from "../client/ClientError.js";
import * as ExecServerClient from "../client/ExecServerClient.js";
import * as PromiseClient from "../client/PromiseClient.js";
import * as NatsConnect from "./natsConnect.js";
import { environmentIdProblem } from "./natsUrl.js";
import * as OpenStream from "./openStream.js";
export { parseUrl } from "./natsUrl.js";
const textDecoder = new TextDecoder();
/** A connector to the environment: each evaluation opens a new stream, closed (and its NATS connection) with the scope. */
export const make = (options) => Effect.gen(function* () {
    const env = options.environmentId;
    const where = `environment ${env} at ${options.servers.join(",")}`;
    const problem = environmentIdProblem(env);
    if (problem !== undefined)
        return yield* new TransportClosed({ message: problem });
    const token = yield* bearerTokenOf(options);
    const connection = yield* NatsConnect.connectScoped(options).pipe(Effect.mapError((error) => error.reason === "connect" && /timeout/i.test(error.message)
        ? new ConnectTimeout({ message: error.message })
        : new TransportClosed({ message: error.message })));
    const channel = yield* OpenStream.open(connection, { ...options, where, token });
    const sendLock = yield* Effect.makeSemaphore(1);
    /** Batches waiting for credit (holding or waiting for the lock): a later batch must not overtake them. */
    let batchesSending = 0;
    const closed = (error) => new TransportClosed({
        message: error.byPeer ? `the executor of ${where} ended the stream: ${error.reason}` : `stream to ${where} ended: ${error.reason}`
    });
    const incoming = Stream.repeatEffectOption(channel.receive.pipe(Effect.mapError((error) => Option.some(closed(error))), Effect.flatMap(Option.match({
        onNone: () => Effect.fail(Option.none()),
        onSome: (bytes) => Effect.succeed(textDecoder.decode(bytes))
    }))));
    return {
        incoming,
        // Whole batches in order: the channel's own lock is per message.
        send: (messages) => Effect.suspend(() => {
            const bytes = messages.map((message) => Buffer.from(message, "utf8"));
            // Within the executor's credit, and with no batch before it still going out, a batch leaves at once.
            let sent = 0;
            if (batchesSending === 0)
                while (sent < bytes.length && channel.trySend(bytes[sent]))
                    sent++;
            if (sent === bytes.length)
                return Effect.void;
            batchesSending++;
            return sendLock.withPermits(1)(Effect.forEach(bytes.slice(sent), channel.send, { discard: true })).pipe(Effect.ensuring(Effect.sync(() => batchesSending--)), Effect.mapError(closed));
        })
    };
});
/** A client of the environment (reconnecting, and resuming a detachable session, through new streams). */
export const layer = (options) => Layer.scoped(ExecServerClient.ExecServerClient, ExecServerClient.make(make(options), options));
/** The Promise API's client of the environment (`PromiseClient.connect`, by id). */
export const connectPromise = (options) => PromiseClient.connectWith(make(options), options);
//# sourceMappingURL=NatsConnector.js.map