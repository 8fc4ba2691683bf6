/**
 * The state of one client connection: where it is in the handshake, and the
 * session it is attached to once `initialize` created or resumed one. When
 * the connection's scope closes the session is released: closed (its
 * processes terminated) or detached, as the client asked.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import type { PipeSpawner, PtySpawner } from "../process/ChildProcess.js";
import type { OutputBuffers } from "../process/OutputBuffers.js";
import type { FileHandleTable } from "../fs/FileHandleTable.js";
import type { ProcessTable } from "../process/ProcessTable.js";
import { InvalidRequest, type ServerBusy } from "../protocol/errors.js";
import { type InitializeParams, type InitializeResult } from "../protocol/schema.js";
import { Connection } from "../jsonrpc/Connection.js";
import { ServerConfig } from "./ServerConfig.js";
import { SessionStore } from "./SessionStore.js";
import type { Sandbox } from "../sandbox/Sandbox.js";
/** Where a connection is in the handshake. */
export type HandshakeState = "awaitingInitialize" | "awaitingInitialized" | "ready";
/** One connection's handshake and session. */
export interface ClientSessionShape {
    /**
     * Answers `initialize`: creates a session, or resumes `resumeSessionId`.
     * Only the first call that succeeds counts: after a refusal (-32001 when
     * the server has its most sessions) the connection may ask again.
     */
    readonly initialize: (params: typeof InitializeParams.Type) => Effect.Effect<InitializeResult, InvalidRequest | ServerBusy>;
    /** Handles the `initialized` notification. */
    readonly initialized: Effect.Effect<void>;
    /** The session's processes; -32600 unless the handshake is complete. */
    readonly processes: Effect.Effect<ProcessTable, InvalidRequest>;
    /** The session's open file handles; -32600 unless the handshake is complete. */
    readonly files: Effect.Effect<FileHandleTable, InvalidRequest>;
    /** -32600 unless the handshake is complete. */
    readonly requireReady: Effect.Effect<void, InvalidRequest>;
    /** The connection's scope: what a request starts that may outlive it (a streamed HTTP body) ends with the connection. */
    readonly scope: Scope.Scope;
    /**
     * The connection's own instance of `key`: made by `make` on first use, in
     * the connection's scope (its file watchers, its HTTP streams), so that a
     * connection that never asks for one costs nothing.
     */
    readonly resource: <A>(key: ConnectionResource<A>, make: Effect.Effect<A, never, Scope.Scope>) => Effect.Effect<A>;
}
/** Names a per-connection resource (compared by identity); `A` is what it holds. */
export interface ConnectionResource<A> {
    readonly name: string;
    readonly _A?: A;
}
declare const ClientSession_base: Context.TagClass<ClientSession, "effect-exec-server/ClientSession", ClientSessionShape>;
/** The current connection's handshake and session. */
export declare class ClientSession extends ClientSession_base {
}
/** A connection's handshake state, released with the current scope. */
export declare const make: Effect.Effect<ClientSessionShape, never, Scope.Scope | Connection | ServerConfig | SessionStore | PtySpawner | PipeSpawner | OutputBuffers | Sandbox>;
export {};
//# sourceMappingURL=ClientSession.d.ts.map