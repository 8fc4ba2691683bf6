/**
 * `capabilityRoots/discoverV1`: each root walked and read through its own
 * backend (the host's files, or the sandboxed worker of the sandbox it
 * names), 8 roots at a time, answered in the order asked.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Path from "node:path"
import { DISCOVERY_LIMITS, discoverRoot } from "../../capabilities/rootDiscovery.js"
import * as FsBackend from "../../fs/FsBackend.js"
import { policyToEnforce, SandboxedFs } from "../../fs/SandboxedFs.js"
import { InvalidRequest } from "../../protocol/errors.js"
import { fileUri } from "../../protocol/fileUri.js"
import { CapabilityRpcs } from "../../protocol/rpcs.js"
import { Sandbox } from "../../sandbox/Sandbox.js"

export const capabilityHandlers = CapabilityRpcs.toHandlersContext(Effect.gen(function*() {
  const onHost = FsBackend.host(yield* FileSystem.FileSystem)
  const sandbox = yield* Sandbox
  const sandboxedFs = yield* SandboxedFs
  return {
    "capabilityRoots/discoverV1": ({ roots }) =>
      roots.length > DISCOVERY_LIMITS.roots
        ? Effect.fail(new InvalidRequest({ message: `capability root discovery accepts at most ${DISCOVERY_LIMITS.roots} roots` }))
        : Effect.map(
          Effect.forEach(roots, (root) => {
            const path = Path.normalize(root.path).replace(/(.)\/$/, "$1")
            // Named as asked, a trailing slash kept (as the reference's URL parser keeps it).
            const uri = fileUri(path) + (path !== "/" && root.path.endsWith("/") ? "/" : "")
            return sandbox.confinementOf(root.sandbox ?? undefined, {}).pipe(
              Effect.flatMap((confinement) => {
                const policy = policyToEnforce(confinement)
                return policy === undefined ? Effect.succeed(onHost) : sandboxedFs.backend(policy)
              }),
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
                onSuccess: (backend) => discoverRoot(backend, root.id, path, uri)
              })
            )
          }, { concurrency: 8 }),
          (discovered) => ({ roots: discovered })
        )
  }
}))
