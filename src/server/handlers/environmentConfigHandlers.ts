/** `environmentConfig/read`: the Codex configuration layers seen from a directory of this machine. */
import * as Effect from "effect/Effect"

import { CodexSystemDir } from "../../codexConfig/systemDir.js"
import { secretPathsOf } from "../../fs/readGuard.js"
import { policyToEnforce } from "../../fs/SandboxedFs.js"
import { InternalError, InvalidParams } from "../../protocol/errors.js"
import { EnvironmentConfigRpcs } from "../../protocol/rpcs.js"
import { Sandbox } from "../../sandbox/Sandbox.js"
import { ServerConfig } from "../ServerConfig.js"

export const environmentConfigHandlers = EnvironmentConfigRpcs.toHandlers(Effect.gen(function*() {
  const config = yield* ServerConfig
  const systemDir = yield* CodexSystemDir
  const sandbox = yield* Sandbox
  const environment = config.environment ?? process.env
  // The server's own secrets, as fs/* refuses them: a layer that leads to one is unreadable.
  const secrets = secretPathsOf(config.secretFiles ?? [])
  return {
    "environmentConfig/read": ({ configPaths, cwd, requirementsPaths }) => {
      // The reference's checks and words, in its order.
      if (configPaths.length === 0 && requirementsPaths.length === 0) {
        return Effect.fail(new InvalidParams({ message: "at least one config or requirements path is required" }))
      }
      if ([...configPaths, ...requirementsPaths].some((path) => path.length === 0)) {
        return Effect.fail(new InvalidParams({ message: "TOML paths must contain at least one key segment" }))
      }
      return Effect.gen(function*() {
        // What fs/readFile may read here (the operator's policy): the layers are read as it would read them.
        const policy = policyToEnforce(yield* sandbox.confinementOf(undefined, {}))
        // Loaded with the first read: a TOML parser has no place in every server's startup.
        const Layers = yield* Effect.promise(() => import("../../codexConfig/configLayers.js"))
        return yield* Effect.tryPromise({
          try: () =>
            Layers.readEnvironmentConfig({ systemDir, environment, guard: { policy, secrets } }, cwd, configPaths, requirementsPaths),
          catch: (error) =>
            new InternalError({
              message: error instanceof Layers.CodexHomeError
                ? error.message
                : `failed to load executor-local config: ${error instanceof Error ? error.message : String(error)}`
            })
        })
      })
    }
  }
}))
