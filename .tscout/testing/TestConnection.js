/**
 * An in-memory client connection to the server's handlers: JSON-RPC messages
 * go through the real codec and dispatcher, with no transport. For tests of
 * handlers with mocked Layers and for checking the wire format.
 */
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as Layer from "effect/Layer";
import * as Mailbox from "effect/Mailbox";
import * as Queue from "effect/Queue";
import { messageText } from "../wire/JsonRpc.js";
import { serveClient } from "../server/ExecServer.js";
/** Connects an in-memory client; the connection closes with the scope. */
export const make = Effect.gen(function* () {
    const incoming = yield* Mailbox.make();
    const notifications = yield* Queue.unbounded();
    const others = yield* Queue.unbounded();
    const pending = new Map();
    const received = [];
    let nextId = 1;
    const route = (message) => {
        received.push(message);
        if (Array.isArray(message)) {
            Queue.unsafeOffer(others, message);
            return;
        }
        if ("method" in message && !("id" in message)) {
            Queue.unsafeOffer(notifications, message);
            return;
        }
        const waiter = pending.get(message.id);
        if (waiter !== undefined) {
            pending.delete(message.id);
            Deferred.unsafeDone(waiter, Effect.succeed(message));
        }
        else {
            Queue.unsafeOffer(others, message);
        }
    };
    const server = yield* serveClient({
        frames: incoming,
        write: (messages, done) => {
            for (const message of messages)
                route(JSON.parse(messageText(message)));
            done();
        },
        close: Effect.void
    }).pipe(Effect.forkScoped);
    const sendRaw = (message) => incoming.offer({ _tag: "Text", text: typeof message === "string" ? message : JSON.stringify(message) })
        .pipe(Effect.asVoid);
    const request = (method, params) => Effect.gen(function* () {
        const id = nextId++;
        const response = yield* Deferred.make();
        pending.set(id, response);
        yield* sendRaw(params === undefined ? { id, method } : { id, method, params });
        return (yield* Deferred.await(response));
    });
    const notify = (method, params) => sendRaw(params === undefined ? { method } : { method, params });
    const nextNotification = (predicate) => Effect.gen(function* () {
        while (true) {
            const notification = yield* Queue.take(notifications);
            if (predicate === undefined || predicate(notification))
                return notification;
        }
    });
    return {
        sendRaw,
        request,
        notify,
        handshake: Effect.gen(function* () {
            const response = yield* request("initialize", { clientName: "test" });
            yield* notify("initialized", {});
            return response;
        }),
        nextNotification,
        nextMessage: Queue.take(others),
        received,
        close: Effect.zipRight(incoming.end, Fiber.join(server))
    };
});
/**
 * Connects an in-memory client to a server built from `services` in the
 * current scope (so scoped services such as the session store live as long
 * as the test, not just while connecting).
 */
export const makeWith = (services) => Effect.flatMap(Layer.build(services), (context) => Effect.provide(make, context));
//# sourceMappingURL=TestConnection.js.map