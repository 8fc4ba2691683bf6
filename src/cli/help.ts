/**
 * Short help: `exec-server --help` lists the commands first, then the
 * server's flags one line each; `exec-server COMMAND --help` its usage, its
 * own flags and arguments one line each, and examples. The descriptions are
 * the commands' own tables (commandSpec.ts), so help cannot drift from what
 * the parser takes; only the usage lines and examples are written here.
 */
import { argsOf, argTermOf, type CommandSpec, flagHelpOf, flagsOf, flagTermOf } from "./commandSpec.js"

/** A command's entries: its arguments, then its flags, each with what it says (the layout @effect/cli 3 gave them). */
const entriesOf = (spec: CommandSpec): Array<readonly [string, string]> => [
  ...argsOf(spec).map(([, arg]) => [argTermOf(arg), arg.help] as const),
  ...flagsOf(spec).map(([, flag]) => [flagTermOf(flag), flagHelpOf(flag)] as const)
]

/** Entries as aligned lines: names in a column, what each says after them. */
const table = (entries: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.min(34, Math.max(...entries.map(([names]) => names.length)))
  return entries.map(([names, says]) =>
    names.length > width ? `  ${names}\n  ${" ".repeat(width)}  ${says}` : `  ${names.padEnd(width)}  ${says}`
  ).join("\n")
}

/** A command's usage line and examples, which its declaration does not say. */
export interface CommandGuide {
  readonly usage: string
  readonly examples: ReadonlyArray<string>
}

/**
 * The options every command takes, which the root's help lists after the
 * server's flags in @effect/cli 3's words (its --completions and --wizard
 * went with it).
 */
const BUILT_INS: ReadonlyArray<readonly [string, string]> = [
  ["--log-level all | trace | debug | info | warning | error | fatal | none", "Sets the minimum log level for a command."],
  ["-h, --help", "Show the help documentation for a command."],
  ["--version", "Show the version of the application."]
]

/** How a client reaches its server, shared by the client commands: listed after a command's own flags. */
const CONNECTION = /^(--token-file|--server-log-level|--nats-)/

/** `exec-server COMMAND --help`. */
export const commandHelp = (name: string, command: CommandSpec, guide: CommandGuide): string => {
  const entries = entriesOf(command)
  const own = entries.filter(([names]) => !CONNECTION.test(names))
  const connection = entries.filter(([names]) => CONNECTION.test(names))
  return [
    `exec-server ${name}: ${command.description}`,
    "",
    `Usage: ${guide.usage}`,
    "",
    table(own),
    ...(connection.length === 0 ? [] : ["", "Reaching the server:", table(connection)]),
    "",
    "Examples:",
    ...guide.examples.map((example) => `  ${example}`),
    "",
    "Also: --log-level LEVEL (this client's logs), --help.",
    ""
  ].join("\n")
}

/** `exec-server --help`: the commands, then the server's flags. */
export const rootHelp = (
  version: string,
  server: CommandSpec,
  commands: ReadonlyArray<CommandSpec>
): string =>
  [
    `exec-server ${version}: a process supervisor speaking the exec-server JSON-RPC protocol (docs/OPERATIONS.md)`,
    "",
    "Usage:",
    "  exec-server [FLAGS]                 serve: stdio by default, --listen ws://IP:PORT, --connect nats://...",
    "  exec-server COMMAND [FLAGS] ...     a client of a server, or the gateway",
    "",
    "Commands (exec-server COMMAND --help for each):",
    table(commands.map((command) => [command.name, command.description] as const)),
    "",
    "Flags of the server:",
    table([...entriesOf(server), ...BUILT_INS, ["--log-level LEVEL", "all, trace, debug, info, warning, error, fatal or none (default info)"], [
      "--version",
      "The version, and nothing else"
    ]]),
    "",
    "codex exec-server's cloud registry (--remote, --remote-transport, its registration credentials, `forward`) is not",
    "served: exit 2 with what to use instead (--connect nats://... and the gateway).",
    ""
  ].join("\n")
