/**
 * What is wrong with a command line, said the way a person can act on it,
 * before @effect/cli parses it: an unknown option or command named with the
 * closest known one (@effect/cli takes `--lisen` at the top for a
 * subcommand, and an unknown option of `exec` for its URL), and a
 * `KEY=VALUE` option without its `=`. The options and commands are read
 * from the commands' own declarations (their usage), so they cannot drift.
 */
import * as AutoCorrect from "@effect/cli/AutoCorrect"
import * as CliConfig from "@effect/cli/CliConfig"
import type * as Usage from "@effect/cli/Usage"

/** The options of a command: whether each name takes a value. */
export type OptionNames = ReadonlyMap<string, boolean>

/** A command: its options, and its subcommands by name. */
export interface CommandSpec {
  readonly options: OptionNames
  readonly subcommands: ReadonlyMap<string, CommandSpec>
}

/** @effect/cli's own options, which every command takes. */
const BUILT_IN: OptionNames = new Map([
  ["--help", false],
  ["-h", false],
  ["--version", false],
  ["--wizard", false],
  ["--completions", true],
  ["--log-level", true]
])

/** Options whose values are `KEY=VALUE` pairs. */
const KEY_VALUE = new Set(["--env"])

const namedOf = (usage: Usage.Usage): Array<Usage.Named> => {
  switch (usage._tag) {
    case "Named":
      return [usage]
    case "Optional":
    case "Repeated":
      return namedOf(usage.usage)
    case "Concat":
    case "Alternation":
      return [...namedOf(usage.left), ...namedOf(usage.right)]
    default:
      return []
  }
}

/** The option names in a usage (`--name` and `-n` alike), each with whether it takes a value. */
export const optionNamesOf = (usage: Usage.Usage): OptionNames =>
  new Map(
    namedOf(usage).flatMap((named) =>
      named.names.filter((name) => name.startsWith("-")).map((name) => [name, named.acceptedValues._tag === "Some"] as const)
    )
  )

/** The closest of `known` to `name`, if it is close enough to be what was meant. */
const closest = (name: string, known: Iterable<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = AutoCorrect.levensteinDistance(name, candidate, CliConfig.defaultConfig)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

const meant = (suggestion: string | undefined) => suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`

/**
 * The first thing wrong with `args` (the arguments after the program's
 * name), as a line to print after `exec-server: `; undefined when the words
 * are known (their values are for the parser to check).
 */
export const problemOf = (args: ReadonlyArray<string>, root: CommandSpec): string | undefined => {
  let spec = root
  let command = "exec-server"
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    // What follows is the command to run and its own arguments.
    if (arg === "--") return undefined
    if (arg.startsWith("-") && arg !== "-") {
      const equals = arg.indexOf("=")
      const name = equals === -1 ? arg : arg.slice(0, equals)
      const takesValue = spec.options.get(name) ?? BUILT_IN.get(name)
      if (takesValue === undefined) {
        return `unknown option ${name} of ${command}${meant(closest(name, spec.options.keys()))}; ${command} --help lists them`
      }
      if (!takesValue) continue
      const value = equals === -1 ? args[++i] : arg.slice(equals + 1)
      if (value !== undefined && KEY_VALUE.has(name) && !value.includes("=")) {
        return `${name} takes KEY=VALUE: ${JSON.stringify(value)} has no '='`
      }
      continue
    }
    if (spec.subcommands.size === 0) continue
    const subcommand = spec.subcommands.get(arg)
    if (subcommand === undefined) {
      const names = [...spec.subcommands.keys()]
      return `unknown command ${JSON.stringify(arg)}${meant(closest(arg, names))}; the commands: ${names.join(", ")}`
    }
    spec = subcommand
    command = `${command} ${arg}`
  }
  return undefined
}
