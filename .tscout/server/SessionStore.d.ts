/**
 * Sessions outlive connections when the client asks for it: a session owns
 * its process table in a scope of its own under the store. When its
 * connection closes it is either closed at once (the default: processes
 * terminated) or detached for `detachTtlMs`, keeping its processes and their
 * retained output until a new connection resumes it or the TTL passes.
 *
 * The rule for shared state here (and across the server): a check and the
 * write it guards happen with no `yield*` between them, so no other fiber
 * can act on what the check saw.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type { PipeSpawner, PtySpawner } from "../process/ChildProcess.js";
import type { Sandbox } from "../sandbox/Sandbox.js";
import type { OutputBuffers } from "../process/OutputBuffers.js";
import type { ProcessEvent } from "../process/ProcessActor.js";
import { type FileHandleTable } from "../fs/FileHandleTable.js";
import { type ProcessTable } from "../process/ProcessTable.js";
import { InvalidRequest, type ServerBusy } from "../protocol/errors.js";
import type { FlowControl } from "../jsonrpc/FlowControl.js";
import { ServerConfig } from "./ServerConfig.js";
/** A session: its id, its processes, and the connection it currently sends events to. */
export interface Session {
    readonly sessionId: string;
    readonly processes: ProcessTable;
    readonly files: FileHandleTable;
}
/** The connection a session sends its events to. */
export interface SessionPeer {
    readonly connectionId: number;
    readonly sink: (event: ProcessEvent) => void;
    /** When the peer falls behind, the session's processes are paused. */
    readonly flow: FlowControl;
    /** Runs a log effect from a callback, with the connection's logger. */
    readonly log: (effect: Effect.Effect<void>) => void;
}
/** What a connection attaches to: a new session or a resumed one. */
export interface Attachment {
    readonly session: Session;
    /** Called when the connection closes: detaches or closes the session. */
    readonly release: Effect.Effect<void>;
}
declare const SessionStore_base: Context.TagClass<SessionStore, "effect-exec-server/SessionStore", {
    /** Creates a session held by `peer`; -32001 when the server has its most sessions (attached or detached). */
    readonly create: (peer: SessionPeer, options: {
        readonly detachTtlMs: number;
    }) => Effect.Effect<Attachment, ServerBusy, PtySpawner | PipeSpawner | OutputBuffers | Sandbox>;
    /** Takes over a detached session; -32600 when it is unknown, expired or held by another connection. */
    readonly resume: (peer: SessionPeer, options: {
        readonly sessionId: string;
        readonly detachTtlMs: number | undefined;
    }) => Effect.Effect<Attachment, InvalidRequest>;
}>;
/** The server's sessions. */
export declare class SessionStore extends SessionStore_base {
}
/** The store; closing it closes every session, attached or detached. */
export declare const layer: Layer.Layer<SessionStore, never, ServerConfig>;
export {};
//# sourceMappingURL=SessionStore.d.ts.map