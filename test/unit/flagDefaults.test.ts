/**
 * The server's flags without the parser: what the no-argument start, and a
 * start with only the server's flags given plainly (`--listen stdio://`),
 * use instead of running @effect/cli, held to @effect/cli's own answers.
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Options from "@effect/cli/Options"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import fc from "fast-check"
import * as ServerFlags from "../../src/cli/commandFlags.js"
import { optionsOf } from "../../src/cli/flagOptions.js"
import { absentValuesOf, plainValuesOf } from "../../src/cli/flagValues.js"
import type * as Flags from "../../src/server/ServerFlags.js"

const services = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

/** What @effect/cli makes of `args` as the server's flags: its values, or Left when it refuses them or leaves any over. */
const parsed = (args: ReadonlyArray<string>) =>
  Options.processCommandLine(Options.all(optionsOf(ServerFlags.serverFlags)), args, CliConfig.defaultConfig).pipe(
    Effect.map(([error, rest, values]) => error._tag === "None" && rest.length === 0 ? Either.right(values) : Either.left("leftover")),
    Effect.catchAll((error) => Effect.succeed(Either.left(error._tag))),
    Effect.provide(services)
  )

const flags = Object.values(ServerFlags.serverFlags)

/** A value a flag of this kind takes, as a client would write it. */
const validValue = (flag: Flags.Flag): fc.Arbitrary<string> => {
  switch (flag._tag) {
    case "Integer":
    case "OptionalInteger":
      return fc.integer({ min: flag.minimum, max: flag.minimum + 1_000_000 }).map(String)
    case "Choice":
    case "OptionalChoice":
      return fc.constantFrom(...flag.choices)
    default:
      return fc.stringMatching(/^[a-z0-9:/._=@]{1,16}$/).filter((text) => !text.startsWith("-"))
  }
}

/** One flag given plainly, as `--name value` or `--name=value` (a switch alone; a repeated flag the first way, the only one @effect/cli reads). */
const plainFlag = (flag: Flags.Flag): fc.Arbitrary<Array<string>> =>
  flag._tag === "Switch"
    ? fc.constant([`--${flag.name}`])
    : fc.tuple(validValue(flag), fc.boolean()).map(([value, joined]) =>
      joined && flag._tag !== "RepeatedText" ? [`--${flag.name}=${value}`] : [`--${flag.name}`, value]
    )

/** A command line of distinct server flags given plainly, repeated flags possibly several times; no file flags (the parser checks the file). */
const plainCommandLine = fc.uniqueArray(fc.constantFrom(...flags.filter((flag) => flag._tag !== "OptionalFile")), { maxLength: 8 }).chain((chosen) =>
  fc.tuple(...chosen.map((flag) => flag._tag === "RepeatedText" ? fc.array(plainFlag(flag), { minLength: 1, maxLength: 3 }).map((parts) => parts.flat()) : plainFlag(flag)))
    .map((parts) => parts.flat())
)

/** Words a command line could hold, to mix up: names in every form, values valid, malformed and misplaced. */
const anyWord = fc.oneof(
  fc.constantFrom(...flags).chain((flag) => fc.constantFrom(`--${flag.name}`, `--${flag.name.toUpperCase()}`, ` --${flag.name}`, `--${flag.name}=`)),
  fc.constantFrom(...flags).chain(validValue),
  fc.constantFrom("--help", "-h", "--", "--log-level", "debug", "exec", "gateway", "true", "false", "-1", "+5", "1e3", "", " x", "x ", "--lisen", "0x10", "99999999999999999999")
)

describe("absentValuesOf", () => {
  it.effect("gives every server flag the value @effect/cli parses from an empty command line", () =>
    Effect.gen(function*() {
      const [error, rest, parsedValues] = yield* Options.processCommandLine(
        Options.all(optionsOf(ServerFlags.serverFlags)),
        [],
        CliConfig.defaultConfig
      )
      expect(error._tag).toBe("None")
      expect(rest).toEqual([])
      const absent = absentValuesOf(ServerFlags.serverFlags)
      expect(Object.keys(absent).sort()).toEqual(Object.keys(parsedValues).sort())
      expect(absent).toEqual(parsedValues)
    }).pipe(Effect.provide(services)))
})

describe("plainValuesOf", () => {
  it.effect("reads the command lines clients start a server with, as @effect/cli does", () =>
    Effect.gen(function*() {
      const lines = [
        ["--listen", "stdio://"],
        ["--listen=ws://127.0.0.1:0", "--max-processes", "4096", "--max-live-processes=4096"],
        ["--listen", "ws://127.0.0.1:8080", "--sandbox", "--sandbox-write", "/tmp", "--sandbox-write", "/var/tmp", "--log-format", "json"]
      ]
      for (const args of lines) {
        const plain = plainValuesOf(ServerFlags.serverFlags, args)
        expect(plain, args.join(" ")).toBeDefined()
        expect(Either.right(plain)).toEqual(yield* parsed(args))
      }
    }))

  it.effect("gives the parser's values for any command line of server flags given plainly", () =>
    Effect.gen(function*() {
      for (const args of fc.sample(plainCommandLine, { numRuns: 300, seed: 48 })) {
        const plain = plainValuesOf(ServerFlags.serverFlags, args)
        expect(plain, args.join(" ")).toBeDefined()
        expect(Either.right(plain), args.join(" ")).toEqual(yield* parsed(args))
      }
    }))

  it.effect("leaves to the parser what it may read otherwise or refuse, and agrees with it on whatever it reads", () =>
    Effect.gen(function*() {
      const declined = [
        ["--help"],
        ["-h"],
        ["exec", "--", "true"],
        ["--log-level", "debug", "--listen", "stdio://"],
        ["--LISTEN", "stdio://"],
        ["--lisen", "stdio://"],
        ["--listen"],
        ["--listen", "--sandbox"],
        ["--listen", " stdio://"],
        ["--listen", "stdio://", "--listen", "ws://127.0.0.1:0"],
        ["--grace-ms", "-1"],
        ["--grace-ms", "+5"],
        ["--grace-ms", "1e3"],
        ["--sandbox", "true"],
        ["--sandbox=false"],
        ["--sandbox", "--sandbox"],
        ["--sandbox-write=/tmp"]
      ]
      for (const args of declined) expect(plainValuesOf(ServerFlags.serverFlags, args), args.join(" ")).toBeUndefined()
      let read = 0
      for (const args of fc.sample(fc.array(anyWord, { maxLength: 6 }), { numRuns: 400, seed: 48 })) {
        const plain = plainValuesOf(ServerFlags.serverFlags, args)
        if (plain === undefined) continue
        read++
        expect(Either.right(plain), JSON.stringify(args)).toEqual(yield* parsed(args))
      }
      // The mix is not all refused: some lines are read, and checked above.
      expect(read).toBeGreaterThan(10)
    }))
})
