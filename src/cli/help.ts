/**
 * Short help: `exec-server --help` lists the commands first, then the
 * server's flags one line each; `exec-server COMMAND --help` its usage, its
 * own flags and arguments one line each, and examples. The descriptions are
 * the commands' own declarations (@effect/cli's help document of each), so
 * help cannot drift from what the parser takes; only the usage lines and
 * examples are written here.
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import type * as HelpDoc from "@effect/cli/HelpDoc"
import type * as Span from "@effect/cli/HelpDoc/Span"

/** The plain text of a span. */
const textOf = (span: Span.Span): string => {
  switch (span._tag) {
    case "Text":
      return span.value
    case "Sequence":
      return textOf(span.left) + textOf(span.right)
    case "URI":
      return span.value
    default:
      return textOf(span.value)
  }
}

/** Paragraphs @effect/cli adds to every entry, which say nothing the usage does not. */
const BOILERPLATE = new Set([
  "A user-defined piece of text.",
  "An integer.",
  "A true or false value.",
  "A file.",
  "An existing file.",
  "A floating point number.",
  "This setting is optional.",
  "This setting is a property argument which:"
])

const paragraphsOf = (doc: HelpDoc.HelpDoc): Array<string> => {
  switch (doc._tag) {
    case "Paragraph":
      return [textOf(doc.value)]
    case "Sequence":
      return [...paragraphsOf(doc.left), ...paragraphsOf(doc.right)]
    case "Enumeration":
      return doc.elements.flatMap(paragraphsOf)
    default:
      return []
  }
}

/** What @effect/cli says of a choice, a repeated argument or a key=value option, which the usage or the description already says. */
const boilerplateIn =
  /^One of the following: (\S+, )*\S+ |This argument must be repeated at least \d+ times?\.| ?This option may be repeated zero or more times\.|May be specified .*$/g

/** Each entry of a help document's description lists: its names and what it says. */
const entriesOf = (doc: HelpDoc.HelpDoc): Array<readonly [string, string]> => {
  switch (doc._tag) {
    case "DescriptionList":
      return doc.definitions.map(([term, description]) => [
        textOf(term).trim().replace(/^\((.*)\)$/, "$1"),
        paragraphsOf(description).filter((paragraph) => !BOILERPLATE.has(paragraph)).join(" ").replace(boilerplateIn, "").trim()
      ] as const)
    case "Sequence":
      return [...entriesOf(doc.left), ...entriesOf(doc.right)]
    default:
      return []
  }
}

/** The first paragraph after the DESCRIPTION header. */
const descriptionOf = (doc: HelpDoc.HelpDoc): string => paragraphsOf(doc).find((paragraph) => !BOILERPLATE.has(paragraph)) ?? ""

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

// Typed as @effect/cli's withSubcommands takes them: a command's name and types differ from the next one's.
type AnyCommand = Command.Command<any, any, any, any>

const helpOf = (command: AnyCommand) => Command.getHelp(command, CliConfig.defaultConfig)

/** @effect/cli's options of every command, which a command's help names once instead of describing. */
const BUILT_IN = /^(--completions|--log-level|-h, --help|--wizard|--version)\b/

/** How a client reaches its server, shared by the client commands: listed after a command's own flags. */
const CONNECTION = /^(--token-file|--server-log-level|--nats-)/

/** `exec-server COMMAND --help`. */
export const commandHelp = (name: string, command: AnyCommand, guide: CommandGuide): string => {
  const doc = helpOf(command)
  const entries = entriesOf(doc).filter(([names]) => !BUILT_IN.test(names))
  const own = entries.filter(([names]) => !CONNECTION.test(names))
  const connection = entries.filter(([names]) => CONNECTION.test(names))
  return [
    `exec-server ${name}: ${descriptionOf(doc)}`,
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
  server: AnyCommand,
  commands: ReadonlyArray<readonly [string, AnyCommand]>
): string =>
  [
    `exec-server ${version}: a process supervisor speaking the exec-server JSON-RPC protocol (docs/OPERATIONS.md)`,
    "",
    "Usage:",
    "  exec-server [FLAGS]                 serve: stdio by default, --listen ws://IP:PORT, --connect nats://...",
    "  exec-server COMMAND [FLAGS] ...     a client of a server, or the gateway",
    "",
    "Commands (exec-server COMMAND --help for each):",
    table(commands.map(([name, command]) => [name, descriptionOf(helpOf(command))] as const)),
    "",
    "Flags of the server:",
    table([...entriesOf(helpOf(server)), ["--log-level LEVEL", "all, trace, debug, info, warning, error, fatal or none (default info)"], [
      "--version",
      "The version, and nothing else"
    ]]),
    "",
    "codex exec-server's cloud registry (--remote, --remote-transport, its registration credentials, `forward`) is not",
    "served: exit 2 with what to use instead (--connect nats://... and the gateway).",
    ""
  ].join("\n")
