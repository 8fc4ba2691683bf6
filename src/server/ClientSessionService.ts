/**
 * The current connection's handshake and session, as a service: what the
 * handlers read, and what the session store carries into the context of a
 * session's callbacks. Its own module, apart from ClientSession.ts (which
 * makes it and needs the session store): the store needs the tag alone.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { FileHandleTable } from "../fs/FileHandleTable.js"
import type { ProcessTable } from "../process/ProcessTable.js"
import type { InvalidRequest, ServerBusy, SessionHeld } from "../protocol/errors.js"
import type { InitializeParams, InitializeResult } from "../protocol/schema.js"
import type { CredentialGrant } from "../wire/FrameTransport.js"

/** One connection's handshake and session. */
export interface ClientSessionShape {
  /**
   * Answers `initialize`: creates a session, or resumes `resumeSessionId`.
   * Only the first call that succeeds counts: after a refusal (-32001 when
   * the server has its most sessions) the connection may ask again.
   */
  readonly initialize: (params: typeof InitializeParams.Type) => Effect.Effect<InitializeResult, InvalidRequest | ServerBusy | SessionHeld>
  /** Handles the `initialized` notification. */
  readonly initialized: Effect.Effect<void>
  /** The session's processes; -32600 unless the handshake is complete. */
  readonly processes: Effect.Effect<ProcessTable, InvalidRequest>
  /** The session's open file handles; -32600 unless the handshake is complete. */
  readonly files: Effect.Effect<FileHandleTable, InvalidRequest>
  /** -32600 unless the handshake is complete. */
  readonly requireReady: Effect.Effect<void, InvalidRequest>
  /** The connection's scope: what a request starts that may outlive it (a streamed HTTP body) ends with the connection. */
  readonly scope: Scope.Scope
  /**
   * The connection's own instance of `key`: made by `make` on first use, in
   * the connection's scope (its file watchers, its HTTP streams), so that a
   * connection that never asks for one costs nothing.
   */
  readonly resource: <A>(key: ConnectionResource<A>, make: Effect.Effect<A, never, Scope.Scope>) => Effect.Effect<A>
  /** The id of the session attached, once `initialize` has succeeded. */
  readonly sessionId: () => string | undefined
  /** What the connection's credential grants beyond the protocol (none for most). */
  readonly grants: ReadonlyArray<CredentialGrant>
}

/** Names a per-connection resource (compared by identity); `A` is what it holds. */
export interface ConnectionResource<A> {
  readonly name: string
  readonly _A?: A
}

/** The current connection's handshake and session. */
export class ClientSession extends Context.Service<ClientSession, ClientSessionShape>()("effect-exec-server/ClientSession") {}
