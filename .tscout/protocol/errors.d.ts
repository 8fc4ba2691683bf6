/**
 * Typed errors of the exec-server protocol. Each carries the JSON-RPC error
 * code it is reported with, so handlers fail with domain values and the codec
 * turns them into wire errors without a lookup table.
 */
import * as Schema from "effect/Schema";
/** JSON-RPC error codes used by exec-server.v0. */
export declare const ErrorCode: {
    readonly ParseError: -32700;
    readonly InvalidRequest: -32600;
    readonly MethodNotFound: -32601;
    readonly InvalidParams: -32602;
    readonly InternalError: -32603;
    readonly NotFound: -32004;
    /** (ours) A limit of the server's is reached (requests in flight, sessions, processes, file handles): retry later. */
    readonly ServerBusy: -32001;
};
/** The error object of a JSON-RPC response, as it travels. */
export declare const WireErrorSchema: Schema.Struct<{
    code: typeof Schema.Int;
    message: typeof Schema.String;
    data: Schema.optional<typeof Schema.Unknown>;
}>;
/** @see WireErrorSchema */
export interface WireError {
    readonly code: number;
    readonly message: string;
    readonly data?: unknown;
}
declare const InvalidRequest_base: Schema.TaggedErrorClass<InvalidRequest, "InvalidRequest", {
    readonly _tag: Schema.tag<"InvalidRequest">;
} & {
    message: typeof Schema.String;
}>;
/** -32600: a well-formed request that the server refuses in its current state. */
export declare class InvalidRequest extends InvalidRequest_base {
    get code(): number;
}
declare const InvalidParams_base: Schema.TaggedErrorClass<InvalidParams, "InvalidParams", {
    readonly _tag: Schema.tag<"InvalidParams">;
} & {
    message: typeof Schema.String;
}>;
/** -32602: params that do not match the method's schema or its rules. */
export declare class InvalidParams extends InvalidParams_base {
    get code(): number;
}
declare const MethodNotFound_base: Schema.TaggedErrorClass<MethodNotFound, "MethodNotFound", {
    readonly _tag: Schema.tag<"MethodNotFound">;
} & {
    message: typeof Schema.String;
}>;
/** -32601: a method the server does not know. */
export declare class MethodNotFound extends MethodNotFound_base {
    get code(): number;
}
declare const InternalError_base: Schema.TaggedErrorClass<InternalError, "InternalError", {
    readonly _tag: Schema.tag<"InternalError">;
} & {
    message: typeof Schema.String;
    errno: Schema.optional<typeof Schema.String>;
}>;
/** -32603: an operating-system or internal failure; `errno` names the OS error when there is one. */
export declare class InternalError extends InternalError_base {
    get code(): number;
}
declare const NotFound_base: Schema.TaggedErrorClass<NotFound, "NotFound", {
    readonly _tag: Schema.tag<"NotFound">;
} & {
    message: typeof Schema.String;
}>;
/** -32004: a filesystem path that does not exist. */
export declare class NotFound extends NotFound_base {
    get code(): number;
}
declare const SandboxDenied_base: Schema.TaggedErrorClass<SandboxDenied, "SandboxDenied", {
    readonly _tag: Schema.tag<"SandboxDenied">;
} & {
    message: typeof Schema.String;
    errno: typeof Schema.String;
}>;
/**
 * -32603: the sandbox refused the operation (a write outside the writable
 * roots, into a read-only path, or a read of a denied path). `data` carries
 * the errno (`EROFS`, `EACCES`) and `sandboxDenied: true` for clients to test.
 */
export declare class SandboxDenied extends SandboxDenied_base {
    get code(): number;
    get data(): unknown;
}
declare const SandboxUnavailable_base: Schema.TaggedErrorClass<SandboxUnavailable, "SandboxUnavailable", {
    readonly _tag: Schema.tag<"SandboxUnavailable">;
} & {
    message: typeof Schema.String;
}>;
/**
 * -32603: a sandbox was asked for and cannot be applied here (no bubblewrap,
 * no user namespaces, ...): nothing was run. `data.sandbox` is `"unavailable"`.
 */
export declare class SandboxUnavailable extends SandboxUnavailable_base {
    get code(): number;
    get data(): unknown;
}
declare const SpawnNotFound_base: Schema.TaggedErrorClass<SpawnNotFound, "SpawnNotFound", {
    readonly _tag: Schema.tag<"SpawnNotFound">;
} & {
    message: typeof Schema.String;
    missing: Schema.Literal<["cwd", "program"]>;
    path: typeof Schema.String;
}>;
/**
 * -32603: `process/start` found no working directory (`missing: "cwd"`) or
 * no program (`missing: "program"`; the name searched in the child's PATH,
 * or the path given) at `path`, and started nothing. The code is the
 * reference's; `data` is `{errno: "ENOENT", missing, path}` so a client can
 * tell it from other failures, and `errno` stays `"ENOENT"` for those that
 * test it.
 */
export declare class SpawnNotFound extends SpawnNotFound_base {
    get code(): number;
    get errno(): "ENOENT";
    get data(): unknown;
}
declare const ServerBusy_base: Schema.TaggedErrorClass<ServerBusy, "ServerBusy", {
    readonly _tag: Schema.tag<"ServerBusy">;
} & {
    message: typeof Schema.String;
    limit: Schema.optional<typeof Schema.String>;
}>;
/**
 * -32001 **(ours)**: a limit of the server's is reached and nothing was done:
 * the connection's requests in flight, or the server's sessions, live
 * processes or file handles over all sessions. Retry once something ends.
 * `data` is `{retryable: true, limit}`, `limit` naming what ran out
 * (`"inflightRequests"`, `"sessions"`, `"liveProcesses"`, `"fileHandles"`).
 */
export declare class ServerBusy extends ServerBusy_base {
    get code(): number;
    get data(): unknown;
}
/** Every error a method of the protocol may fail with. */
export declare const ExecServerError: Schema.Union<[typeof InvalidRequest, typeof InvalidParams, typeof MethodNotFound, typeof InternalError, typeof NotFound, typeof SandboxDenied, typeof SandboxUnavailable, typeof SpawnNotFound, typeof ServerBusy]>;
/** @see ExecServerError */
export type ExecServerError = typeof ExecServerError.Type;
/**
 * The typed error of a wire error, by its code (and, for -32603, its data:
 * a sandbox refusal, an unavailable sandbox, a missing cwd or program, an
 * errno), as a client decodes
 * what the server encoded; undefined for a code outside the protocol.
 */
export declare const fromWireError: (error: WireError) => ExecServerError | undefined;
/**
 * The wire form of a typed protocol error (or any error with a code): its
 * own `data` when it has one, else its errno, when it has one, in `data`.
 */
export declare const toWireError: (error: {
    readonly code: number;
    readonly message: string;
    readonly errno?: unknown;
    readonly data?: unknown;
}) => WireError;
/** The `code` of a Node system error (`"ENOENT"`, `"EACCES"`, ...), if it has one. */
export declare const errnoOf: (error: unknown) => string | undefined;
/** Wraps a Node system error (spawn, I/O) as -32603 carrying its errno. */
export declare const internalErrorFrom: (error: unknown, context: string) => InternalError;
export {};
//# sourceMappingURL=errors.d.ts.map