/**
 * `environmentConfig/read`: the layers of the Codex configuration seen from
 * a directory on this machine, cut to the TOML key paths asked for
 * (docs/PROTOCOL.md, "environmentConfig/read").
 */
import * as Schema from "effect/Schema"
import { AbsolutePath } from "./primitives.js"

/** TOML key paths (`[["mcp_servers"]]`), each a list of literal key names. */
const KeyPaths = Schema.Array(Schema.Array(Schema.String))

export const EnvironmentConfigReadParams = Schema.Struct({
  cwd: AbsolutePath,
  configPaths: KeyPaths,
  requirementsPaths: KeyPaths
})
export type EnvironmentConfigReadParams = typeof EnvironmentConfigReadParams.Type

/** One file's part: where it came from, the directory its relative paths are relative to (a URI), and the selected tables as TOML text. */
export const EnvironmentConfigLayer = Schema.Struct({
  source: Schema.String,
  baseDir: Schema.String,
  toml: Schema.String
})

/** Layers from the lowest precedence to the highest; a cloud bundle goes in at `cloudInsertionIndex`. */
export const EnvironmentConfigLayerStack = Schema.Struct({
  layers: Schema.Array(EnvironmentConfigLayer),
  cloudInsertionIndex: Schema.Int
})

export const EnvironmentConfigReadResult = Schema.Struct({
  userHomeDir: Schema.NullOr(Schema.String),
  codexHomeDir: Schema.String,
  hostname: Schema.NullOr(Schema.String),
  config: EnvironmentConfigLayerStack,
  requirements: EnvironmentConfigLayerStack
})
export type EnvironmentConfigReadResult = typeof EnvironmentConfigReadResult.Type
