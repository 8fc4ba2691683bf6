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

/** `capabilities/discoverV2` params: `cwd` is required and, as on the reference, not read. */
export const DiscoverV2Params = Schema.Struct({ cwd: AbsolutePath, sandbox: OptionalNullable(SandboxRequest) })

const ExecutorSkill = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  shortDescription: Schema.NullOr(Schema.String),
  path: Schema.String,
  /** Only on a skill of a skill directory (not of a plugin). */
  discoveryRoot: Schema.optional(Schema.Struct({ id: Schema.String, path: Schema.String })),
  dependencies: Schema.NullOr(Schema.Struct({
    tools: Schema.Array(Schema.Struct({
      type: Schema.String,
      value: Schema.String,
      description: Schema.NullOr(Schema.String),
      transport: Schema.NullOr(Schema.String),
      command: Schema.NullOr(Schema.String),
      url: Schema.NullOr(Schema.String),
      oauthCallbackPort: Schema.NullOr(Schema.Number)
    }))
  })),
  policy: Schema.NullOr(Schema.Struct({ allowImplicitInvocation: Schema.NullOr(Schema.Boolean), products: Schema.Array(Schema.String) }))
})

export const DiscoverV2Result = Schema.Struct({
  plugins: Schema.Array(Schema.Struct({
    id: Schema.String,
    displayName: Schema.String,
    remotePluginId: Schema.NullOr(Schema.String),
    version: Schema.String,
    root: Schema.String,
    files: Schema.Struct({
      manifest: CapabilityTextFile,
      mcpConfig: Schema.NullOr(CapabilityTextFile),
      appsConfig: Schema.NullOr(CapabilityTextFile)
    }),
    skills: Schema.Array(ExecutorSkill)
  })),
  skills: Schema.Array(ExecutorSkill),
  warnings: Schema.Array(Schema.String)
})
