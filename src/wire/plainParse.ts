/**
 * A schema's parse without a reason for failure: its value, or `Invalid`.
 * On Effect 3 this module compiled the v3 AST into plain JavaScript, as
 * Schema's own parse allocated an `Either` per field and an issue tree per
 * failure. Effect 4's parser does that itself: its synchronous decoder runs
 * a fast path (the schema's compiled decoder, which answers "invalid"
 * without an issue; with `effect/schema/SchemaJITCompiler` enabled, code
 * generated for the schema) and builds the detailed issue only when that
 * fails. So the plain parse is Schema's synchronous parse, its throw taken
 * as `Invalid`; `RpcCodecs` reads the issue from the same throw instead of
 * parsing twice.
 */
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import * as SchemaParser from "effect/SchemaParser"

/** What a plain parse returns for an input it does not accept. */
export const Invalid: unique symbol = Symbol.for("effect-exec-server/plainParse/Invalid")

/** The parse of one schema: its value, or `Invalid`. */
export type PlainParse = (input: unknown) => unknown

/**
 * The plain parse of `ast`, decoding or encoding under `options`. Kept for
 * its callers' sake: every schema has one now (Effect 3's version answered
 * `undefined` for nodes it did not take on; Effect 4's parser takes them all).
 */
export const plainParseOf = (
  ast: SchemaAST.AST,
  isDecoding: boolean,
  options: SchemaAST.ParseOptions = {}
): PlainParse | undefined => {
  const schema = Schema.make(ast) as Schema.Codec<unknown, unknown>
  const parse = isDecoding
    ? SchemaParser.decodeUnknownSync(schema, options)
    : SchemaParser.encodeUnknownSync(schema, options)
  return (input) => {
    try {
      return parse(input)
    } catch {
      return Invalid
    }
  }
}
