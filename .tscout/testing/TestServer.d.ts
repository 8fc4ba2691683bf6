/**
 * The server's services for tests: scripted spawners, the in-memory output
 * buffer, a session store, a filesystem (a no-op one unless given) and a
 * sandbox (one that refuses every confinement unless given), on top of a
 * `ServerConfig` with overrides.
 */
import * as FileSystem from "@effect/platform/FileSystem";
import * as Layer from "effect/Layer";
import type { PipeSpawner, PtySpawner } from "../process/ChildProcess.js";
import * as Sandbox from "../sandbox/Sandbox.js";
import type { ServerServices } from "../server/ExecServer.js";
import * as ServerConfig from "../server/ServerConfig.js";
/** Everything `TestConnection.make` (or `serveClient`) needs, around the given spawners. */
export declare const layer: (options: {
    readonly spawners: Layer.Layer<PtySpawner | PipeSpawner>;
    readonly config?: Partial<ServerConfig.ServerConfigShape>;
    readonly fileSystem?: Layer.Layer<FileSystem.FileSystem>;
    readonly sandbox?: Layer.Layer<Sandbox.Sandbox>;
}) => Layer.Layer<ServerServices>;
//# sourceMappingURL=TestServer.d.ts.map