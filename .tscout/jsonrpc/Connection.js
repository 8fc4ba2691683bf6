import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import { encodeNotification } from "../wire/JsonRpc.js";
import { codecOf } from "../wire/RpcCodecs.js";
/** The connection a handler is serving. */
export class Connection extends Context.Tag("effect-exec-server/Connection")() {
}
/**
 * Serializes a notification with its Rpc's payload schema. Encoding a value
 * of the schema's own type cannot fail, so a failure is a defect.
 */
export const encodeNotificationOf = (rpc, payload) => encodeNotification(rpc._tag, Either.getOrThrowWith(codecOf(rpc).encodePayload(payload), (error) => error));
/** The current request's response hooks: the dispatcher provides one per request. */
export class ResponseHooks extends Context.Tag("effect-exec-server/ResponseHooks")() {
}
/** Hooks with no response to wait for: deferred effects run at once. */
export const noResponse = {
    afterResponse: (effect) => effect
};
/** `ResponseHooks.afterResponse` of the current request. */
export const afterResponse = (effect) => Effect.flatMap(ResponseHooks, (hooks) => hooks.afterResponse(effect));
/** One request's hooks: what waits for the response, until `answered` runs it. */
export class RequestHooks {
    pending;
    /** `answered`: there is no response to wait for (a notification, or outside any request). */
    constructor(answered = false) {
        this.pending = answered ? undefined : [];
    }
    afterResponse = (effect) => Effect.suspend(() => {
        if (this.pending === undefined)
            return effect;
        this.pending.push(effect);
        return Effect.void;
    });
    /** The response is enqueued: runs what waited for it; later calls run at once. */
    answered = Effect.suspend(() => {
        const pending = this.pending;
        this.pending = undefined;
        return pending === undefined || pending.length === 0 ? Effect.void : Effect.all(pending, { discard: true });
    });
}
//# sourceMappingURL=Connection.js.map