/**
 * Help: `exec-server --help` lists the commands first, then the server's
 * common flags one line each, on one 80×24 screen; `--help-all` every flag
 * of the server, grouped by purpose, wrapped to 80 columns;
 * `exec-server COMMAND --help` its usage, its own flags and arguments one
 * line each, and examples. The descriptions are
 * the commands' own tables (commandSpec.ts), so help cannot drift from what
 * the parser takes; only the usage lines and examples are written here.
 */
import { argsOf, argTermOf, type CliFlag, type CommandSpec, flagHelpOf, flagsOf, flagTermOf } from "./commandSpec.js"

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
  /** What the root's help says of it, in at most 62 characters (its description is the command's own help's). */
  readonly summary: string
  readonly usage: string
  readonly examples: ReadonlyArray<string>
}

/** How a client reaches its server, shared by the client commands: listed after a command's own flags. */
const CONNECTION = /^(--token-file|--connect-timeout-ms|--server-log-level|--nats-)/

/** The NATS flags, which a command's help names together. */
const NATS = /^--nats-/

/** `exec-server COMMAND --help`. */
export const commandHelp = (name: string, command: CommandSpec, guide: CommandGuide): string => {
  const entries = entriesOf(command)
  const own = entries.filter(([names]) => !CONNECTION.test(names))
  const connection = entries.filter(([names]) => CONNECTION.test(names) && !NATS.test(names))
  // The NATS credentials are the server's flags (its --help-all says each): named here in a few lines.
  const nats = flagsOf(command).filter(([, flag]) => NATS.test(`--${flag.name}`)).map(([, flag]) => `--${flag.name}`)
  return [
    `exec-server ${name}: ${command.description}`,
    "",
    `Usage: ${guide.usage}`,
    "",
    table(own),
    ...(connection.length === 0 ? [] : ["", "Reaching the server:", table(connection)]),
    ...(nats.length === 0
      ? []
      : wrap(`${nats.join(", ")}: NATS credentials and TLS, as the server's (exec-server --help-all)`, "  ", HELP_WIDTH)),
    "",
    "Examples:",
    ...guide.examples.map((example) => `  ${example}`),
    "",
    "Also: --log-level LEVEL (this client's logs), --help.",
    ""
  ].join("\n")
}

/** The width every line of the root's help fits in: one 80-column terminal. */
export const HELP_WIDTH = 80

/** A command as the root's help lists it: its name and a summary of at most a line. */
export interface CommandSummary {
  readonly name: string
  readonly summary: string
}

/**
 * The server's flags the short help shows, each with a line of its own
 * (the full help of each is `--help-all`'s): what a first run needs.
 */
const COMMON_FLAGS: ReadonlyArray<readonly [name: string, says: string, term?: string]> = [
  ["listen", "stdio:// (the default), or ws://IP:PORT"],
  ["ws-token-file", "the token WebSocket clients must send"],
  ["connect", "serve an environment through NATS (an executor)", "--connect nats://..."],
  ["sandbox-write", "confine every process: PATH writable, no network"],
  ["max-detach-ttl-ms", "longest a session outlives its client (300000)"]
]

/** A server flag's name and value as the help names them: `--listen URL`, `-c, --config KEY=VALUE`, `--sandbox`. */
const termOf = (flag: CliFlag): string => {
  const names = flag.alias === undefined ? `--${flag.name}` : `-${flag.alias}, --${flag.name}`
  if (flag._tag === "Switch") return names
  const metavar = "metavar" in flag && flag.metavar !== undefined
    ? flag.metavar
    : "choices" in flag
    ? flag.choices.join("|")
    : undefined
  return metavar === undefined ? flagTermOf(flag) : `${names} ${metavar}`
}

/** `text` in lines of at most `width` columns, each after `indent` (a word longer than a line has one of its own). */
const wrap = (text: string, indent: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((part) => part !== "")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line)
      line = word
    } else {
      line = line === "" ? word : `${line} ${word}`
    }
  }
  if (line !== "") lines.push(indent + line)
  return lines
}

/** `exec-server --help`: the commands and the common flags, on one 80×24 screen. */
export const rootHelp = (version: string, server: CommandSpec, commands: ReadonlyArray<CommandSummary>): string => {
  const flags = new Map(flagsOf(server).map(([, flag]) => [flag.name, flag] as const))
  const common = COMMON_FLAGS.flatMap(([name, says, term]) => {
    const flag = flags.get(name)
    return flag === undefined ? [] : [[term ?? termOf(flag), says] as const]
  })
  const column = (rows: ReadonlyArray<readonly [string, string]>) => {
    const width = Math.max(...rows.map(([term]) => term.length))
    return rows.map(([term, says]) => `  ${term.padEnd(width)}  ${says}`)
  }
  return [
    `exec-server ${version}: a process supervisor speaking Codex's exec-server protocol`,
    "Usage: exec-server [FLAGS]               serve: stdio, or --listen ws://IP:PORT",
    "       exec-server COMMAND [FLAGS] ...   a client, the gateway, or restart",
    "Commands (exec-server COMMAND --help for each):",
    ...column(commands.map((command) => [command.name, command.summary] as const)),
    "",
    "Common flags of the server:",
    ...column([...common, ["--log-level LEVEL", "trace, debug, info (the default), warning, error"]]),
    "Every flag by purpose, Codex's too: exec-server --help-all. Also --version.",
    "codex exec-server's cloud registry (--remote, forward) is not served: exit 2.",
    ""
  ].join("\n")
}

/** The groups of `--help-all`, in order: a flag is in the first whose names it matches. */
const GROUPS: ReadonlyArray<readonly [title: string, names: RegExp]> = [
  [
    "Listening and authentication",
    /^(listen|ws-.*|insecure-no-auth|allow-origin|allow-host|max-connections|max-connections-per-client|max-pending-upgrades|upgrade-timeout-ms|ping-interval-ms|handshake-timeout-ms|exit-on-stdin-close|console|console-key-file)$/
  ],
  [
    "Limits and lifetimes",
    /^(max-.*|grace-ms|retained-output-bytes|retention-ms|close-drain-ms|dropped-session-ttl-ms|outbound-high-water-mark-bytes)$/
  ],
  ["Sandbox", /^(sandbox.*|bwrap|linux-sandbox-pid-namespace)$/],
  ["Resource limits (cgroups)", /^(process|session)-(memory|pids|cpu)-max$/],
  ["Network", /^(http-header-env|tcp-upstream-proxy|proxy-private-ips-via-upstream|linux-sandbox-transparent-tcp)$/],
  ["NATS (an executor: --connect)", /^(connect|environment-id|name|nats-.*)$/],
  ["Logging", /^log-format$/],
  ["Codex's flags, accepted (they change nothing here)", /^(concurrent-requests|config|enable|disable|strict-config)$/]
]

/** The entries every command takes, in the logging group or after it. */
const LOG_LEVEL: readonly [string, string] = [
  "--log-level all|trace|debug|info|warning|error|fatal|none",
  "The least level of the logs written on stderr (default info)"
]

/** `exec-server --help-all`: every flag of the server, grouped by purpose, each with its whole help, wrapped to 80 columns. */
export const rootHelpAll = (version: string, server: CommandSpec): string => {
  const grouped = new Map<string, Array<readonly [string, string]>>()
  for (const [, flag] of flagsOf(server)) {
    const title = GROUPS.find(([, names]) => names.test(flag.name))?.[0] ?? "Other"
    const entries = grouped.get(title) ?? []
    entries.push([termOf(flag), flagHelpOf(flag)])
    grouped.set(title, entries)
  }
  grouped.set("Logging", [...grouped.get("Logging") ?? [], LOG_LEVEL])
  const titles = [...GROUPS.map(([title]) => title), "Other"].filter((title) => grouped.has(title))
  return [
    `exec-server ${version}: every flag of the server, by purpose`,
    "(the commands, and the flags most runs need: exec-server --help)",
    "",
    ...titles.flatMap((title) => [
      `${title}:`,
      ...grouped.get(title)!.flatMap(([term, says]) => [...wrap(term, "  ", HELP_WIDTH), ...wrap(says, "      ", HELP_WIDTH)]),
      ""
    ]),
    "Also: -h, --help (the common flags), --version.",
    ...wrap(
      "codex exec-server's cloud registry (--remote, --remote-transport, its registration credentials, `forward`) " +
        "is not served: exit 2 with what to use instead (--connect nats://... and the gateway).",
      "",
      HELP_WIDTH
    ),
    ""
  ].join("\n")
}
