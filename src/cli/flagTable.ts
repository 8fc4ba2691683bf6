/**
 * The flag tables of docs/OPERATIONS.md (the server's and the gateway's),
 * generated from the flags' declarations (cli/commandFlags.ts, server/ServerFlags.ts): `npm run docs:flags` writes it
 * between the markers, and test/integration/flagTable.test.ts fails when the
 * file's table is not the generated one.
 */
import * as Record from "effect/Record"
import { integerDefault } from "../server/ServerFlags.js"
import * as ServerFlags from "./commandFlags.js"

/** The line before the generated table. */
export const BEGIN = "<!-- flags:begin (generated from src/cli/commandFlags.ts by npm run docs:flags; edit there) -->"
/** The line after it. */
export const END = "<!-- flags:end -->"
/** The line before the gateway command's table. */
export const GATEWAY_BEGIN = "<!-- gateway-flags:begin (generated from src/cli/commandFlags.ts by npm run docs:flags; edit there) -->"
/** The line after it. */
export const GATEWAY_END = "<!-- gateway-flags:end -->"

/** The rows for what every command takes (commandLine.ts reads them, not the flag tables). */
const builtInRows: ReadonlyArray<readonly [flags: string, defaultValue: string, meaning: string]> = [
  ["`--log-level LEVEL`", "info", "`all`, `trace`, `debug`, `info`, `warning`, `error`, `fatal`, `none`"],
  ["`--help`, `--help-all`, `--version`", "", "`--help` the commands and the common flags, `--help-all` every flag by purpose with its default"]
]

/** A table cell: a `|` would end it. */
const cell = (markdown: string): string => markdown.replaceAll("|", "\\|")

/** How the table names the flag and its value. */
const usageOf = (flag: ServerFlags.Flag): string => {
  const metavar = flag.metavar ??
    (flag._tag === "Choice" || flag._tag === "OptionalChoice" ? flag.choices.join("|") : undefined)
  return `\`${flag.alias === undefined ? "" : `-${flag.alias}, `}--${flag.name}${metavar === undefined ? "" : ` ${metavar}`}\``
}

/** The default as the table states it. */
const defaultOf = (flag: ServerFlags.Flag): string => {
  if (flag.documentedDefault !== undefined) return flag.documentedDefault
  switch (flag._tag) {
    case "Integer":
      return String(integerDefault(flag))
    case "Choice":
      return String(flag.default)
    case "Text":
      return `\`${flag.default}\``
    case "OptionalInteger":
      return String(flag.impliedDefault)
    default:
      return ""
  }
}

/** What the flag does, with its least value (where it is above 0) and its environment variable. */
const meaningOf = (flag: ServerFlags.Flag): string => {
  const least = (flag._tag === "Integer" || flag._tag === "OptionalInteger") && flag.minimum > 0
    ? ` (at least ${flag.minimum})`
    : ""
  const env = flag.env === undefined ? "" : `; also \`${flag.env.name}=${flag.env.value}\` (${flag.env.rule})`
  return `${flag.help}${least}${env}`
}

/** A table of `flags` between two marker lines. */
const tableOf = (flags: Readonly<Record<string, ServerFlags.Flag>>, begin: string, end: string): string => {
  const rows = [
    ...Record.values(flags).map((flag) => [usageOf(flag), defaultOf(flag), meaningOf(flag)] as const),
    ...builtInRows
  ]
  return [
    begin,
    "| flag | default | meaning |",
    "| --- | --- | --- |",
    ...rows.map((row) => `|${row.map((text) => text === "" ? " " : ` ${cell(text)} `).join("|")}|`),
    end
  ].join("\n")
}

/** The server command's table, markers included, as docs/OPERATIONS.md holds it. */
export const flagTable = (): string => tableOf(ServerFlags.serverFlags, BEGIN, END)

/** The gateway command's table, markers included, as docs/OPERATIONS.md holds it. */
export const gatewayFlagTable = (): string => tableOf(ServerFlags.gatewayFlags, GATEWAY_BEGIN, GATEWAY_END)

/** `document` with the table from `begin` to `end` replaced by `table`; undefined when it has no such markers. */
const replaced = (document: string, begin: string, end: string, table: string): string | undefined => {
  const from = document.indexOf(begin)
  const to = document.indexOf(end, from)
  if (from === -1 || to === -1) return undefined
  return document.slice(0, from) + table + document.slice(to + end.length)
}

/** `document` with both tables replaced by the generated ones; undefined when it lacks either's markers. */
export const withFlagTable = (document: string): string | undefined => {
  const server = replaced(document, BEGIN, END, flagTable())
  return server === undefined ? undefined : replaced(server, GATEWAY_BEGIN, GATEWAY_END, gatewayFlagTable())
}

/** The text between (and with) two markers, or undefined. */
const between = (document: string, begin: string, end: string): string | undefined => {
  const from = document.indexOf(begin)
  const to = document.indexOf(end, from)
  return from === -1 || to === -1 ? undefined : document.slice(from, to + end.length)
}

/** The server's table `document` holds now, markers included; undefined when it has no markers. */
export const currentFlagTable = (document: string): string | undefined => between(document, BEGIN, END)

/** The gateway's table `document` holds now, markers included; undefined when it has no markers. */
export const currentGatewayFlagTable = (document: string): string | undefined => between(document, GATEWAY_BEGIN, GATEWAY_END)
