/**
 * What the server's flags amount to without @effect/cli, which loads only
 * when there is a command line to read (`commandLine.ts`): their values
 * when none is given, and which take whole numbers.
 */
import * as Arr from "effect/Array"
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
 * share of a server's start goes to @effect/cli; the no-argument start is
 * the common one). The same values as the parser's: a test compares them.
 */
export const absentValuesOf = <R extends Record<string, ServerFlags.Flag>>(flags: R): ValuesOf<R> =>
  // What each value is follows its flag's `_tag`, which `absentValueOf`'s signature cannot say.
  Record.map(flags, absentValueOf) as unknown as ValuesOf<R>

/** The names of the flags that take a whole number. */
export const integerFlagNames = (flags: Record<string, ServerFlags.Flag>): ReadonlySet<string> =>
  new Set(
    Arr.filterMap(
      Record.values(flags),
      (flag) => flag._tag === "Integer" || flag._tag === "OptionalInteger" ? Option.some(flag.name) : Option.none()
    )
  )
