/**
 * The command line: @effect/cli's parser over the server's flags, and the
 * client's and gateway's commands. Loaded only when there are arguments to
 * read (`run.ts` starts a server without them on the flags' defaults).
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { stripVTControlCharacters } from "node:util"
import * as ServerConfig from "../server/ServerConfig.js"
import type { Flag } from "../server/ServerFlags.js"
import * as ServerFlags from "./commandFlags.js"
import { optionsOf } from "./flagOptions.js"
import { integerFlagNames as integerFlagNamesOf } from "./flagValues.js"
import { gatewayCommand, gatewayGuide } from "./gateway.js"
import { type CommandGuide, commandHelp, rootHelp } from "./help.js"
import { clientCommands, clientGuides } from "./remote.js"
import type { ServeFlags } from "./run.js"
import { cloudRefusal } from "./referenceFlags.js"
import { optionNamesOf, problemOf } from "./usageCheck.js"

/** The names of the whole-number flags, for `misusedIntegerFlag` (the client's `exec --detach-ttl-ms` too). */
const integerFlagNames = new Set([...integerFlagNamesOf(ServerFlags.serverFlags), "detach-ttl-ms"])

/**
 * The first whole-number flag whose value is not a whole number, as the
 * message to print: @effect/cli's own says "'abc' is not a integer" without
 * naming the flag, which leaves a long command line to guess from.
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
 * 'inherit'`): @effect/cli's own names the words but not the flag. Only the
 * server's flags before the first other word are looked at.
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

/** The server's flags that take a value (all but its switches). */
const valueFlagNames = new Set(
  Object.values(ServerFlags.serverFlags).filter((flag) => flag._tag !== "Switch").map((flag) => flag.name)
)

/** Whether a server flag as written (`--name`, or its one-letter `-x`) takes a value: the value flags, and @effect/cli's `--log-level`. */
const takesValue = (written: string): boolean => valueFlagSpellings.has(written)

const valueFlagSpellings = new Set([
  "--log-level",
  ...Object.values<Flag>(ServerFlags.serverFlags).flatMap((flag): Array<string> =>
    flag._tag === "Switch" ? [] : [`--${flag.name}`, ...(flag.alias === undefined ? [] : [`-${flag.alias}`])]
  )
])

/**
 * A server flag's value given apart that is also a command's name
 * (`--ws-audience exec`) would be read by @effect/cli as that command: such
 * a value is joined to its flag (`--ws-audience=exec`). Only the server's
 * flags before the first other word are looked at.
 */
const withValuesJoined = (args: ReadonlyArray<string>, commandNames: ReadonlySet<string>): Array<string> => {
  const joined: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith("--")) return [...joined, ...args.slice(i)]
    const next = args[i + 1]
    if (valueFlagNames.has(arg.slice(2)) && next !== undefined) {
      joined.push(commandNames.has(next) ? `${arg}=${next}` : arg, ...(commandNames.has(next) ? [] : [next]))
      i++
    } else {
      joined.push(arg)
    }
  }
  return joined
}

/**
 * @effect/cli reads its built-in `--log-level` only before the command's own
 * flags; accept it anywhere by moving it to the front.
 */
const withLogLevelFirst = (argv: ReadonlyArray<string>): Array<string> => {
  const [node, script, ...args] = argv
  const logLevel: Array<string> = []
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--log-level" && i + 1 < args.length) logLevel.push(arg, args[++i]!)
    else if (arg.startsWith("--log-level=")) logLevel.push("--log-level", arg.slice("--log-level=".length))
    else rest.push(arg)
  }
  return [node!, script!, ...logLevel, ...rest]
}

/**
 * @effect/cli's paragraph naming an option's type, which its usage line
 * already shows (`--grace-ms integer`); its other paragraphs say more.
 */
const typeParagraph = /^ *(A user-defined piece of text\.|An integer\.|A true or false value\.|A file\.)\n\n/gm

/** Text for `stream`: @effect/cli's colours only on a terminal. */
const textFor = (stream: NodeJS.WriteStream, text: string): string => stream.isTTY ? text : stripVTControlCharacters(text)

/**
 * @effect/cli writes help with `Console.log` and what was wrong with the
 * arguments with `Console.error`: help without the type paragraphs, errors
 * as `exec-server: ` lines, and plain text where no terminal reads it.
 */
const cliConsole = (console: Console.Console): Console.Console => ({
  ...console,
  log: (...args) => console.log(...args.map((arg) => typeof arg === "string" ? textFor(process.stdout, arg.replace(typeParagraph, "")) : arg)),
  error: (...args) =>
    console.error(
      ...args.map((arg) =>
        typeof arg === "string"
          ? textFor(process.stderr, arg).trim().split("\n").filter((line) => line.trim() !== "").map((line) => `exec-server: ${line.trim()}`).join("\n")
          : arg
      )
    )
})

// Typed as @effect/cli's withSubcommands takes them: a command's name and types differ from the next one's.
type AnyCommand = Command.Command<any, any, any, any>

const nameOf = (command: AnyCommand): string => [...Command.getNames(command)][0] as string

const guides: Readonly<Record<string, CommandGuide>> = { ...clientGuides, gateway: gatewayGuide }

/**
 * Whether the arguments ask for help (`--help` or `-h` before any `--`),
 * and of which command (the first word that names one; none: the server's).
 */
const helpAsked = (
  args: ReadonlyArray<string>,
  commands: ReadonlyArray<AnyCommand>
): { readonly name: string; readonly command: AnyCommand | undefined } | undefined => {
  const end = args.indexOf("--")
  const words = end === -1 ? args : args.slice(0, end)
  if (!words.includes("--help") && !words.includes("-h")) return undefined
  for (const word of words) {
    const command = commands.find((candidate) => nameOf(candidate) === word)
    if (command !== undefined) return { name: word, command }
  }
  return { name: "exec-server", command: undefined }
}

/** A misused command line: one line on stderr and exit code 2, as @effect/cli's own checks end. */
const reportMisuse = (problem: string): Effect.Effect<void, never, never> =>
  Effect.sync(() => {
    process.stderr.write(`exec-server: ${problem}\n`)
    process.exitCode = 2
  })

/**
 * Parses `argv` and runs what it asks for: the server (`serve` with its
 * flags), a client command or the gateway. What was wrong with the
 * arguments is printed by the parser and ends with exit code 2.
 */
export const run = <E, R>(given: ReadonlyArray<string>, serve: (flags: ServeFlags) => Effect.Effect<void, E, R>) => {
  const subcommandNames = new Set([...clientCommands, gatewayCommand].map((command) => nameOf(command as AnyCommand)))
  const argv = [...given.slice(0, 2), ...withValuesJoined(given.slice(2), subcommandNames)]
  const cloud = cloudRefusal(argv.slice(2), takesValue)
  if (cloud !== undefined) return reportMisuse(cloud)
  const misuse = misusedIntegerFlag(argv.slice(2)) ?? misusedChoiceFlag(argv.slice(2))
  if (misuse !== undefined) return reportMisuse(misuse)
  const server = Command.make("exec-server", optionsOf(ServerFlags.serverFlags), serve)
  const subcommands = [...clientCommands, gatewayCommand] as const
  const described: ReadonlyArray<AnyCommand> = subcommands
  const problem = problemOf(argv.slice(2), {
    options: optionNamesOf(Command.getUsage(server)),
    subcommands: new Map(described.map((subcommand) => [
      nameOf(subcommand),
      { options: optionNamesOf(Command.getUsage(subcommand)), subcommands: new Map() }
    ]))
  })
  if (problem !== undefined) return reportMisuse(problem)
  const help = helpAsked(argv.slice(2), described)
  if (help !== undefined) {
    return Effect.sync(() => {
      process.stdout.write(
        help.command === undefined
          ? rootHelp(ServerConfig.version, server, described.map((command) => [nameOf(command), command] as const))
          : commandHelp(help.name, help.command, guides[help.name] ?? { usage: `exec-server ${help.name} [FLAGS]`, examples: [] })
      )
    })
  }
  const command = server.pipe(
    Command.withDescription("A process supervisor speaking the exec-server JSON-RPC protocol"),
    Command.withSubcommands(subcommands)
  )
  return Command.run(command, { name: "exec-server", version: ServerConfig.version })(withLogLevelFirst(argv)).pipe(
    (program) => Console.consoleWith((console) => Console.withConsole(program, cliConsole(console))),
    // The CLI has already printed what was wrong with the arguments.
    Effect.catchIf(ValidationError.isValidationError, () =>
      Effect.sync(() => {
        process.exitCode = 2
      }))
  )
}
