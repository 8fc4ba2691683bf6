/**
 * TOML text of a parsed document, written as the reference writes a config
 * layer (`environmentConfig/read`: Rust's `toml` 0.9 serializer, whose
 * choices a client may compare byte for byte): a table's plain values
 * first, then its tables and arrays of tables as sections; a `[a.b]` header
 * only for a table holding a plain value or nothing; arrays inline; each
 * string in the first of five forms that can hold it; floats without an
 * exponent. The facts are in docs/PROTOCOL.md, "environmentConfig/read".
 */
import type { TomlDate } from "smol-toml"

/** A parsed TOML value (smol-toml with `integersAsBigInt`: integers are bigints, floats numbers). */
export type TomlValue = string | bigint | number | boolean | TomlDate | Date | ReadonlyArray<TomlValue> | TomlTable
/** A parsed TOML table, in the document's order. */
export interface TomlTable {
  readonly [key: string]: TomlValue
}

export const isTable = (value: TomlValue): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

const isArrayOfTables = (value: TomlValue): value is ReadonlyArray<TomlTable> =>
  Array.isArray(value) && value.length > 0 && value.every(isTable)

/** A table or an array of tables: written as sections, never inline at the top of a table. */
const isSection = (value: TomlValue) => isTable(value) || isArrayOfTables(value)

// Control characters, by what each form may hold.
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000A-\u001F\u007F]/
const CONTROL_BUT_TAB_AND_NEWLINE = /[\u0000-\u0008\u000B-\u001F\u007F]/

const escapeChar = (char: string, multiLine: boolean): string => {
  switch (char) {
    case "\b":
      return "\\b"
    case "\t":
      return "\\t"
    case "\f":
      return "\\f"
    case "\r":
      return "\\r"
    case "\\":
      return "\\\\"
    case "\n":
      return multiLine ? "\n" : "\\n"
    default: {
      const code = char.charCodeAt(0)
      return code < 0x20 || code === 0x7f ? `\\u${code.toString(16).toUpperCase().padStart(4, "0")}` : char
    }
  }
}

/** A basic string with every escape it needs (the last resort). */
const escapedBasic = (text: string, multiLine: boolean): string => {
  let body = ""
  let quotes = 0
  for (const char of text) {
    if (char === "\"") {
      quotes++
      // A single-line string escapes every quote; a multi-line one only the third in a row.
      body += !multiLine || quotes % 3 === 0 ? "\\\"" : "\""
      continue
    }
    quotes = 0
    body += escapeChar(char, multiLine)
  }
  return multiLine ? `"""${text.includes("\n") ? "\n" : ""}${body}"""` : `"${body}"`
}

/** A string in the first form that holds it as it is: basic, literal, multi-line basic, multi-line literal; else escaped. */
export const stringText = (text: string): string => {
  const newline = text.includes("\n")
  if (!CONTROL_BUT_TAB.test(text) && !/["\\]/.test(text)) return escapedBasic(text, false)
  if (!CONTROL_BUT_TAB.test(text) && !text.includes("'")) return `'${text}'`
  const lead = newline ? "\n" : ""
  if (!CONTROL_BUT_TAB_AND_NEWLINE.test(text) && !text.includes("\\") && !text.includes("\"\"\"")) {
    return `"""${lead}${text.replace(/\t/g, "\\t")}"""`
  }
  if (!CONTROL_BUT_TAB_AND_NEWLINE.test(text) && !text.includes("'''")) return `'''${lead}${text}'''`
  return escapedBasic(text, newline)
}

/** A key: bare when it can be, else quoted as a string, literal when that spares escapes. */
export const keyText = (key: string): string => {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return key
  if (!/["\\]/.test(key)) return escapedBasic(key, false)
  if (!key.includes("'") && !CONTROL_BUT_TAB.test(key)) return `'${key}'`
  return escapedBasic(key, false)
}

/** A finite float's shortest round-trip digits, without an exponent, `.0` when integral. */
export const floatText = (value: number): string => {
  if (Number.isNaN(value)) return "nan"
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf"
  if (Object.is(value, -0)) return "-0.0"
  const sign = value < 0 ? "-" : ""
  const shortest = String(Math.abs(value))
  const match = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest)
  let plain = shortest
  if (match !== null) {
    const digits = match[1]! + (match[2] ?? "")
    const point = 1 + Number(match[3])
    plain = point <= 0
      ? `0.${"0".repeat(-point)}${digits}`
      : point >= digits.length
      ? digits + "0".repeat(point - digits.length)
      : `${digits.slice(0, point)}.${digits.slice(point)}`
  }
  return sign + (plain.includes(".") ? plain : `${plain}.0`)
}

/** A date, time or date-time as RFC 3339 with `T`, fractional seconds without trailing zeros. */
const dateText = (value: Date): string =>
  value.toISOString().replace(/\.(\d*?)0+(?=$|[Z+-])/, (_, kept: string) => (kept === "" ? "" : `.${kept}`))

/** A value on one line: what follows `key = `, and what an array or inline table holds. */
export const inlineText = (value: TomlValue): string => {
  if (typeof value === "string") return stringText(value)
  if (typeof value === "bigint") return value.toString()
  if (typeof value === "number") return floatText(value)
  if (typeof value === "boolean") return String(value)
  if (value instanceof Date) return dateText(value)
  if (Array.isArray(value)) return `[${value.map(inlineText).join(", ")}]`
  const entries = Object.entries(value as TomlTable)
  return entries.length === 0 ? "{}" : `{ ${entries.map(([key, item]) => `${keyText(key)} = ${inlineText(item)}`).join(", ")} }`
}

interface Section {
  readonly header: string | undefined
  readonly lines: Array<string>
}

const pathText = (path: ReadonlyArray<string>) => path.map(keyText).join(".")

const sectionsOf = (table: TomlTable, path: ReadonlyArray<string>, header: string | undefined, out: Array<Section>) => {
  const entries = Object.entries(table)
  const lines = entries.filter(([, value]) => !isSection(value)).map(([key, value]) => `${keyText(key)} = ${inlineText(value)}`)
  // A table that only holds tables has no header of its own; an empty one does.
  if (header !== undefined && (lines.length > 0 || entries.length === 0 || header.startsWith("[["))) {
    out.push({ header, lines })
  } else if (header === undefined && lines.length > 0) {
    out.push({ header: undefined, lines })
  }
  for (const [key, value] of entries) {
    const inner = [...path, key]
    if (isTable(value)) sectionsOf(value, inner, `[${pathText(inner)}]`, out)
    else if (isArrayOfTables(value)) for (const element of value) sectionsOf(element, inner, `[[${pathText(inner)}]]`, out)
  }
}

/** The document's text, ending with a newline (empty for an empty table). */
export const tomlText = (table: TomlTable): string => {
  const sections: Array<Section> = []
  sectionsOf(table, [], undefined, sections)
  return sections
    .map(({ header, lines }) => [...(header === undefined ? [] : [header]), ...lines].map((line) => `${line}\n`).join(""))
    .join("\n")
}
