/**
 * A client of a server running in this process, with no socket or pipe:
 * the real connection loop, dispatcher and handlers, fed through in-memory
 * mailboxes. It lives with the testing tools because it needs the server
 * (its services and handlers); the client itself imports nothing of it.
 */
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as LogLevel from "effect/LogLevel";
import type * as Scope from "effect/Scope";
import type { ClientTransport } from "../client/ClientTransport.js";
import { type ClientOptions, ExecServerClient } from "../client/ExecServerClient.js";
import type { InitializeTimeout } from "../client/ClientError.js";
import type { ClientError, ConnectError } from "../client/ClientError.js";
import { type ServerServices } from "../server/ExecServer.js";
/**
 * Serves the client in this process: messages go straight to the server's
 * dispatcher and handlers, with no socket or pipe. Needs the server's
 * services (spawners, output buffer, config). The server's log lines below
 * `serverLogLevel` (Warning by default: a test's output is read by a person)
 * are dropped.
 */
export declare const transportWith: (serverLogLevel?: LogLevel.LogLevel) => Effect.Effect<ClientTransport, never, Scope.Scope | ServerServices>;
/** `transportWith()`: the server's log lines below Warning dropped. */
export declare const transport: Effect.Effect<ClientTransport, never, Scope.Scope | ServerServices>;
/** The typed client of a server in this process (it needs the server's services); `serverLogLevel` as `transportWith`'s. */
export declare const layer: (options?: ClientOptions & {
    readonly serverLogLevel?: LogLevel.LogLevel;
}) => Layer.Layer<ExecServerClient, ClientError | InitializeTimeout | ConnectError, ServerServices>;
//# sourceMappingURL=InProcessClient.d.ts.map