/**
 * The server's flags without the parser: what the no-argument start, and a
 * start with only the server's flags given plainly (`--listen stdio://`),
 * use instead of running the command line's parser, held to the parser's
 * own answers (cli/commandSpec.ts, which replaced @effect/cli 3's and keeps
 * its answers: issue 69).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import fc from "fast-check"
import * as ServerFlags from "../../src/cli/commandFlags.js"
import * as Cli from "../../src/cli/commandSpec.js"
import { absentValuesOf, plainValuesOf } from "../../src/cli/flagValues.js"
import type * as Flags from "../../src/server/ServerFlags.js"

/** The server's command as the parser reads it: its flags alone, no positional arguments. */
const serverCommand: Cli.CommandSpec<typeof ServerFlags.serverFlags> = {
  name: "exec-server",
  description: "",
  params: ServerFlags.serverFlags
}

/** What the parser makes of `args` as the server's flags: its values, or a failure (its problems) when it refuses them or leaves any over. */
const parsed = (args: ReadonlyArray<string>) => {
  const read = Cli.parse(serverCommand, args)
  return "values" in read ? Result.succeed(read.values) : Result.fail(read.problems)
}

const flags = Object.values(ServerFlags.serverFlags)

/**
 * A text value, made once: `fc.stringMatching` compiles its pattern at each
 * call, and called per flag of each sample (inside `chain`) it took 16 s of
 * the 300 samples below, past the 30 s timeout on a loaded machine.
 */
const textValue = fc.stringMatching(/^[a-z0-9:/._=@]{1,16}$/).filter((text) => !text.startsWith("-"))

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
      return textValue
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
  it("gives every server flag the value the parser reads from an empty command line", () => {
    const read = Cli.parse(serverCommand, [])
    expect("problems" in read ? read.problems : []).toEqual([])
    if (!("values" in read)) return
    const absent = absentValuesOf(ServerFlags.serverFlags)
    expect(Object.keys(absent).sort()).toEqual(Object.keys(read.values).sort())
    expect(absent).toEqual(read.values)
  })
})

describe("plainValuesOf", () => {
  it("reads the command lines clients start a server with, as the parser does", () => {
      const lines = [
        ["--listen", "stdio://"],
        ["--listen=ws://127.0.0.1:0", "--max-processes", "4096", "--max-live-processes=4096"],
        ["--listen", "ws://127.0.0.1:8080", "--sandbox", "--sandbox-write", "/tmp", "--sandbox-write", "/var/tmp", "--log-format", "json"]
      ]
      for (const args of lines) {
        const plain = plainValuesOf(ServerFlags.serverFlags, args)
        expect(plain, args.join(" ")).toBeDefined()
        expect(Result.succeed(plain)).toEqual(parsed(args))
      }
  })

  it("gives the parser's values for any command line of server flags given plainly", () => {
      for (const args of fc.sample(plainCommandLine, { numRuns: 300, seed: 48 })) {
        const plain = plainValuesOf(ServerFlags.serverFlags, args)
        expect(plain, args.join(" ")).toBeDefined()
        expect(Result.succeed(plain), args.join(" ")).toEqual(parsed(args))
      }
  })

  it("leaves to the parser what it may read otherwise or refuse, and agrees with it on whatever it reads", () => {
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
        expect(Result.succeed(plain), JSON.stringify(args)).toEqual(parsed(args))
      }
      // The mix is not all refused: some lines are read, and checked above.
      expect(read).toBeGreaterThan(10)
  })
})
