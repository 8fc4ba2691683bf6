/** The server's flags without a command line: what the no-argument start uses instead of running the parser. */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Options from "@effect/cli/Options"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ServerFlags from "../../src/cli/commandFlags.js"
import { optionsOf } from "../../src/cli/flagOptions.js"
import { absentValuesOf } from "../../src/cli/flagValues.js"

describe("absentValuesOf", () => {
  it.effect("gives every server flag the value @effect/cli parses from an empty command line", () =>
    Effect.gen(function*() {
      const [error, rest, parsed] = yield* Options.processCommandLine(
        Options.all(optionsOf(ServerFlags.serverFlags)),
        [],
        CliConfig.defaultConfig
      )
      expect(error._tag).toBe("None")
      expect(rest).toEqual([])
      const absent = absentValuesOf(ServerFlags.serverFlags)
      expect(Object.keys(absent).sort()).toEqual(Object.keys(parsed).sort())
      expect(absent).toEqual(parsed)
    }).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer))))
})
