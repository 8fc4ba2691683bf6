import * as Effect from "effect/Effect";
import * as ListenUrl from "../transport/listenUrl.js";
import type { BearerAuth } from "../transport/bearerAuth.js";
import type { SignedBearerOptions } from "../transport/signedBearer.js";
import type * as ServerFlags from "./commandFlags.js";
import type { ValuesOf } from "./flagOptions.js";
declare const ListenUrlError_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "ListenUrlError";
} & Readonly<A>;
/** A `--listen` value (or a flag of the listener) the command cannot serve. */
export declare class ListenUrlError extends ListenUrlError_base<{
    readonly message: string;
}> {
}
/** What the WebSocket listener needs to know about who may connect. */
export type WebSocketFlags = ValuesOf<typeof ServerFlags.webSocketFlags> & {
    /** Both transports take it: the server's limit of one message. */
    readonly maxMessageBytes: number;
};
/** How clients authenticate, from the flags: on a WebSocket listener and on NATS streams alike. */
export type WebSocketAuth = {
    readonly _tag: "None";
} | {
    readonly _tag: "CapabilityToken";
    readonly tokenSha256: Uint8Array;
} | {
    readonly _tag: "SignedBearerToken";
    readonly options: SignedBearerOptions;
};
/** What a listener is given of `auth`: the WebSocket listener and the NATS executor take the same. */
export declare const listenerAuthOf: (auth: WebSocketAuth) => BearerAuth;
/** Whether any flag says how clients authenticate (they make no sense on stdio alone). */
export declare const hasAuthFlags: (flags: WebSocketFlags) => boolean;
/**
 * The authentication the flags ask for, refusing inconsistent combinations
 * as `codex exec-server` does: `--ws-auth signed-bearer-token` needs
 * `--ws-shared-secret-file` and takes no capability token; the JWT flags
 * need it; `--ws-auth capability-token` needs a token. (A token flag without
 * `--ws-auth` is a capability token, as before `--ws-auth` existed.)
 */
export declare const authOf: (flags: WebSocketFlags) => Effect.Effect<WebSocketAuth, ListenUrlError>;
/**
 * What the listener of `ws://IP:PORT` needs from the flags (all but its
 * metrics and routes): the address parsed, the `--allow-host` names checked,
 * the authentication resolved, and no non-loopback address without it.
 */
export declare const optionsOf: (url: string, flags: WebSocketFlags, 
/** The authentication resolved already (a token file is read once for every listener); else from the flags. */
resolvedAuth?: WebSocketAuth) => Effect.Effect<ListenUrl.WebSocketListenUrl & {
    readonly maxMessageBytes: number;
    readonly pingIntervalMs: number;
    readonly upgradeTimeoutMs: number;
    readonly maxConnections: number;
    readonly maxPendingUpgrades: number;
    readonly allowOrigins: ReadonlyArray<string>;
    readonly allowHosts: ReadonlyArray<string>;
} & BearerAuth, ListenUrlError>;
export {};
//# sourceMappingURL=webSocketListen.d.ts.map