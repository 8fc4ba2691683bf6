/**
 * A client of a server running in this process, with no socket or pipe:
 * the real connection loop, dispatcher and handlers, fed through in-memory
 * mailboxes. It lives with the testing tools because it needs the server
 * (its services and handlers); the client itself imports nothing of it.
 */
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Logger from "effect/Logger";
import * as LogLevel from "effect/LogLevel";
import * as Mailbox from "effect/Mailbox";
import { TransportClosed } from "../client/ClientError.js";
import { ExecServerClient, make } from "../client/ExecServerClient.js";
import { messageText } from "../wire/JsonRpc.js";
import { serveClient } from "../server/ExecServer.js";
/**
 * Serves the client in this process: messages go straight to the server's
 * dispatcher and handlers, with no socket or pipe. Needs the server's
 * services (spawners, output buffer, config). The server's log lines below
 * `serverLogLevel` (Warning by default: a test's output is read by a person)
 * are dropped.
 */
export const transportWith = (serverLogLevel = LogLevel.Warning) => Effect.gen(function* () {
    const toServer = yield* Mailbox.make();
    const toClient = yield* Mailbox.make();
    yield* serveClient({
        frames: toServer,
        write: (messages, done) => {
            toClient.unsafeOfferAll(messages.map(messageText));
            done();
        },
        close: Effect.void
    }).pipe(Logger.withMinimumLogLevel(serverLogLevel), Effect.ensuring(toClient.fail(new TransportClosed({ message: "the in-process server stopped" }))), Effect.forkScoped);
    yield* Effect.addFinalizer(() => toServer.end);
    return {
        incoming: Mailbox.toStream(toClient),
        send: (messages) => Effect.sync(() => void toServer.unsafeOfferAll(messages.map((text) => ({ _tag: "Text", text }))))
    };
});
/** `transportWith()`: the server's log lines below Warning dropped. */
export const transport = transportWith();
/** The typed client of a server in this process (it needs the server's services); `serverLogLevel` as `transportWith`'s. */
export const layer = (options = {}) => Layer.scoped(ExecServerClient, Effect.flatMap(Effect.context(), (services) => make(Effect.provide(transportWith(options.serverLogLevel), services), { ...options, reconnect: false })));
//# sourceMappingURL=InProcessClient.js.map