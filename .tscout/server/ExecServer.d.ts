/**
 * The exec-server: serves every connection a transport accepts, each with
 * its own handshake, session and scope.
 */
import type * as FileSystem from "@effect/platform/FileSystem";
import * as HttpClient from "@effect/platform/HttpClient";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { PipeSpawner, PtySpawner } from "../process/ChildProcess.js";
import { OutputBuffers } from "../process/OutputBuffers.js";
import type { ProcessReaper } from "../process/ProcessReaper.js";
import { Sandbox } from "../sandbox/Sandbox.js";
import { SandboxedFs } from "../fs/SandboxedFs.js";
import type { RequestMessage } from "../wire/JsonRpc.js";
import { type Ordering } from "../jsonrpc/JsonRpcServer.js";
import { MessagePool } from "../jsonrpc/Outbound.js";
import { type FrameTransport, ServerTransport, type TransportError } from "../jsonrpc/Transport.js";
import { type ServerHandlers } from "./Handlers.js";
import { ServerConfig } from "./ServerConfig.js";
import { SessionStore } from "./SessionStore.js";
/** What the server needs besides a transport. */
export type ServerServices = ServerConfig | SessionStore | PtySpawner | PipeSpawner | OutputBuffers | FileSystem.FileSystem | Sandbox;
/**
 * How a request runs against the others of its connection, by its Rpc's
 * ordering rule: the handshake alone; commands to one process in its lane,
 * in arrival order; a read after the commands sent before it; requests to
 * one file handle in its lane; everything else (and a request without a
 * usable `processId` or `handleId`) concurrently.
 */
export declare const orderingOf: (request: RequestMessage) => Ordering;
/**
 * Serves one client connection until it closes; its processes are terminated
 * then. `messagePool` and `handlers` are the server's, shared by its
 * connections (`run` lends them); without them the connection has a small
 * pool of its own and builds the handlers for itself.
 */
export declare const serveClient: (transport: FrameTransport, messagePool?: MessagePool, handlers?: ServerHandlers) => Effect.Effect<void, never, ServerServices>;
/** Serves every connection of the transport, until it stops accepting and they have all closed. */
export declare const run: Effect.Effect<void, TransportError, ServerTransport | ServerServices>;
/** The bubblewrap sandbox with the operator's policy from the config; the reaper removes its placeholders. */
export declare const layerSandbox: Layer.Layer<Sandbox, never, ServerConfig | ProcessReaper>;
/**
 * Everything the server needs but its config and transport: the session
 * store, the Node spawners, the in-memory output buffer and Node's
 * filesystem, and the reaper that kills the process groups if the server
 * dies hard.
 */
export declare const layerNodeServices: Layer.Layer<SessionStore | PtySpawner | PipeSpawner | OutputBuffers | FileSystem.FileSystem | ProcessReaper | Sandbox | SandboxedFs | HttpClient.HttpClient, never, ServerConfig>;
/**
 * Runs the server for as long as the layer lives, so a larger Effect program
 * can host it next to its own services.
 */
export declare const layer: Layer.Layer<never, never, ServerTransport | ServerServices>;
//# sourceMappingURL=ExecServer.d.ts.map