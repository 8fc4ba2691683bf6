/**
 * Schema parse errors as one line a person can act on, for both ends: the
 * server's -32602 answers and the command line's usage errors.
 */
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"

const standard = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * Effect 4's wording put back into Effect 3's, which the -32602 texts have
 * always used: "Expected X, actual Y" (v4: "got"), "is missing" (v4:
 * "Missing key"), and an optional field's `undefined` / `null` members left
 * out of what is expected (they only repeat that the field may be absent).
 */
const inV3Words = (message: string): string => {
  if (message === "Missing key") return "is missing"
  const match = /^Expected (.*), got (.*)$/s.exec(message)
  if (match === null) return message
  const members = match[1]!.split(" | ")
  const relevant = members.filter((member) => member !== "undefined" && member !== "null")
  const expected = relevant.length > 0 && relevant.length < members.length ? relevant.join(" | ") : match[1]!
  return `Expected ${expected}, actual ${match[2]}`
}

/** One line naming each offending field: `argv: argv must not be empty; tty: Expected boolean, actual "x"`. */
export const formatParseError = (error: Schema.SchemaError | SchemaIssue.Issue): string => {
  const issues = standard(Schema.isSchemaError(error) ? error.issue : error).issues
  // The members of a literal union each failing alone: one line per path names them all.
  const byPath = new Map<string, { expected: Array<string>; actual: string | undefined; other: Array<string> }>()
  for (const issue of issues) {
    const path = (issue.path ?? []).map((key) => typeof key === "object" ? String(key.key) : String(key)).join(".")
    const entry = byPath.get(path) ?? { expected: [], actual: undefined, other: [] }
    byPath.set(path, entry)
    const message = inV3Words(issue.message)
    const match = /^Expected (.*), actual (.*)$/s.exec(message)
    if (match !== null && (entry.actual === undefined || entry.actual === match[2])) {
      entry.expected.push(match[1]!)
      entry.actual = match[2]
    } else {
      entry.other.push(message)
    }
  }
  return [...byPath].flatMap(([path, entry]) => {
    const messages = [
      ...(entry.expected.length > 0 ? [`Expected ${entry.expected.join(" | ")}, actual ${entry.actual}`] : []),
      ...entry.other
    ]
    return messages.map((message) => path === "" ? message : `${path}: ${message}`)
  }).join("; ")
}
