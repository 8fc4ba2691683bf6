/**
 * The command line: the commands' tables (commandSpec.ts) over the
 * server's flags, and the client's and gateway's commands. Loaded only when
 * there are arguments to read (`run.ts` starts a server without them on
 * the flags' defaults).
 */
import * as Effect from "effect/Effect"
import type * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import * as ServerConfig from "../server/ServerConfig.js"
import type { Flag } from "../server/ServerFlags.js"
import * as ServerFlags from "./commandFlags.js"
import * as Cli from "./commandSpec.js"
import { integerFlagNames as integerFlagNamesOf } from "./flagValues.js"
import { gatewayCommand, gatewayGuide } from "./gateway.js"
import { restartCommand, restartGuide } from "./restart.js"
import { type CommandGuide, commandHelp, rootHelp, rootHelpAll } from "./help.js"
import { clientCommands, clientGuides } from "./remote.js"
import type { ServeFlags } from "./run.js"
import { cloudRefusal } from "./referenceFlags.js"
import { optionNamesOf, problemOf } from "./usageCheck.js"

/** The names of the whole-number flags, for `misusedIntegerFlag` (the client's `--detach-ttl-ms` and `--connect-timeout-ms` too). */
const integerFlagNames = new Set([...integerFlagNamesOf(ServerFlags.serverFlags), "detach-ttl-ms", "connect-timeout-ms"])

/**
 * The first whole-number flag whose value is not a whole number, as the
 * message to print, naming the flag (@effect/cli 3 said "'abc' is not a
 * integer", which left a long command line to guess from).
 */
const misusedIntegerFlag = (argv: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith("--")) continue
    const equals = arg.indexOf("=")
    const name = arg.slice(2, equals === -1 ? undefined : equals)
    if (!integerFlagNames.has(name)) continue
    const value = equals === -1 ? argv[i + 1] : arg.slice(equals + 1)
    if (value === undefined) return `--${name} needs a value`
    if (!/^[+-]?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      return `--${name}: '${value}' is not a whole number`
    }
    if (equals === -1) i++
  }
  return undefined
}

/** The server's flags that take one of a few words, by name. */
const choiceFlags = new Map(
  Object.values(ServerFlags.serverFlags).flatMap((flag) =>
    flag._tag === "Choice" || flag._tag === "OptionalChoice" ? [[flag.name, flag] as const] : []
  )
)

/**
 * The first server flag given a word it does not take, named in the
 * reference's words (`invalid value 'bogus' for
 * '--linux-sandbox-pid-namespace <MODE>': expected 'isolate' or
 * 'inherit'`). Only the server's flags before the first other word are
 * looked at.
 */
const misusedChoiceFlag = (args: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith("-")) return undefined
    const equals = arg.indexOf("=")
    const name = arg.slice(2, equals === -1 ? undefined : equals)
    const flag = choiceFlags.get(name)
    if (flag === undefined) {
      // Another flag's value is no command.
      if (equals === -1 && takesValue(arg)) i++
      continue
    }
    const value = equals === -1 ? args[++i] : arg.slice(equals + 1)
    if (value === undefined || (flag.choices as ReadonlyArray<string>).includes(value)) continue
    const words = flag.choices.map((choice) => `'${choice}'`)
    const expected = words.length === 2 ? words.join(" or ") : `one of ${words.join(", ")}`
    return `invalid value '${value}' for '--${flag.name} <${flag.metavar ?? "VALUE"}>': expected ${expected}`
  }
  return undefined
}

/** Whether a server flag as written (`--name`, or its one-letter `-x`) takes a value: the value flags, and `--log-level`. */
const takesValue = (written: string): boolean => valueFlagSpellings.has(written)

const valueFlagSpellings = new Set([
  "--log-level",
  ...Object.values<Flag>(ServerFlags.serverFlags).flatMap((flag): Array<string> =>
    flag._tag === "Switch" ? [] : [`--${flag.name}`, ...(flag.alias === undefined ? [] : [`-${flag.alias}`])]
  )
])

/** The levels of `--log-level`, in Effect's names. */
const LOG_LEVELS: Readonly<Record<string, LogLevel.LogLevel>> = {
  all: "All",
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warning: "Warn",
  error: "Error",
  fatal: "Fatal",
  none: "None"
}

/**
 * `--log-level LEVEL` (or `--log-level=LEVEL`) anywhere before `--`: the
 * level, and the other words. Every command takes it (as @effect/cli 3's
 * built-in did).
 */
const withoutLogLevel = (args: ReadonlyArray<string>): { readonly level: string | undefined; readonly rest: Array<string> } => {
  let level: string | undefined
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      rest.push(...args.slice(i))
      break
    }
    if (arg === "--log-level" && i + 1 < args.length) level = args[++i]!
    else if (arg.startsWith("--log-level=")) level = arg.slice("--log-level=".length)
    else rest.push(arg)
  }
  return { level, rest }
}

const guides: Readonly<Record<string, CommandGuide>> = { ...clientGuides, gateway: gatewayGuide, restart: restartGuide }

// A command's params and requirements differ from the next one's: each is run through its own handler.
type AnyCommand = Cli.Command<any, any, any>

/**
 * Whether the arguments ask for help (`--help`, `-h` or `--help-all`
 * before any `--`), of which command (the first word that names one; none:
 * the server's), and whether all of it.
 */
const helpAsked = (
  args: ReadonlyArray<string>,
  commands: ReadonlyArray<AnyCommand>
): { readonly name: string; readonly command: AnyCommand | undefined; readonly all: boolean } | undefined => {
  const end = args.indexOf("--")
  const words = end === -1 ? args : args.slice(0, end)
  const all = words.includes("--help-all")
  if (!all && !words.includes("--help") && !words.includes("-h")) return undefined
  for (const word of words) {
    const command = commands.find((candidate) => candidate.spec.name === word)
    if (command !== undefined) return { name: word, command, all }
  }
  return { name: "exec-server", command: undefined, all }
}

/** A misused command line: a line on stderr for each problem and exit code 2. */
const reportMisuse = (...problems: ReadonlyArray<string>): Effect.Effect<void, never, never> =>
  Effect.sync(() => {
    for (const problem of problems) process.stderr.write(`exec-server: ${problem}\n`)
    process.exitCode = 2
  })

/**
 * The command `args` are for and the words that are its own: a client
 * command or the gateway named by the first word that is neither a server
 * flag nor its value, else the server with all of them.
 */
const commandOf = <S extends AnyCommand>(
  args: ReadonlyArray<string>,
  server: S,
  subcommands: ReadonlyArray<AnyCommand>
): { readonly command: AnyCommand; readonly args: ReadonlyArray<string> } => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") break
    if (arg.startsWith("-")) {
      if (!arg.includes("=") && takesValue(arg)) i++
      continue
    }
    const command = subcommands.find((candidate) => candidate.spec.name === arg)
    return command === undefined ? { command: server, args } : { command, args: args.slice(i + 1) }
  }
  return { command: server, args }
}

/**
 * Parses `argv` and runs what it asks for: the server (`serve` with its
 * flags), a client command or the gateway. What was wrong with the
 * arguments is printed and ends with exit code 2.
 */
export const run = <E, R>(given: ReadonlyArray<string>, serve: (flags: ServeFlags) => Effect.Effect<void, E, R>) => {
  const argv = given.slice(2)
  const cloud = cloudRefusal(argv, takesValue)
  if (cloud !== undefined) return reportMisuse(cloud)
  const misuse = misusedIntegerFlag(argv) ?? misusedChoiceFlag(argv)
  if (misuse !== undefined) return reportMisuse(misuse)
  const server = Cli.make("exec-server", "A process supervisor speaking the exec-server JSON-RPC protocol", ServerFlags.serverFlags, serve)
  const subcommands: ReadonlyArray<AnyCommand> = [...clientCommands, gatewayCommand, restartCommand]
  const problem = problemOf(argv, {
    options: optionNamesOf(server.spec),
    subcommands: new Map(subcommands.map((subcommand) => [
      subcommand.spec.name,
      { options: optionNamesOf(subcommand.spec), subcommands: new Map() }
    ]))
  })
  if (problem !== undefined) return reportMisuse(problem)
  const help = helpAsked(argv, subcommands)
  if (help !== undefined) {
    return Effect.sync(() => {
      process.stdout.write(
        help.command === undefined
          ? help.all
            ? rootHelpAll(ServerConfig.version, server.spec)
            : rootHelp(
              ServerConfig.version,
              server.spec,
              subcommands.map((command) => ({
                name: command.spec.name,
                summary: guides[command.spec.name]?.summary ?? command.spec.description
              }))
            )
          // A command's help is whole already: --help-all shows the same.
          : commandHelp(help.name, help.command.spec, guides[help.name] ?? { summary: "", usage: `exec-server ${help.name} [FLAGS]`, examples: [] })
      )
    })
  }
  const { level, rest } = withoutLogLevel(argv)
  const logLevel = level === undefined ? undefined : LOG_LEVELS[level]
  if (level !== undefined && logLevel === undefined) {
    return reportMisuse(`Expected one of the following cases: ${Object.keys(LOG_LEVELS).join(", ")}`)
  }
  const end = rest.indexOf("--")
  if ((end === -1 ? rest : rest.slice(0, end)).includes("--version")) {
    return Effect.sync(() => {
      process.stdout.write(`${ServerConfig.version}\n`)
    })
  }
  const chosen = commandOf(rest, server, subcommands)
  const parsed = Cli.parse(chosen.command.spec, chosen.args)
  if ("problems" in parsed) return reportMisuse(...parsed.problems)
  // Each command's handler takes the values of its own params.
  const program = chosen.command.handler(parsed.values) as Effect.Effect<void, E, R>
  return logLevel === undefined ? program : Effect.provideService(program, References.MinimumLogLevel, logLevel)
}
