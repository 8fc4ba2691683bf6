import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import type * as Rpc from "@effect/rpc/Rpc";
import type { ExecServerRpcs } from "../protocol/rpcs.js";
import { type ServerServices } from "../server/ExecServer.js";
/** The result type of a method on the wire (`unknown` for names the server does not know). */
export type ResultOf<M extends string> = M extends ExecServerRpcs["_tag"] ? Rpc.SuccessEncoded<Extract<ExecServerRpcs, {
    readonly _tag: M;
}>> : unknown;
/** A JSON-RPC response as the client sees it. */
export interface TestResponse<A = unknown> {
    readonly id: unknown;
    readonly result?: A;
    readonly error?: {
        readonly code: number;
        readonly message: string;
        readonly data?: unknown;
    };
}
/** A server notification as the client sees it: the fields of every process event. */
export interface TestNotification {
    readonly method: string;
    readonly params: {
        readonly processId: string;
        readonly seq: number;
        readonly stream?: "stdout" | "stderr" | "pty";
        readonly chunk?: string;
        readonly exitCode?: number;
        readonly signal?: string | null;
    };
}
/** A connected in-memory client. */
export interface TestConnection {
    /** Sends a raw frame (a string is sent as it is, anything else as JSON). */
    readonly sendRaw: (message: unknown) => Effect.Effect<void>;
    /** Sends a request with a fresh id and waits for its response. */
    readonly request: <M extends string>(method: M, params?: unknown) => Effect.Effect<TestResponse<ResultOf<M>>>;
    /** Sends a notification. */
    readonly notify: (method: string, params?: unknown) => Effect.Effect<void>;
    /** Sends `initialize` and `initialized`. */
    readonly handshake: Effect.Effect<TestResponse<ResultOf<"initialize">>>;
    /** Waits for the next notification (optionally the next one that matches). */
    readonly nextNotification: (predicate?: (notification: TestNotification) => boolean) => Effect.Effect<TestNotification>;
    /** Waits for the next message that is not a notification of a request sent with `request`. */
    readonly nextMessage: Effect.Effect<unknown>;
    /** Every message received so far, parsed, in order. */
    readonly received: ReadonlyArray<unknown>;
    /** Closes the connection as a client hanging up would, and waits until the server is done with it. */
    readonly close: Effect.Effect<void>;
}
/** Connects an in-memory client; the connection closes with the scope. */
export declare const make: Effect.Effect<TestConnection, never, Scope.Scope | ServerServices>;
/**
 * Connects an in-memory client to a server built from `services` in the
 * current scope (so scoped services such as the session store live as long
 * as the test, not just while connecting).
 */
export declare const makeWith: <E>(services: Layer.Layer<ServerServices, E>) => Effect.Effect<TestConnection, E, Scope.Scope>;
//# sourceMappingURL=TestConnection.d.ts.map