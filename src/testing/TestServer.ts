/**
 * The server's services for tests: a scripted spawner, the in-memory output
 * buffer, a session store, a filesystem (a no-op one unless given) and a
 * sandbox (one that refuses every confinement unless given), no sandboxed
 * file operations, no reaper and an HTTP client only if given, on top of a
 * `ServerConfig` with overrides. The startup snapshot's rehearsal
 * (`cli/startupSnapshotRehearsal.ts`) serves its client on these too.
 */
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type { Spawner } from "../process/ChildProcess.js"
import * as OutputBuffers from "../process/OutputBuffers.js"
import * as ProcessReaper from "../process/ProcessReaper.js"
import * as SandboxedFs from "../fs/SandboxedFs.js"
import * as HttpRequests from "../http/HttpRequests.js"
import * as Sandbox from "../sandbox/Sandbox.js"
import type { ServerServices } from "../server/ExecServer.js"
import * as ServerConfig from "../server/ServerConfig.js"
import * as SessionStore from "../server/SessionStore.js"

/** Everything `TestConnection.make` (or `serveClient`) needs, around the given spawner. */
export const layer = (options: {
  readonly spawner: Layer.Layer<Spawner>
  readonly config?: Partial<ServerConfig.ServerConfigShape>
  readonly fileSystem?: Layer.Layer<FileSystem.FileSystem>
  readonly sandbox?: Layer.Layer<Sandbox.Sandbox>
  /** `http/request`'s client (none unless given: `HttpRequests.layer` over a fake `HttpClient`, say). */
  readonly httpRequests?: Layer.Layer<HttpRequests.HttpRequests>
}): Layer.Layer<ServerServices> =>
  SessionStore.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(
      options.spawner,
      OutputBuffers.layerMemory,
      options.sandbox ?? Sandbox.layerUnavailable,
      // No reaper: the scripted children are no processes.
      ProcessReaper.layerNone
    )),
    Layer.merge(options.fileSystem ?? FileSystem.layerNoop({})),
    Layer.merge(SandboxedFs.layerUnavailable),
    Layer.merge(options.httpRequests ?? HttpRequests.layerUnavailable),
    Layer.provideMerge(ServerConfig.layer(options.config))
  )
