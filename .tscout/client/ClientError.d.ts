import type { ExecServerError } from "../protocol/errors.js";
declare const ConnectTimeout_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "ConnectTimeout";
} & Readonly<A>;
/** The transport did not connect in time. */
export declare class ConnectTimeout extends ConnectTimeout_base<{
    readonly message: string;
}> {
}
declare const Unauthorized_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "Unauthorized";
} & Readonly<A>;
/** The server refused the connection for want of credentials (HTTP 401): no token, a wrong one, or an expired or otherwise invalid signed one. */
export declare class Unauthorized extends Unauthorized_base<{
    readonly message: string;
}> {
}
declare const Forbidden_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "Forbidden";
} & Readonly<A>;
/** The server refused the connection (HTTP 403), for example for an `Origin` it does not allow. */
export declare class Forbidden extends Forbidden_base<{
    readonly message: string;
}> {
}
declare const EnvironmentNotFound_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "EnvironmentNotFound";
} & Readonly<A>;
/**
 * No executor serves the environment a client asked for by id (NATS
 * answered "no responders"): unknown, or offline. Known at once, not by a timeout.
 */
export declare class EnvironmentNotFound extends EnvironmentNotFound_base<{
    readonly environmentId: string;
    readonly message: string;
}> {
}
declare const InitializeTimeout_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "InitializeTimeout";
} & Readonly<A>;
/** The server did not answer `initialize` in time. */
export declare class InitializeTimeout extends InitializeTimeout_base<{
    readonly message: string;
}> {
}
declare const TransportClosed_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "TransportClosed";
} & Readonly<A>;
/** The connection is gone (or never came up): pending calls and event streams fail with this. */
export declare class TransportClosed extends TransportClosed_base<{
    readonly message: string;
}> {
}
declare const ReconnectFailed_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "ReconnectFailed";
} & Readonly<A>;
/**
 * The connection dropped and the client gave up on getting its session back:
 * every reconnect attempt failed, or the server no longer has the session.
 */
export declare class ReconnectFailed extends ReconnectFailed_base<{
    readonly message: string;
    readonly attempts: number;
}> {
}
declare const ServerError_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "ServerError";
} & Readonly<A>;
/**
 * The server answered a request with a JSON-RPC error whose code is outside
 * the protocol (those of the protocol arrive as its tagged errors:
 * `NotFound`, `InvalidParams`, `SandboxDenied`, ...).
 */
export declare class ServerError extends ServerError_base<{
    readonly method: string;
    readonly code: number;
    readonly message: string;
    readonly data?: unknown;
}> {
}
declare const ProtocolError_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "ProtocolError";
} & Readonly<A>;
/** The server's answer did not match the protocol's schema. */
export declare class ProtocolError extends ProtocolError_base<{
    readonly message: string;
}> {
}
declare const RequestTooLarge_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "RequestTooLarge";
} & Readonly<A>;
/** A request larger than the server takes; it was not sent (or, sent, was refused unread). */
export declare class RequestTooLarge extends RequestTooLarge_base<{
    readonly method: string;
    readonly bytes: number;
    readonly limit: number;
    readonly message: string;
}> {
}
declare const UnknownProcess_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "UnknownProcess";
} & Readonly<A>;
/** The server has no process of this id in the session (never started, or its record is gone). */
export declare class UnknownProcess extends UnknownProcess_base<{
    readonly processId: string;
    readonly message: string;
}> {
}
declare const ExecTimeout_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "ExecTimeout";
} & Readonly<A>;
/** `exec` ran past its `timeout`; the process was terminated. What it wrote until then is kept. */
export declare class ExecTimeout extends ExecTimeout_base<{
    readonly processId: string;
    readonly message: string;
    readonly stdout: Uint8Array;
    readonly stderr: Uint8Array;
}> {
}
/** Why the connection is unusable: what pending calls and event streams fail with. */
export type ConnectionLost = TransportClosed | ReconnectFailed;
/** Any failure of a client call: the protocol's tagged errors, or the client's own. */
export type ClientError = ExecServerError | ConnectionLost | ServerError | ProtocolError | RequestTooLarge | UnknownProcess;
/** Why connecting failed. */
export type ConnectError = ConnectTimeout | Unauthorized | Forbidden | TransportClosed | EnvironmentNotFound;
export {};
//# sourceMappingURL=ClientError.d.ts.map