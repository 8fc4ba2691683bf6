/**
 * The server's services for tests: a scripted spawner, the in-memory output
 * buffer, a session store, a filesystem (a no-op one unless given) and a
 * sandbox (one that refuses every confinement unless given), no sandboxed
 * file operations, no reaper and an HTTP client only if given, on top of a
 * `ServerConfig` with overrides: each service as `server/serverServices.ts`
 * declares it for tests, or the one given under its key. The startup
 * snapshot's rehearsal (`cli/startupSnapshotRehearsal.ts`) serves its client on
 * these too.
 */
import * as Layer from "effect/Layer"
import type { ServerServices } from "../server/ExecServer.js"
import * as ServerConfig from "../server/ServerConfig.js"
import { serverServices, type TestOverrides } from "../server/serverServices.js"

/**
 * What a test gives: the spawner, and instead of a test server's own any
 * other service by its key (`fileSystem`, `sandbox`, `httpRequests`:
 * `HttpRequests.layer` over a fake `HttpClient`, say), and overrides of the
 * config's defaults.
 */
export type Options = TestOverrides & {
  readonly config?: Partial<ServerConfig.ServerConfigShape>
}

/** Everything `TestConnection.make` (or `serveClient`) needs, around the given spawner. */
export const layer = (options: Options): Layer.Layer<ServerServices> =>
  serverServices.layerTest(options).pipe(Layer.provideMerge(ServerConfig.layer(options.config)))
