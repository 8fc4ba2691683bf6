/**
 * The flag table of docs/OPERATIONS.md, generated from the flags'
 * declarations (cli/commandFlags.ts, server/ServerFlags.ts): `npm run docs:flags` writes it
 * between the markers, and test/integration/flagTable.test.ts fails when the
 * file's table is not the generated one.
 */
import * as Record from "effect/Record"
import * as ServerFlags from "./commandFlags.js"

/** The line before the generated table. */
export const BEGIN = "<!-- flags:begin (generated from src/cli/commandFlags.ts by npm run docs:flags; edit there) -->"
/** The line after it. */
export const END = "<!-- flags:end -->"

/** The rows for what @effect/cli gives every command (declared by it, not by us). */
const builtInRows: ReadonlyArray<readonly [flags: string, defaultValue: string, meaning: string]> = [
  ["`--log-level LEVEL`", "info", "`all`, `trace`, `debug`, `info`, `warning`, `error`, `fatal`, `none`"],
  ["`--help`, `--version`", "", "`--help` shows each flag's default"]
]

/** A table cell: a `|` would end it. */
const cell = (markdown: string): string => markdown.replaceAll("|", "\\|")

/** How the table names the flag and its value. */
const usageOf = (flag: ServerFlags.Flag): string => {
  const metavar = flag.metavar ??
    (flag._tag === "Choice" || flag._tag === "OptionalChoice" ? flag.choices.join("|") : undefined)
  return `\`--${flag.name}${metavar === undefined ? "" : ` ${metavar}`}\``
}

/** The default as the table states it. */
const defaultOf = (flag: ServerFlags.Flag): string => {
  if (flag.documentedDefault !== undefined) return flag.documentedDefault
  switch (flag._tag) {
    case "Integer":
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

/** The table, markers included, as docs/OPERATIONS.md holds it. */
export const flagTable = (): string => {
  const rows = [
    ...Record.values(ServerFlags.serverFlags).map((flag) => [usageOf(flag), defaultOf(flag), meaningOf(flag)] as const),
    ...builtInRows
  ]
  return [
    BEGIN,
    "| flag | default | meaning |",
    "| --- | --- | --- |",
    ...rows.map((row) => `|${row.map((text) => text === "" ? " " : ` ${cell(text)} `).join("|")}|`),
    END
  ].join("\n")
}

/** `document` with its table (from `BEGIN` to `END`) replaced by the generated one; undefined when it has no markers. */
export const withFlagTable = (document: string): string | undefined => {
  const begin = document.indexOf(BEGIN)
  const end = document.indexOf(END, begin)
  if (begin === -1 || end === -1) return undefined
  return document.slice(0, begin) + flagTable() + document.slice(end + END.length)
}

/** The table `document` holds now, markers included; undefined when it has no markers. */
export const currentFlagTable = (document: string): string | undefined => {
  const begin = document.indexOf(BEGIN)
  const end = document.indexOf(END, begin)
  return begin === -1 || end === -1 ? undefined : document.slice(begin, end + END.length)
}
