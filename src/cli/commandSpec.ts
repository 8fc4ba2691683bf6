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
 *
 * NOT WIRED YET: commandLine.ts, help.ts, remote.ts, gateway.ts,
 * networkFlags.ts and remoteConnection.ts still use @effect/cli 3.
 */
import * as Option from "effect/Option"
import * as Fs from "node:fs"
import type * as ServerFlags from "../server/ServerFlags.js"
import { helpOf, type ValueOf } from "./flagOptions.js"

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

/** A flag of any command. */
export type CliFlag = ServerFlags.Flag | RequiredTextFlag | KeyValueFlag | OptionalPathFlag

/** What a flag yields. */
export type CliValueOf<F extends CliFlag> = F extends ServerFlags.Flag ? ValueOf<F>
  : F extends RequiredTextFlag ? string
  : F extends KeyValueFlag ? Option.Option<Readonly<Record<string, string>>>
  : Option.Option<string>

/** A positional argument: one word, or (variadic) one or more, the rest of the line. */
export interface ArgSpec {
  readonly name: string
  readonly help: string
  readonly variadic?: boolean
  /** What is wrong with the word, if anything (printed as it is, exit 2). */
  readonly check?: (value: string) => string | undefined
}

/** A command: its flags under the keys its handler reads them by, and its positional arguments in order. */
export interface CommandSpec<F extends Record<string, CliFlag> = Record<string, CliFlag>> {
  readonly name: string
  readonly description: string
  readonly flags: F
  readonly args: ReadonlyArray<ArgSpec>
}

/** What a command line gives a command. */
export interface Parsed<F extends Record<string, CliFlag>> {
  readonly flags: { readonly [K in keyof F]: CliValueOf<F[K]> }
  readonly args: Readonly<Record<string, string | ReadonlyArray<string>>>
}

/** A flag's help as `--help` shows it: a server flag's with its default and environment variable. */
export const flagHelpOf = (flag: CliFlag): string =>
  flag._tag === "RequiredText" || flag._tag === "KeyValue" || flag._tag === "OptionalPath" ? flag.help : helpOf(flag)

/** A flag's names and value in `--help`, as @effect/cli 3 wrote them: `-t, --tty`, `--cwd text`, `(-c, --config text)...`. */
export const flagTermOf = (flag: CliFlag): string => {
  const names = flag.alias === undefined ? `--${flag.name}` : `-${flag.alias}, --${flag.name}`
  switch (flag._tag) {
    case "Switch":
      return names
    case "Integer":
    case "OptionalInteger":
      return `${names} integer`
    case "Choice":
    case "OptionalChoice":
      return `${names} ${flag.choices.join(" | ")}`
    case "OptionalFile":
    case "OptionalPath":
      return `${names} file`
    case "RepeatedText":
      return flag.alias === undefined ? `${names} text...` : `(${names} text)...`
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
    Object.values(spec.flags).flatMap((flag) => [
      [`--${flag.name}`, takesValue(flag)] as const,
      ...(flag.alias === undefined ? [] : [[`-${flag.alias}`, takesValue(flag)] as const])
    ])
  )

const WHOLE_NUMBER = /^[+-]?\d+$/

/** A flag's value from the words given for it, or the problem to print. */
const valueOf = (flag: CliFlag, given: ReadonlyArray<string>): { readonly value: unknown } | { readonly problem: string } => {
  const last = given.at(-1)
  const choice = (choices: ReadonlyArray<string>, value: string) =>
    choices.includes(value) ? undefined : { problem: `Expected one of the following cases: ${choices.join(", ")}` }
  switch (flag._tag) {
    case "Switch":
      return { value: given.length > 0 }
    case "RepeatedText":
      return { value: [...given] }
    case "KeyValue":
      return { value: given.length === 0 ? Option.none() : Option.some(Object.fromEntries(given.map((pair) => {
        const equals = pair.indexOf("=")
        return [pair.slice(0, equals), pair.slice(equals + 1)]
      }))) }
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
export const parse = <F extends Record<string, CliFlag>>(
  spec: CommandSpec<F>,
  args: ReadonlyArray<string>
): Parsed<F> | { readonly problems: ReadonlyArray<string> } => {
  const byName = new Map<string, string>()
  for (const [key, flag] of Object.entries(spec.flags)) {
    byName.set(`--${flag.name}`, key)
    if (flag.alias !== undefined) byName.set(`-${flag.alias}`, key)
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
    const key = byName.get(name)
    if (key === undefined) return { problems: [`Received unknown argument: '${arg}'`] }
    const words = given.get(key) ?? []
    given.set(key, words)
    if (!takesValue(spec.flags[key]!)) {
      words.push("true")
      continue
    }
    const value = equals === -1 ? args[++i] : arg.slice(equals + 1)
    if (value === undefined) return { problems: [`Expected a value following option: '${name}'`] }
    words.push(value)
  }
  const problems: Array<string> = []
  const flags: Record<string, unknown> = {}
  for (const [key, flag] of Object.entries(spec.flags)) {
    const read = valueOf(flag, given.get(key) ?? [])
    if ("problem" in read) problems.push(read.problem)
    else flags[key] = read.value
  }
  const values: Record<string, string | ReadonlyArray<string>> = {}
  let next = 0
  for (const arg of spec.args) {
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
    values[arg.name] = arg.variadic === true ? taken : taken[0]!
  }
  if (next < positional.length && problems.length === 0) problems.push(`Received unknown argument: '${positional[next]}'`)
  if (problems.length > 0) return { problems }
  // Each value follows its flag's `_tag`, which `valueOf`'s signature cannot say.
  return { flags: flags as Parsed<F>["flags"], args: values }
}
