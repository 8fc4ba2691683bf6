/**
 * What is wrong with a command line, said the way a person can act on it,
 * before the parser reads it: an unknown option or command named with the
 * closest known one, and a `KEY=VALUE` option without its `=`. The options
 * and commands are read from the commands' own tables (commandSpec.ts), so
 * they cannot drift.
 */

/** The options of a command: whether each name takes a value. */
export type OptionNames = ReadonlyMap<string, boolean>

/** A command: its options, and its subcommands by name. */
export interface CommandSpec {
  readonly options: OptionNames
  readonly subcommands: ReadonlyMap<string, CommandSpec>
}

/** The options every command takes (commandLine.ts reads them). */
const BUILT_IN: OptionNames = new Map([
  ["--help", false],
  ["--help-all", false],
  ["-h", false],
  ["--version", false],
  ["--log-level", true]
])

/** Options whose values are `KEY=VALUE` pairs. */
const KEY_VALUE = new Set(["--env"])

/** The option names of a command (`--name` and `-n` alike), each with whether it takes a value: from its table. */
export { optionNamesOf } from "./commandSpec.js"

/**
 * Levenshtein distance, letter case ignored: what @effect/cli 3's
 * `AutoCorrect.levensteinDistance` computed with its default config
 * (effect/cli 4 has no public one).
 */
export const editDistance = (first: string, second: string): number => {
  const a = first.toLowerCase()
  const b = second.toLowerCase()
  let previous = Array.from({ length: b.length + 1 }, (_, column) => column)
  for (let row = 1; row <= a.length; row++) {
    const current = [row]
    for (let column = 1; column <= b.length; column++) {
      const cost = a.charAt(row - 1) === b.charAt(column - 1) ? 0 : 1
      current.push(Math.min(current[column - 1]! + 1, previous[column]! + 1, previous[column - 1]! + cost))
    }
    previous = current
  }
  return previous[b.length]!
}

/** The closest of `known` to `name`, if it is close enough to be what was meant. */
const closest = (name: string, known: Iterable<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = editDistance(name, candidate)
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
