/**
 * What the server's flags amount to without the command line's parser, which loads only
 * for a command line these cannot read (`commandLine.ts`): their values
 * when none is given or all are given plainly, and which take whole numbers.
 */
import * as Option from "effect/Option"
import * as Record from "effect/Record"
import * as ServerFlags from "../server/ServerFlags.js"
import type { ValuesOf } from "./flagOptions.js"

/** What a flag's option yields when the flag is not given. */
const absentValueOf = (flag: ServerFlags.Flag): unknown => {
  switch (flag._tag) {
    case "Integer":
      return ServerFlags.integerDefault(flag)
    case "Text":
    case "Choice":
      return flag.default
    case "Switch":
      return false
    case "RepeatedText":
      return []
    case "OptionalInteger":
    case "OptionalText":
    case "OptionalChoice":
    case "OptionalFile":
      return Option.none()
  }
}

/**
 * What the options of a record of flags yield for a command line that
 * gives none of them, without running the parser (a tenth of a second's
 * share of a server's start went to @effect/cli 3; the no-argument start is
 * the common one). The same values as the parser's: a test compares them.
 */
export const absentValuesOf = <R extends Record<string, ServerFlags.Flag>>(flags: R): ValuesOf<R> =>
  // What each value is follows its flag's `_tag`, which `absentValueOf`'s signature cannot say.
  Record.map(flags, absentValueOf) as unknown as ValuesOf<R>

/** The names of the flags that take a whole number. */
export const integerFlagNames = (flags: Record<string, ServerFlags.Flag>): ReadonlySet<string> =>
  new Set(
    Record.values(flags).filter((flag) => flag._tag === "Integer" || flag._tag === "OptionalInteger").map((flag) => flag.name)
  )

/** A whole number as a server flag takes it: digits only (anything else is the parser's to refuse or read). */
const WHOLE_NUMBER = /^\d+$/

/** The value a flag given as `--name value` (or `--name=value`) yields, or undefined where only the parser may say. */
const givenValueOf = (flag: ServerFlags.Flag, value: string): unknown => {
  switch (flag._tag) {
    case "Integer":
    case "OptionalInteger": {
      if (!WHOLE_NUMBER.test(value)) return undefined
      const number = Number(value)
      if (!Number.isSafeInteger(number) || number < flag.minimum) return undefined
      return flag._tag === "Integer" ? number : Option.some(number)
    }
    case "Text":
    case "RepeatedText":
      return value
    case "OptionalText":
      return Option.some(value)
    case "Choice":
      return flag.choices.includes(value) ? value : undefined
    case "OptionalChoice":
      return flag.choices.includes(value) ? Option.some(value) : undefined
    // Whether the file exists is the parser's to check and report.
    case "OptionalFile":
    case "Switch":
      return undefined
  }
}

/**
 * What the options of a record of flags yield for `args` when these are only
 * those flags in their plain forms, without running the parser: `--name
 * value` or `--name=value` (a repeated flag the first way only) with a
 * valid value that neither starts with `-` nor has spaces around it, a
 * switch alone (not followed by a word, which the parser would read as its
 * value), each flag once but a repeated one. Undefined for anything else (a
 * command, `--help`, `--log-level`, an unknown, misspelt or differently
 * cased flag, a value out of bounds, a file), which the parser reads and
 * reports on. The common start (`--listen stdio://`, as clients start a
 * server) then loads no parser (@effect/cli 3's took 13 ms of a 125 ms
 * start's CPU). The same values as the parser's: test/unit/flagDefaults.test.ts
 * compares them.
 */
export const plainValuesOf = <R extends Record<string, ServerFlags.Flag>>(
  flags: R,
  args: ReadonlyArray<string>
): ValuesOf<R> | undefined => {
  // Each flag by the name after `--`, with its key among the values.
  const byName = new Map(Object.entries(flags).map(([key, flag]) => [flag.name, [key, flag] as const]))
  const given: Record<string, unknown> = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith("--")) return undefined
    const equals = arg.indexOf("=")
    const entry = byName.get(arg.slice(2, equals === -1 ? undefined : equals))
    if (entry === undefined) return undefined
    const [key, flag] = entry
    if (flag._tag === "Switch") {
      const next = args[i + 1]
      if (equals !== -1 || key in given || (next !== undefined && !next.startsWith("--"))) return undefined
      given[key] = true
      continue
    }
    // A repeated flag's value given with `=` is left to the parser (@effect/cli 3 refused it).
    if (flag._tag === "RepeatedText" && equals !== -1) return undefined
    const value = equals === -1 ? args[++i] : arg.slice(equals + 1)
    // The parser trims a flag's value: a value with spaces around it is its to read.
    if (value === undefined || value === "" || value.startsWith("-") || value.trim() !== value) return undefined
    const parsed = givenValueOf(flag, value)
    if (parsed === undefined) return undefined
    if (flag._tag === "RepeatedText") {
      given[key] = [...(given[key] as Array<string> | undefined) ?? [], parsed]
    } else {
      if (key in given) return undefined
      given[key] = parsed
    }
  }
  return { ...absentValuesOf(flags), ...given }
}
