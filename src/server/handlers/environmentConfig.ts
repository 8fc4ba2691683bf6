/** `environmentConfig/read`: the Codex configuration layers seen from a directory of this machine. */
import * as Effect from "effect/Effect"

import { CodexSystemDir } from "../../codexConfig/systemDir.js"
import { InternalError, InvalidParams } from "../../protocol/errors.js"
import { EnvironmentConfigRpcs } from "../../protocol/rpcs.js"
import { ServerConfig } from "../ServerConfig.js"

export const environmentConfigHandlers = EnvironmentConfigRpcs.toHandlersContext(Effect.gen(function*() {
  const config = yield* ServerConfig
  const systemDir = yield* CodexSystemDir
  const environment = config.environment ?? process.env
  return {
    "environmentConfig/read": ({ configPaths, cwd, requirementsPaths }) => {
      // The reference's checks and words, in its order.
      if (configPaths.length === 0 && requirementsPaths.length === 0) {
        return Effect.fail(new InvalidParams({ message: "at least one config or requirements path is required" }))
      }
      if ([...configPaths, ...requirementsPaths].some((path) => path.length === 0)) {
        return Effect.fail(new InvalidParams({ message: "TOML paths must contain at least one key segment" }))
      }
      // Loaded with the first read: a TOML parser has no place in every server's startup.
      return Effect.flatMap(Effect.promise(() => import("../../codexConfig/layers.js")), (Layers) =>
        Effect.tryPromise({
          try: () => Layers.readEnvironmentConfig({ systemDir, environment }, cwd, configPaths, requirementsPaths),
          catch: (error) =>
            new InternalError({
              message: error instanceof Layers.CodexHomeError
                ? error.message
                : `failed to load executor-local config: ${error instanceof Error ? error.message : String(error)}`
            })
        }))
    }
  }
}))
