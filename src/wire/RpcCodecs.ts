/**
 * Each Rpc's codecs, derived from its schemas once and shared by both ends:
 * the server decodes payloads and encodes results, the client encodes
 * payloads, decodes results and decodes the server's notifications.
 */
import * as Result from "effect/Result"
import type * as Rpc from "effect/rpc/Rpc"
import * as Schema from "effect/Schema"
import * as SchemaJITCompiler from "effect/schema/SchemaJITCompiler"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaParser from "effect/SchemaParser"

/**
 * An Rpc's codecs. Synchronous: every schema of the protocol is, and a
 * `Result` spares each message the Effect machinery of a decode.
 */
export interface RpcCodec {
  /** Params (or a notification's payload) from the wire, every error reported. */
  readonly decodePayload: (params: unknown) => Result.Result<unknown, Schema.SchemaError>
  /** Params to the wire. */
  readonly encodePayload: (payload: unknown) => Result.Result<unknown, Schema.SchemaError>
  /** A result from the wire. */
  readonly decodeSuccess: (result: unknown) => Result.Result<unknown, Schema.SchemaError>
  /** A result to the wire. */
  readonly encodeSuccess: (value: unknown) => Result.Result<unknown, Schema.SchemaError>
  /** A failure the Rpc declares (its error schema), to the wire; any other failure does not encode. */
  readonly encodeFailure: (error: unknown) => Result.Result<unknown, Schema.SchemaError>
  /** A declared failure from the wire. */
  readonly decodeFailure: (error: unknown) => Result.Result<unknown, Schema.SchemaError>
}

const codecs = new WeakMap<Rpc.AnyWithProps, RpcCodec>()

/**
 * A client's params are checked with every error reported, and the value
 * refused in each (Effect 4 leaves inputs out of its issues unless asked:
 * the -32602 texts say "actual ...").
 */
const payloadOptions: SchemaAST.ParseOptions = { errors: "all", reportInput: true }

/**
 * Schema's synchronous parse as a `Result`. It tries the schema's compiled
 * fast path first and builds the detailed issue only for an input that
 * fails it (what plainParse did on Effect 3), throwing it as the `cause` of
 * an Error. Any other throw (an object from the wire whose `toString` is no
 * function, read by a union's discriminator) is refused as the rest are: a
 * throw there would end the connection unanswered.
 */
const resultOf = (parse: (input: unknown) => unknown) =>
(input: unknown): Result.Result<unknown, Schema.SchemaError> => {
  try {
    return Result.succeed(parse(input))
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined
    if (SchemaIssue.isIssue(cause)) return Result.fail(new Schema.SchemaError(cause))
    const why = error instanceof Error ? error.message : String(error)
    return Result.fail(unreadable(input, why))
  }
}

/** The refusal of a value a parse could not read. */
const unreadable = (input: unknown, why: string): Schema.SchemaError =>
  new Schema.SchemaError(new SchemaIssue.InvalidValue({ message: `unreadable value (${why})` }, input, { reportInput: true }))

const decoder = (schema: Schema.Top, options?: SchemaAST.ParseOptions) =>
  resultOf(SchemaParser.decodeUnknownSync(schema as Schema.Decoder<unknown>, options))
/**
 * A client's params, decoded as `payloadOptions` say but on Schema's fast
 * path first: with `errors: "all"` Schema's structs (compiled and
 * interpreted alike) take their slower general parser, about 1 KB and a
 * generator's steps per request; that one runs only for params the fast
 * path refused, to say everything wrong with them.
 */
const payloadDecoder = (schema: Schema.Top) => {
  const fast = SchemaParser.decodeUnknownSync(schema as Schema.Decoder<unknown>)
  const detailed = decoder(schema, payloadOptions)
  return (input: unknown): Result.Result<unknown, Schema.SchemaError> => {
    try {
      return Result.succeed(fast(input))
    } catch {
      return detailed(input)
    }
  }
}
const encoder = (schema: Schema.Top, options?: SchemaAST.ParseOptions) =>
  resultOf(SchemaParser.encodeUnknownSync(schema as Schema.Encoder<unknown>, options))

/**
 * Whether no part of `ast` has a check (a refinement): `toEncoded` of a
 * checked schema without transformations is the schema itself, so a
 * result is sent unencoded only when this holds too, or its checks would
 * not run. A suspended or declared schema counts as checked.
 */
const checkFree = (ast: SchemaAST.AST): boolean => {
  if (ast.checks !== undefined) return false
  switch (ast._tag) {
    case "Objects":
      return ast.propertySignatures.every((property) => checkFree(property.type)) &&
        ast.indexSignatures.every((index) => checkFree(index.parameter) && checkFree(index.type))
    case "Arrays":
      return ast.elements.every(checkFree) && ast.rest.every(checkFree)
    case "Union":
      return ast.types.every(checkFree)
    case "Suspend":
    case "Declaration":
      return false
    default:
      return true
  }
}

/** The codecs of `rpc`, derived on its first use. */
export const codecOf = (rpc: Rpc.AnyWithProps): RpcCodec => {
  let codec = codecs.get(rpc)
  if (codec === undefined) {
    const payload = rpc.payloadSchema as Schema.Top
    const success = rpc.successSchema as Schema.Top
    const failure = rpc.errorSchema as Schema.Top
    // Schema's generated decoders for these schemas (and theirs alone: the
    // application's own schemas keep the interpreter): measured, half the
    // CPU of the interpreter for a process/start with a sandbox, the same
    // for small payloads.
    SchemaJITCompiler.enable(payload.ast)
    SchemaJITCompiler.enable(success.ast)
    codec = {
      decodePayload: payloadDecoder(payload),
      encodePayload: encoder(payload),
      decodeSuccess: decoder(success),
      // A result whose schema has no transformation or refinement (its encoded
      // form is itself) is already in wire form, and its type was checked when
      // the handler was compiled: walking 20,000 directory entries to confirm
      // that took longer than listing them.
      encodeSuccess: SchemaAST.toEncoded(success.ast) === success.ast && checkFree(success.ast) ? Result.succeed : encoder(success),
      encodeFailure: encoder(failure),
      decodeFailure: decoder(failure)
    }
    codecs.set(rpc, codec)
  }
  return codec
}
