/**
 * `capabilityRoots/discoverV1`: each root walked and read through its own
 * backend (the host's files, or the sandboxed worker of the sandbox it
 * names), 8 roots at a time, answered in the order asked;
 * `capabilities/discoverV2`: the installed plugins and skill directories,
 * read through the request's backend.
 */
import * as FileSystem from "effect/FileSystem"
import * as Effect from "effect/Effect"
import * as Path from "node:path"
import { makeDiscoveryCache } from "../../capabilities/discoveryCache.js"
import type { DiscoverV2Result } from "../../capabilities/discoverV2.js"
import { DISCOVERY_LIMITS, discoverRoot, readBudget } from "../../capabilities/rootDiscovery.js"
import * as FsBackend from "../../fs/FsBackend.js"
import { watchedDirectorySlots } from "../../fs/pathWatchContract.js"
import { leadsToSecret, type ReadGuard, secretPathsOf } from "../../fs/readGuard.js"
import { backendFor, denied, policyToEnforce, SandboxedFs } from "../../fs/SandboxedFs.js"
import { InternalError, type InvalidParams, InvalidRequest, type SandboxUnavailable } from "../../protocol/errors.js"
import type { SandboxRequest } from "../../protocol/sandbox.js"
import { fileUri } from "../../protocol/fileUri.js"
import { CapabilityRpcs } from "../../protocol/rpcs.js"
import { Sandbox } from "../../sandbox/Sandbox.js"
import { ClientSession, type ConnectionResource } from "../ClientSessionService.js"
import { ServerConfig } from "../ServerConfig.js"
import { CodexSystemDir } from "../../codexConfig/systemDir.js"

/** A connection's kept answers of `capabilities/discoverV2`. */
const DISCOVERIES: ConnectionResource<Effect.Success<ReturnType<typeof makeDiscoveryCache<DiscoverV2Result>>>> = {
  name: "capability discoveries"
}

export const capabilityHandlers = CapabilityRpcs.toHandlers(Effect.gen(function*() {
  const sandbox = yield* Sandbox
  const sandboxedFs = yield* SandboxedFs
  const config = yield* ServerConfig
  const systemDir = yield* CodexSystemDir
  // The server's own secrets, as fs/* refuses them (a sandbox's worker is denied them by its policy).
  const secrets = secretPathsOf(config.secretFiles ?? [])
  const host = FsBackend.host(yield* FileSystem.FileSystem)
  /** The host's files with the server's secrets refused: unreadable, as fs/readFile finds them. */
  const onHost: FsBackend.FsBackend = {
    ...host,
    readFile: (payload) =>
      Effect.flatMap(
        Effect.promise(() => leadsToSecret(secrets, payload.path)),
        (secret): Effect.Effect<Uint8Array, FsBackend.FsBackendError> =>
          secret ? Effect.fail(denied("fs/readFile", payload.path, false)) : host.readFile(payload)
      )
  }
  /** What the host-side looks of a discovery may see: what fs/* may read under the request's sandbox and the operator's. */
  const guardOf = (request: SandboxRequest | undefined): Effect.Effect<ReadGuard, InvalidParams | SandboxUnavailable> =>
    Effect.map(sandbox.confinementOf(request, {}), (confinement) => ({ policy: policyToEnforce(confinement), secrets }))
  // The directories every connection's kept discoveries watch, bounded for the server as fs/watch's are.
  const watchBudget = watchedDirectorySlots()
  /** Where a request's reads run: on the host, or in the worker of the sandbox that confines it. */
  const backendOf = backendFor(sandbox, sandboxedFs, onHost)
  return {
    "capabilities/discoverV2": ({ sandbox: request }) =>
      Effect.gen(function*() {
        // Loaded with the first discovery: YAML and semver have no place in every server's startup.
        const { discoverV2, homesOf, watchedRootsOf } = yield* Effect.promise(() => import("../../capabilities/discoverV2.js"))
        const homes = yield* Effect.mapError(
          homesOf(config.environment ?? process.env),
          (error) => new InternalError({ message: error.message })
        )
        const backend = yield* backendOf(request ?? undefined)
        const guard = yield* guardOf(request ?? undefined)
        const discoveries = yield* Effect.flatMap(ClientSession, (session) =>
          session.resource(DISCOVERIES, makeDiscoveryCache<DiscoverV2Result>(watchBudget)))
        return yield* discoveries.answer(
          JSON.stringify(request ?? null),
          watchedRootsOf(homes, systemDir),
          discoverV2(backend, { homes, systemDir, sandboxed: backend !== onHost, guard })
        )
      }),
    "capabilityRoots/discoverV1": ({ roots }) =>
      roots.length > DISCOVERY_LIMITS.roots
        ? Effect.fail(new InvalidRequest({ message: `capability root discovery accepts at most ${DISCOVERY_LIMITS.roots} roots` }))
        : Effect.suspend(() => {
          // One budget of entries read for all the call's walks.
          const budget = readBudget()
          return Effect.map(
          Effect.forEach(roots, (root) => {
            const path = Path.normalize(root.path).replace(/(.)\/$/, "$1")
            // Named as asked, a trailing slash kept (as the reference's URL parser keeps it).
            const uri = fileUri(path) + (path !== "/" && root.path.endsWith("/") ? "/" : "")
            return backendOf(root.sandbox ?? undefined).pipe(
              Effect.matchEffect({
                // A root whose sandbox cannot be had is that root's error, not the call's.
                onFailure: (error) =>
                  Effect.succeed({
                    id: root.id,
                    path: uri,
                    plugin: null,
                    skills: [],
                    namespaceManifests: [],
                    warnings: [],
                    error: `failed to inspect capability root ${uri}: ${error.message}`
                  }),
                onSuccess: (backend) => discoverRoot(backend, root.id, path, budget, uri)
              })
            )
          }, { concurrency: 8 }),
          (discovered) => ({ roots: discovered })
        )
        })
  }
}))
