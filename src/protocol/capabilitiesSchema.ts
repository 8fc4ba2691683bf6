/**
 * `capabilityRoots/discoverV1`: the plugin and skill files under each root
 * a client names (docs/PROTOCOL.md, "capabilityRoots/discoverV1").
 */
import * as Schema from "effect/Schema"
import { AbsolutePath, OptionalNullable } from "./primitives.js"
import { SandboxRequest } from "./sandbox.js"

export const CapabilityRootsDiscoverParams = Schema.Struct({
  roots: Schema.Array(Schema.Struct({ id: Schema.String, path: AbsolutePath, sandbox: OptionalNullable(SandboxRequest) }))
})

/** A file whole, as text. */
export const CapabilityTextFile = Schema.Struct({ path: Schema.String, contents: Schema.String })

export const CapabilityRootDiscovery = Schema.Struct({
  id: Schema.String,
  path: Schema.String,
  plugin: Schema.NullOr(Schema.Struct({
    manifest: CapabilityTextFile,
    mcpConfig: Schema.NullOr(CapabilityTextFile),
    appsConfig: Schema.NullOr(CapabilityTextFile)
  })),
  skills: Schema.Array(Schema.Struct({ instructions: CapabilityTextFile, metadata: Schema.NullOr(CapabilityTextFile) })),
  namespaceManifests: Schema.Array(CapabilityTextFile),
  warnings: Schema.Array(Schema.String),
  error: Schema.NullOr(Schema.String)
})

export const CapabilityRootsDiscoverResult = Schema.Struct({ roots: Schema.Array(CapabilityRootDiscovery) })
