/**
 * logfmt lines exactly as Effect's `Logger.formatLogFmt` writes them, made
 * with fewer allocations: every connection and session logs a few lines
 * (opened, created, closed), and Effect's formatter was a seventh of what a
 * short WebSocket connection allocated (a match array per value, a
 * formatter's WeakSet per number, an entries array per line).
 * test/unit/logFmt.test.ts holds the two to the same output.
 */
import * as Cause from "effect/Cause"
import * as Formatter from "effect/Formatter"
import * as Logger from "effect/Logger"
import * as References from "effect/References"

/** A value written as it is: no whitespace, double quote or equals sign. */
const TEXT_ONLY = /^[^\s"=]*$/
/** What a label may not hold (each becomes `_`). */
const NOT_IN_LABEL = /[\s="]/
const NOT_IN_LABEL_ALL = /[\s="]/g

const labelOf = (key: string): string => NOT_IN_LABEL.test(key) ? key.replace(NOT_IN_LABEL_ALL, "_") : key

/** A value's text: a string as it is, a number or boolean as `String` writes it, anything else as Effect's formatter does. */
const textOf = (value: unknown): string =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : Formatter.format(value, { space: 0 })

/** A value quoted (as JSON) when it holds what logfmt cannot leave bare. */
const valueOf = (text: string): string => TEXT_ONLY.test(text) ? text : JSON.stringify(text)

/** `Logger.formatLogFmt`'s lines. */
export const logFmt: Logger.Logger<unknown, string> = Logger.make(({ cause, date, fiber, logLevel, message }) => {
  let line = `timestamp=${valueOf(date.toISOString())} level=${valueOf(logLevel.toUpperCase())} fiber=${valueOf(`#${fiber.id}`)}`
  if (Array.isArray(message)) {
    for (const part of message) line += ` message=${valueOf(textOf(part))}`
  } else {
    line += ` message=${valueOf(textOf(message))}`
  }
  if (cause.reasons.length > 0) line += ` cause=${valueOf(Cause.pretty(cause))}`
  const spans = fiber.getRef(References.CurrentLogSpans)
  if (spans.length > 0) {
    const now = date.getTime()
    for (const [label, startTime] of spans) line += ` ${labelOf(label)}=${now - startTime}ms`
  }
  const annotations = fiber.getRef(References.CurrentLogAnnotations)
  for (const label in annotations) {
    if (!Object.hasOwn(annotations, label)) continue
    line += ` ${labelOf(label)}=${valueOf(textOf(annotations[label]))}`
  }
  return line
})
