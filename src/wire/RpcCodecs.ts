/**
 * Each Rpc's codecs, derived from its schemas once and shared by both ends:
 * the server decodes payloads and encodes results, the client encodes
 * payloads, decodes results and decodes the server's notifications.
 */
import type * as Rpc from "@effect/rpc/Rpc"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import { Invalid, plainParseOf } from "./plainParse.js"

/**
 * An Rpc's codecs. Synchronous: every schema of the protocol is, and the
 * Either API spares each message the Effect machinery of a decode.
 */
export interface RpcCodec {
  /** Params (or a notification's payload) from the wire, every error reported. */
  readonly decodePayload: (params: unknown) => Either.Either<unknown, ParseResult.ParseError>
  /** Params to the wire. */
  readonly encodePayload: (payload: unknown) => Either.Either<unknown, ParseResult.ParseError>
  /** A result from the wire. */
  readonly decodeSuccess: (result: unknown) => Either.Either<unknown, ParseResult.ParseError>
  /** A result to the wire. */
  readonly encodeSuccess: (value: unknown) => Either.Either<unknown, ParseResult.ParseError>
}

const codecs = new WeakMap<Rpc.AnyWithProps, RpcCodec>()

/** A client's params are checked with every error reported. */
const payloadOptions: SchemaAST.ParseOptions = { errors: "all" }

/**
 * Schema's `parse`, with what it throws refused as it refuses the rest: a
 * union reads its discriminator with `String()`, which throws for an object
 * whose `toString` is no function (`{"type": {"toString": 0}}` from the
 * wire), and a throw there ended the connection unanswered.
 */
const refusingThrows = (
  ast: SchemaAST.AST,
  parse: (input: unknown) => Either.Either<unknown, ParseResult.ParseError>
) =>
(input: unknown): Either.Either<unknown, ParseResult.ParseError> => {
  try {
    return parse(input)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    return Either.left(new ParseResult.ParseError({ issue: new ParseResult.Type(ast, input, `unreadable value (${why})`) }))
  }
}

/**
 * `parse`, preceded by the schema's plain parse where it has one: Schema's
 * own parse then runs only for what the plain one does not accept, to say
 * why (or to accept it, being the authority).
 */
const withPlainParse = (
  ast: SchemaAST.AST,
  isDecoding: boolean,
  schemaParse: (input: unknown) => Either.Either<unknown, ParseResult.ParseError>,
  options?: SchemaAST.ParseOptions
): (input: unknown) => Either.Either<unknown, ParseResult.ParseError> => {
  const plain = plainParseOf(ast, isDecoding, options)
  // The plain parse hands a schema's own transformations to Schema too.
  return refusingThrows(ast, plain === undefined ? schemaParse : (input) => {
    const value = plain(input)
    return value === Invalid ? schemaParse(input) : Either.right(value)
  })
}

/** The codecs of `rpc`, derived on its first use. */
export const codecOf = (rpc: Rpc.AnyWithProps): RpcCodec => {
  let codec = codecs.get(rpc)
  if (codec === undefined) {
    const payload = rpc.payloadSchema as Schema.Schema<unknown, unknown>
    const success = rpc.successSchema as Schema.Schema<unknown, unknown>
    codec = {
      decodePayload: withPlainParse(payload.ast, true, Schema.decodeUnknownEither(payload, payloadOptions), payloadOptions),
      encodePayload: withPlainParse(payload.ast, false, Schema.encodeEither(payload)),
      decodeSuccess: withPlainParse(success.ast, true, Schema.decodeUnknownEither(success)),
      // A result whose schema has no transformation or refinement (its encoded
      // form is itself) is already in wire form, and its type was checked when
      // the handler was compiled: walking 20,000 directory entries to confirm
      // that took longer than listing them.
      encodeSuccess: SchemaAST.encodedAST(success.ast) === success.ast
        ? Either.right
        : withPlainParse(success.ast, false, Schema.encodeEither(success))
    }
    codecs.set(rpc, codec)
  }
  return codec
}
