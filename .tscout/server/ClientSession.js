/**
 * The state of one client connection: where it is in the handshake, and the
 * session it is attached to once `initialize` created or resumed one. When
 * the connection's scope closes the session is released: closed (its
 * processes terminated) or detached, as the client asked.
 */
import * as Context from "effect/Context";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as FiberId from "effect/FiberId";
import * as Runtime from "effect/Runtime";
import * as Scope from "effect/Scope";
import { InvalidRequest } from "../protocol/errors.js";
import { PROTOCOL_VERSION } from "../protocol/schema.js";
import { Connection } from "../jsonrpc/Connection.js";
import { notificationOf } from "./notifications.js";
import * as Metrics from "../observability/metrics.js";
import { ServerConfig } from "./ServerConfig.js";
import { SessionStore } from "./SessionStore.js";
/** The current connection's handshake and session. */
export class ClientSession extends Context.Tag("effect-exec-server/ClientSession")() {
}
/** A connection's handshake state, released with the current scope. */
export const make = Effect.gen(function* () {
    const config = yield* ServerConfig;
    const connection = yield* Connection;
    const store = yield* SessionStore;
    const services = yield* Effect.context();
    let state = "awaitingInitialize";
    let attachment;
    const runtime = yield* Effect.runtime();
    const peer = {
        connectionId: connection.id,
        sink: (event) => {
            if (event._tag === "Output")
                Metrics.bump(Metrics.outputBytes, event.bytes.byteLength, Metrics.STREAM_LABELS[event.stream]);
            connection.send(notificationOf(event, connection.allocate));
        },
        flow: connection.flow,
        log: (effect) => void Runtime.runFork(runtime)(effect)
    };
    const scope = yield* Effect.scope;
    // Scope.addFinalizer: Effect.addFinalizer would diff every fiber ref twice.
    yield* Scope.addFinalizer(scope, Effect.suspend(() => attachment?.release ?? Effect.void));
    const resources = new Map();
    const resource = (key, make) => Effect.suspend(() => {
        const existing = resources.get(key);
        if (existing !== undefined)
            return Deferred.await(existing);
        // Claimed before anything yields: a concurrent request waits for this one's.
        const made = Deferred.unsafeMake(FiberId.none);
        resources.set(key, made);
        return Effect.uninterruptible(Effect.tap(Scope.extend(make, scope), (value) => Deferred.succeed(made, value)));
    });
    const notReady = () => new InvalidRequest({
        message: state === "awaitingInitialize"
            ? "client must call initialize before using exec methods"
            : "client must send initialized before using exec methods"
    });
    const session = Effect.suspend(() => state === "ready" && attachment !== undefined ? Effect.succeed(attachment.session) : Effect.fail(notReady()));
    const processes = Effect.map(session, (current) => current.processes);
    return {
        initialize: (params) => Effect.gen(function* () {
            if (state !== "awaitingInitialize") {
                return yield* new InvalidRequest({ message: "initialize may only be sent once per connection" });
            }
            attachment = params.resumeSessionId !== undefined
                ? yield* store.resume(peer, { sessionId: params.resumeSessionId, detachTtlMs: params.detachTtlMs })
                : yield* store.create(peer, { detachTtlMs: params.detachTtlMs ?? 0 }).pipe(Effect.provide(services));
            state = "awaitingInitialized";
            return {
                protocolVersion: PROTOCOL_VERSION,
                sessionId: attachment.session.sessionId,
                serverInfo: { name: config.serverName, version: config.serverVersion },
                limits: { maxMessageBytes: config.maxMessageBytes }
            };
        }).pipe(
        // A session attached must reach `attachment`, which the connection's finalizer releases.
        Effect.uninterruptible),
        initialized: Effect.sync(() => {
            if (state === "awaitingInitialized")
                state = "ready";
        }),
        processes,
        files: Effect.map(session, (current) => current.files),
        requireReady: Effect.asVoid(session),
        scope,
        resource
    };
});
//# sourceMappingURL=ClientSession.js.map