/**
 * Drives `@effect/rpc` groups from JSON-RPC messages: looks the method up in
 * the group, decodes params with the Rpc's payload schema, runs the handler
 * registered with `Group.toHandlersContext` (or `toLayer`), encodes its
 * result with the success schema, and maps typed failures (which carry their
 * code) and defects to JSON-RPC errors. Never fails: every request yields exactly one response.
 */
import * as Headers from "@effect/platform/Headers";
import * as Rpc from "@effect/rpc/Rpc";
import * as Cause from "effect/Cause";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as FiberRef from "effect/FiberRef";
import * as Either from "effect/Either";
import * as Option from "effect/Option";
import { ErrorCode, toWireError } from "../protocol/errors.js";
import { Connection, RequestHooks, ResponseHooks } from "./Connection.js";
import * as Metrics from "../observability/metrics.js";
import { formatParseError } from "../wire/parseErrors.js";
import { codecOf } from "../wire/RpcCodecs.js";
const isWireError = (error) => typeof error === "object" && error !== null && "code" in error && typeof error.code === "number" &&
    "message" in error && typeof error.message === "string";
/** The wire error of a handler's failure cause; defects are logged and reported as -32603. */
const wireErrorOf = (method, cause) => {
    const failure = Cause.failureOption(cause);
    if (Option.isSome(failure)) {
        const error = failure.value;
        if (isWireError(error))
            return Effect.succeed(toWireError(error));
        return Effect.as(Effect.logError(`${method} failed with an untyped error`, cause), { code: ErrorCode.InternalError, message: `internal error: ${String(error)}` });
    }
    if (Cause.isInterruptedOnly(cause)) {
        return Effect.succeed({ code: ErrorCode.InternalError, message: "request cancelled: the server is shutting down" });
    }
    return Effect.as(Effect.logError(`${method} died`, cause), { code: ErrorCode.InternalError, message: `internal error in ${method}` });
};
/** Builds the dispatcher of one connection. */
export const makeDispatcher = (options) => {
    const { connection, handlers } = options;
    const handlerOptions = { clientId: connection.id, headers: Headers.empty };
    // Each handler runs in the context it was registered with, plus the
    // connection's; built once per method.
    const contexts = new Map();
    const invoke = (rpc, payload, hooks) => {
        const entry = handlers.unsafeMap.get(rpc.key);
        if (entry === undefined)
            return Effect.die(new Error(`no handler registered for ${rpc._tag}`));
        let context = contexts.get(rpc.key);
        if (context === undefined) {
            const base = options.requestContext === undefined ? entry.context : Context.merge(entry.context, options.requestContext);
            context = Context.add(base, Connection, connection);
            contexts.set(rpc.key, context);
        }
        const result = entry.handler(payload, handlerOptions);
        const effect = (Rpc.isWrapper(result) ? result.value : result);
        return Effect.zipRight(FiberRef.set(FiberRef.currentContext, Context.add(context, ResponseHooks, hooks)), effect);
    };
    const handleRequest = (request) => {
        const startedAt = performance.now();
        // Known methods only: a label per name a client makes up would grow without bound.
        const methodLabel = Metrics.label("method", options.requests.requests.has(request.method) ? request.method : "unknown");
        const observe = (dispatched) => {
            Metrics.requestDuration.unsafeUpdate((performance.now() - startedAt) / 1000, methodLabel);
            const response = dispatched.response;
            if ("error" in response)
                Metrics.bump(Metrics.errors, 1, Metrics.label("code", response.error.code));
            return dispatched;
        };
        const dispatched = Effect.map(dispatch(request), observe);
        if (options.traced !== true)
            return dispatched;
        const method = methodLabel[0].value;
        return Effect.withSpan(dispatched, method, {
            kind: "server",
            attributes: { "rpc.system": "jsonrpc", "rpc.method": method, "exec_server.connection_id": connection.id }
        });
    };
    const dispatch = (request) => {
        const answerError = (error) => ({ response: { id: request.id, error }, afterResponse: Effect.void });
        const rpc = options.requests.requests.get(request.method);
        if (rpc === undefined) {
            return Effect.succeed(answerError({ code: ErrorCode.MethodNotFound, message: `method not found: ${request.method}` }));
        }
        const codec = codecOf(rpc);
        const payload = codec.decodePayload(request.params ?? {});
        if (Either.isLeft(payload)) {
            return Effect.succeed(answerError({
                code: ErrorCode.InvalidParams,
                message: `invalid params for ${request.method}: ${formatParseError(payload.left)}`
            }));
        }
        const hooks = new RequestHooks();
        const failed = (cause) => Effect.map(wireErrorOf(request.method, cause), answerError);
        return invoke(rpc, payload.right, hooks).pipe(Effect.matchCauseEffect({
            onFailure: failed,
            onSuccess: (value) => {
                const result = codec.encodeSuccess(value);
                // A handler's result that does not fit its schema is a bug of ours.
                return Either.isRight(result)
                    ? Effect.succeed({ response: { id: request.id, result: result.right }, afterResponse: hooks.answered })
                    : failed(Cause.die(result.left));
            }
        }));
    };
    const handleNotification = (notification) => {
        const rpc = options.notifications.requests.get(notification.method);
        if (rpc === undefined) {
            return Effect.logWarning(`ignoring client notification ${notification.method}`);
        }
        const payload = codecOf(rpc).decodePayload(notification.params ?? {});
        if (Either.isLeft(payload)) {
            return Effect.logWarning(`client notification ${notification.method} has invalid params: ${formatParseError(payload.left)}`);
        }
        // No response: what a notification's handler defers runs at once.
        return invoke(rpc, payload.right, new RequestHooks(true)).pipe(Effect.catchAllCause((cause) => Effect.logWarning(`client notification ${notification.method} failed`, cause)), Effect.asVoid);
    };
    return { handleRequest, handleNotification };
};
//# sourceMappingURL=Dispatcher.js.map