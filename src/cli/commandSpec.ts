/**
 * The command line's own parser, replacing @effect/cli's (issue 69): a
 * command is a table of flags (the server's kinds of cli/commandFlags.ts,
 * and three a client command needs) and positional arguments, which this
 * module reads into values, names in `--help` terms and checks, in the
 * words @effect/cli 3 used where the project's tests and users see them.
 *
 * Why not effect/cli 4: it has no public reader of a command's help
 * document or usage (help.ts and usageCheck.ts read those of v3), its
 * messages and type names differ from v3's, and what it would still do
 * (read a value of a kind, dispatch) is what flagValues.ts already does
 * for the server's flags without loading a parser.
 */
import type * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Fs from "node:fs"
import type * as ServerFlags from "../server/ServerFlags.js"
import type { SignalName } from "../protocol/schema.js"
import { helpOf, type ValueOf } from "./flagOptions.js"
import { signalNamed, signalWordsHelp } from "./signalWords.js"

/** A flag a command must be given: `--session ID`. */
export interface RequiredTextFlag {
  readonly _tag: "RequiredText"
  readonly name: string
  readonly alias?: string
  readonly help: string
}

/** `--env K=V`, repeatable: the pairs as a record (later keys win). */
export interface KeyValueFlag {
  readonly _tag: "KeyValue"
  readonly name: string
  readonly alias?: string
  readonly help: string
}

/** A file named by a flag that is read later (its absence is reported by the reader, not as misuse). */
export interface OptionalPathFlag {
  readonly _tag: "OptionalPath"
  readonly name: string
  readonly alias?: string
  readonly help: string
}

/** A whole number a flag may give, with no bound or default of its own to show. */
export interface OptionalWholeFlag {
  readonly _tag: "OptionalWhole"
  readonly name: string
  readonly alias?: string
  readonly help: string
}

/** A signal, as kill(1) names it (signalWords.ts), or absent. */
export interface OptionalSignalFlag {
  readonly _tag: "OptionalSignal"
  readonly name: string
  readonly alias?: string
  readonly help: string
}

/** A flag of any command. */
export type CliFlag = ServerFlags.Flag | RequiredTextFlag | KeyValueFlag | OptionalPathFlag | OptionalWholeFlag | OptionalSignalFlag

/** What a flag yields. */
export type CliValueOf<F extends CliFlag> = F extends ServerFlags.Flag ? ValueOf<F>
  : F extends RequiredTextFlag ? string
  : F extends KeyValueFlag ? Option.Option<Readonly<Record<string, string>>>
  : F extends OptionalWholeFlag ? Option.Option<number>
  : F extends OptionalSignalFlag ? Option.Option<SignalName>
  : Option.Option<string>

/** What a record of flags yields, under the same keys. */
export type CliValuesOf<R extends Record<string, CliFlag>> = { readonly [K in keyof R]: CliValueOf<R[K]> }

/** A positional argument: one word, or (variadic) one or more, the rest of the line. */
export interface ArgSpec {
  readonly _tag: "Arg"
  readonly name: string
  readonly help: string
  readonly variadic?: boolean
  /** What is wrong with the word, if anything (printed as it is, exit 2). */
  readonly check?: (value: string) => string | undefined
}

/** A flag or a positional argument of a command. */
export type Param = CliFlag | ArgSpec

/** What a param yields: a flag its value, an argument its word (a variadic one its words). */
export type ParamValue<P extends Param> = P extends ArgSpec ? P extends { readonly variadic: true } ? ReadonlyArray<string> : string
  : P extends CliFlag ? CliValueOf<P>
  : never

/** What a command's params yield, under the same keys: what its handler is given. */
export type ValuesOfParams<R extends Record<string, Param>> = { readonly [K in keyof R]: ParamValue<R[K]> }

/** A command: its params under the keys its handler reads them by (arguments in their order). */
export interface CommandSpec<R extends Record<string, Param> = Record<string, Param>> {
  readonly name: string
  readonly description: string
  readonly params: R
}

/** A command and what runs it. */
export interface Command<R extends Record<string, Param>, E, Env> {
  readonly spec: CommandSpec<R>
  readonly handler: (values: ValuesOfParams<R>) => Effect.Effect<void, E, Env>
}

/** A command of `params`, run by `handler`. */
export const make = <const R extends Record<string, Param>, E, Env>(
  name: string,
  description: string,
  params: R,
  handler: (values: ValuesOfParams<R>) => Effect.Effect<void, E, Env>
): Command<R, E, Env> => ({ spec: { name, description, params }, handler })

/** A command's flags, in their order. */
export const flagsOf = (spec: CommandSpec): ReadonlyArray<readonly [string, CliFlag]> =>
  Object.entries(spec.params).flatMap(([key, param]) => param._tag === "Arg" ? [] : [[key, param] as const])

/** A command's positional arguments, in their order. */
export const argsOf = (spec: CommandSpec): ReadonlyArray<readonly [string, ArgSpec]> =>
  Object.entries(spec.params).flatMap(([key, param]) => param._tag === "Arg" ? [[key, param] as const] : [])

/** A flag's help as `--help` shows it: a server flag's with its default and environment variable. */
export const flagHelpOf = (flag: CliFlag): string =>
  flag._tag === "RequiredText" || flag._tag === "KeyValue" || flag._tag === "OptionalPath" || flag._tag === "OptionalWhole" ||
    flag._tag === "OptionalSignal"
    ? flag.help
    : helpOf(flag)

/** A flag's names and value in `--help`, as @effect/cli 3 wrote them: `-t, --tty`, `--cwd text`, `(-c, --config text)...`. */
export const flagTermOf = (flag: CliFlag): string => {
  const names = flag.alias === undefined ? `--${flag.name}` : `-${flag.alias}, --${flag.name}`
  switch (flag._tag) {
    case "Switch":
      return names
    case "Integer":
    case "OptionalInteger":
    case "OptionalWhole":
      return `${names} integer`
    case "Choice":
    case "OptionalChoice":
      return `${names} ${flag.choices.join(" | ")}`
    case "OptionalFile":
    case "OptionalPath":
      return `${names} file`
    case "RepeatedText":
      return flag.alias === undefined ? `${names} text...` : `(${names} text)...`
    case "OptionalSignal":
      return `${names} name|number`
    default:
      return `${names} text`
  }
}

/** A positional argument in `--help`: `<url>`, `<command> 1+`. */
export const argTermOf = (arg: ArgSpec): string => arg.variadic === true ? `<${arg.name}> 1+` : `<${arg.name}>`

/** Whether a flag takes a value (all but switches). */
export const takesValue = (flag: CliFlag): boolean => flag._tag !== "Switch"

/** A command's option names (`--name` and `-n`), each with whether it takes a value: what usageCheck.ts checks against. */
export const optionNamesOf = (spec: CommandSpec): ReadonlyMap<string, boolean> =>
  new Map(
    flagsOf(spec).flatMap(([, flag]) => [
      [`--${flag.name}`, takesValue(flag)] as const,
      ...(flag.alias === undefined ? [] : [[`-${flag.alias}`, takesValue(flag)] as const])
    ])
  )

const WHOLE_NUMBER = /^[+-]?\d+$/

/** The words a switch takes as its value (@effect/cli 3's). */
const TRUE_WORDS: ReadonlySet<string> = new Set(["true", "1", "y", "yes", "on"])
const FALSE_WORDS: ReadonlySet<string> = new Set(["false", "0", "n", "no", "off"])

/** A flag's value from the words given for it, or the problem to print. */
const valueOf = (flag: CliFlag, given: ReadonlyArray<string>): { readonly value: unknown } | { readonly problem: string } => {
  const last = given.at(-1)
  const choice = (choices: ReadonlyArray<string>, value: string) =>
    choices.includes(value) ? undefined : { problem: `--${flag.name}: expected one of ${choices.join(", ")}, not '${value}'` }
  switch (flag._tag) {
    case "Switch":
      return { value: given.length > 0 && given.at(-1) === "true" }
    case "RepeatedText":
      return { value: [...given] }
    case "KeyValue": {
      const bad = given.find((pair) => pair.indexOf("=") === -1 || pair.indexOf("=") === pair.length - 1)
      if (bad !== undefined) return { problem: `Expected a key/value pair but received '${bad}'` }
      return {
        value: given.length === 0 ? Option.none() : Option.some(Object.fromEntries(given.map((pair) => {
          const equals = pair.indexOf("=")
          return [pair.slice(0, equals), pair.slice(equals + 1)]
        })))
      }
    }
    case "RequiredText":
      return last === undefined ? { problem: `Expected to find option: '--${flag.name}'` } : { value: last }
    case "Text":
      return { value: last ?? flag.default }
    case "OptionalText":
    case "OptionalPath":
      return { value: Option.fromUndefinedOr(last) }
    case "OptionalFile":
      if (last === undefined) return { value: Option.none() }
      return Fs.existsSync(last) ? { value: Option.some(last) } : { problem: `Path '${last}' must exist` }
    case "Choice":
      return last === undefined ? { value: flag.default } : choice(flag.choices, last) ?? { value: last }
    case "OptionalChoice":
      return last === undefined ? { value: Option.none() } : choice(flag.choices, last) ?? { value: Option.some(last) }
    case "OptionalSignal": {
      if (last === undefined) return { value: Option.none() }
      const signal = signalNamed(last)
      return signal === undefined
        ? { problem: `--${flag.name}: '${last}' is not a signal the server sends: give one of ${signalWordsHelp()}` }
        : { value: Option.some(signal) }
    }
    case "OptionalWhole": {
      if (last === undefined) return { value: Option.none() }
      const number = Number(last)
      return WHOLE_NUMBER.test(last) && Number.isSafeInteger(number)
        ? { value: Option.some(number) }
        : { problem: `--${flag.name}: '${last}' is not a whole number` }
    }
    case "Integer":
    case "OptionalInteger": {
      if (last === undefined) {
        return { value: flag._tag === "Integer" ? (typeof flag.default === "function" ? flag.default() : flag.default) : Option.none() }
      }
      const number = Number(last)
      if (!WHOLE_NUMBER.test(last) || !Number.isSafeInteger(number)) return { problem: `--${flag.name}: '${last}' is not a whole number` }
      if (number < flag.minimum) return { problem: `--${flag.name} must be at least ${flag.minimum}` }
      return { value: flag._tag === "Integer" ? number : Option.some(number) }
    }
  }
}

/**
 * Reads `args` (the words after the command's name) for `spec`: flags
 * anywhere before `--` (`--name value`, `--name=value`, `-a value`), the
 * rest positional. The problems, each a line to print after
 * `exec-server: ` (exit 2), when the words do not fit.
 */
export const parse = <R extends Record<string, Param>>(
  spec: CommandSpec<R>,
  args: ReadonlyArray<string>
): { readonly values: ValuesOfParams<R> } | { readonly problems: ReadonlyArray<string> } => {
  const flags = flagsOf(spec)
  const byName = new Map<string, readonly [string, CliFlag]>()
  for (const entry of flags) {
    byName.set(`--${entry[1].name}`, entry)
    if (entry[1].alias !== undefined) byName.set(`-${entry[1].alias}`, entry)
  }
  const given = new Map<string, Array<string>>()
  const positional: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      positional.push(...args.slice(i + 1))
      break
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg)
      continue
    }
    const equals = arg.indexOf("=")
    const name = equals === -1 ? arg : arg.slice(0, equals)
    const entry = byName.get(name)
    if (entry === undefined) return { problems: [`Received unknown argument: '${arg}'`] }
    const [key, flag] = entry
    const words = given.get(key) ?? []
    given.set(key, words)
    if (!takesValue(flag)) {
      // As @effect/cli 3 read a switch: `--x=no`, or `--x` followed by a yes or no word, says which.
      const said = equals === -1 ? args[i + 1] : arg.slice(equals + 1)
      const yes = said !== undefined && TRUE_WORDS.has(said)
      const no = said !== undefined && FALSE_WORDS.has(said)
      if (equals === -1 && (yes || no)) i++
      words.push(no ? "false" : "true")
      continue
    }
    const value = equals === -1 ? args[++i] : arg.slice(equals + 1)
    if (value === undefined) return { problems: [`Expected a value following option: '${name}'`] }
    // Trimmed, as @effect/cli 3 read a flag's value.
    words.push(value.trim())
  }
  const problems: Array<string> = []
  const values: Record<string, unknown> = {}
  for (const [key, flag] of flags) {
    const read = valueOf(flag, given.get(key) ?? [])
    if ("problem" in read) problems.push(read.problem)
    else values[key] = read.value
  }
  let next = 0
  for (const [key, arg] of argsOf(spec)) {
    if (next >= positional.length) {
      problems.push(`Missing argument <${arg.name}>`)
      continue
    }
    const taken = arg.variadic === true ? positional.slice(next) : [positional[next]!]
    next += taken.length
    for (const word of taken) {
      const problem = arg.check?.(word)
      if (problem !== undefined) problems.push(problem)
    }
    values[key] = arg.variadic === true ? taken : taken[0]!
  }
  if (next < positional.length && problems.length === 0) problems.push(`Received unknown argument: '${positional[next]}'`)
  if (problems.length > 0) return { problems }
  // Each value follows its param's `_tag`, which `valueOf`'s signature cannot say.
  return { values: values as ValuesOfParams<R> }
}
