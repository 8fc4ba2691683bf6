/**
 * The server's services for tests: scripted spawners, the in-memory output
 * buffer, a session store, a filesystem (a no-op one unless given) and a
 * sandbox (one that refuses every confinement unless given), on top of a
 * `ServerConfig` with overrides.
 */
import * as FileSystem from "@effect/platform/FileSystem";
import * as Layer from "effect/Layer";
import * as OutputBuffers from "../process/OutputBuffers.js";
import * as Sandbox from "../sandbox/Sandbox.js";
import * as ServerConfig from "../server/ServerConfig.js";
import * as SessionStore from "../server/SessionStore.js";
/** Everything `TestConnection.make` (or `serveClient`) needs, around the given spawners. */
export const layer = (options) => Layer.mergeAll(options.spawners, OutputBuffers.layerMemory, SessionStore.layer, options.fileSystem ?? FileSystem.layerNoop({}), options.sandbox ?? Sandbox.layerUnavailable).pipe(Layer.provideMerge(ServerConfig.layer(options.config)));
//# sourceMappingURL=TestServer.js.map