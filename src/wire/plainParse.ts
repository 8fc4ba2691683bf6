/**
 * A schema's parse in plain JavaScript, for what the protocol's params and
 * results are made of: structs, arrays, primitives, literals, their unions
 * and refinements, optional and defaulted fields, and transformations that
 * succeed synchronously. It gives what `ParseResult` gives for a valid
 * input (a struct rebuilt with only its known keys, an array rebuilt, each
 * transformation applied in the same order), without an `Either` per field
 * and an issue tree per failure. It never says why an input is invalid: its
 * caller then runs Schema's own parse, which says it, and stays the
 * authority for whatever this does not accept.
 *
 * A node it does not take on (a tuple, a record of other keys than strings,
 * a recursive schema, a union whose members could both accept an input,
 * parse options attached to a node: a strict struct) is parsed inside it by
 * Schema's own parse of that node; a schema that is such a node has no
 * plain parse (`undefined`), and its callers use Schema's alone.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

/** What a plain parse returns for an input it does not accept. */
export const Invalid: unique symbol = Symbol.for("effect-exec-server/plainParse/Invalid")

/** The parse of one schema: its value, or `Invalid`. */
export type PlainParse = (input: unknown) => unknown

const hasOwn = Object.prototype.hasOwnProperty

/** `Schema.Struct({})`: as in TypeScript, any value but `null` and `undefined`, given back as it is. */
const isAnyValue = (ast: SchemaAST.TypeLiteral): boolean =>
  ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0

/** Nodes whose parse returns the input itself: these may share a union. */
const isIdentity = (ast: SchemaAST.AST): boolean => {
  switch (ast._tag) {
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "UndefinedKeyword":
    case "VoidKeyword":
    case "Literal":
      return true
    case "TypeLiteral":
      return isAnyValue(ast)
    case "Refinement":
      return isIdentity(ast.from)
    case "Union":
      return ast.types.every(isIdentity)
    default:
      return false
  }
}

/** The JavaScript kinds of input a node may accept (`*`: any), going the way the parse goes. */
const kindsOf = (ast: SchemaAST.AST, isDecoding: boolean): ReadonlySet<string> => {
  switch (ast._tag) {
    case "StringKeyword":
      return new Set(["string"])
    case "NumberKeyword":
      return new Set(["number"])
    case "BooleanKeyword":
      return new Set(["boolean"])
    case "UndefinedKeyword":
      return new Set(["undefined"])
    case "Literal":
      return new Set([ast.literal === null ? "null" : typeof ast.literal])
    case "TypeLiteral":
      return isAnyValue(ast) ? new Set(["*"]) : new Set(["object"])
    case "TupleType":
      return new Set(["array"])
    case "Refinement":
      return kindsOf(ast.from, isDecoding)
    case "Transformation":
      return kindsOf(isDecoding ? ast.from : ast.to, isDecoding)
    case "Union":
      return new Set(ast.types.flatMap((member) => [...kindsOf(member, isDecoding)]))
    default:
      return new Set(["*"])
  }
}

/** The struct a node parses its input as first, going the way the parse goes (through refinements and struct transformations). */
const structOf = (ast: SchemaAST.AST, isDecoding: boolean): SchemaAST.TypeLiteral | undefined => {
  switch (ast._tag) {
    case "TypeLiteral":
      return ast
    case "Refinement":
      return structOf(ast.from, isDecoding)
    case "Transformation":
      return structOf(isDecoding ? ast.from : ast.to, isDecoding)
    default:
      return undefined
  }
}

/** The literal values a property's type allows, when it allows literals only. */
const literalsOf = (ast: SchemaAST.AST): ReadonlyArray<unknown> | undefined => {
  if (ast._tag === "Literal") return [ast.literal]
  if (ast._tag !== "Union") return undefined
  const values: Array<unknown> = []
  for (const member of ast.types) {
    if (member._tag !== "Literal") return undefined
    values.push(member.literal)
  }
  return values
}

/** Two structs that a required property of literals, with no value in common, tells apart (a tagged union's members). */
const discriminated = (a: SchemaAST.TypeLiteral, b: SchemaAST.TypeLiteral): boolean =>
  a.propertySignatures.some((property) => {
    if (property.isOptional) return false
    const other = b.propertySignatures.find((candidate) => candidate.name === property.name)
    if (other === undefined || other.isOptional) return false
    const mine = literalsOf(property.type)
    const theirs = literalsOf(other.type)
    return mine !== undefined && theirs !== undefined && !mine.some((value) => theirs.includes(value))
  })

/**
 * Whether no input is accepted by both members with different results:
 * both give their input back as it is, or they take different kinds of
 * input, or they are structs told apart by a literal property. Schema may
 * try a union's members in an order of its own; for such members the
 * order does not matter.
 */
const exclusive = (a: SchemaAST.AST, b: SchemaAST.AST, isDecoding: boolean): boolean => {
  if (isIdentity(a) && isIdentity(b)) return true
  const kindsA = kindsOf(a, isDecoding)
  const kindsB = kindsOf(b, isDecoding)
  if (kindsA.has("*") || kindsB.has("*")) return false
  const shared = [...kindsA].filter((kind) => kindsB.has(kind))
  if (shared.length === 0) return true
  if (shared.length !== 1 || shared[0] !== "object") return false
  const structA = structOf(a, isDecoding)
  const structB = structOf(b, isDecoding)
  return structA !== undefined && structB !== undefined && discriminated(structA, structB)
}

/** A transformation's or declaration's result when it is a successful `Either` (an effect or a failure is left to Schema). */
const rightOf = (result: unknown): unknown =>
  Either.isEither(result) && Either.isRight(result) ? result.right : Invalid

/**
 * A node inside a plain parse that is not one itself: Schema's own parse of
 * that node, which gives what it gives inside the whole (each node's parse
 * depends only on the node, its input and the options).
 */
const viaSchema = (ast: SchemaAST.AST, isDecoding: boolean, options: SchemaAST.ParseOptions): PlainParse => {
  const schema = Schema.make(ast)
  const parse = isDecoding ? ParseResult.decodeUnknownEither(schema, options) : ParseResult.encodeUnknownEither(schema, options)
  return (input) => {
    const result = parse(input)
    return Either.isRight(result) ? result.right : Invalid
  }
}

/** The parse of a node inside another: its plain parse, or Schema's. */
const part = (ast: SchemaAST.AST, isDecoding: boolean, options: SchemaAST.ParseOptions): PlainParse =>
  compile(ast, isDecoding, options) ?? viaSchema(ast, isDecoding, options)

const compile = (ast: SchemaAST.AST, isDecoding: boolean, options: SchemaAST.ParseOptions): PlainParse | undefined => {
  // Such annotations change the parse of their node (excess properties, a
  // fallback value): left to Schema.
  if (Option.isSome(SchemaAST.getParseOptionsAnnotation(ast))) return undefined
  if (isDecoding && Option.isSome(SchemaAST.getDecodingFallbackAnnotation(ast))) return undefined
  switch (ast._tag) {
    case "StringKeyword":
      return (input) => typeof input === "string" ? input : Invalid
    case "NumberKeyword":
      return (input) => typeof input === "number" ? input : Invalid
    case "BooleanKeyword":
      return (input) => typeof input === "boolean" ? input : Invalid
    case "UndefinedKeyword":
      return (input) => input === undefined ? input : Invalid
    case "UnknownKeyword":
    case "AnyKeyword":
    case "VoidKeyword":
      return (input) => input
    case "Literal": {
      const literal = ast.literal
      return (input) => input === literal ? input : Invalid
    }
    case "Declaration": {
      const declared = ast
      const parse = isDecoding
        ? declared.decodeUnknown(...declared.typeParameters)
        : declared.encodeUnknown(...declared.typeParameters)
      return (input) => rightOf(parse(input, options, declared))
    }
    case "Refinement": {
      // Encoding checks the refinement on the type side, then encodes what
      // it refines: the same only when that has no transformation.
      if (!isDecoding && SchemaAST.typeAST(ast.from) !== ast.from) return undefined
      const from = part(ast.from, isDecoding, options)
      const refinement = ast
      return (input) => {
        const value = from(input)
        return value !== Invalid && Option.isNone(refinement.filter(value, options, refinement)) ? value : Invalid
      }
    }
    case "Transformation": {
      const transformation = ast.transformation
      // Decoding goes from the encoded side to the type side; encoding back.
      const first = part(isDecoding ? ast.from : ast.to, isDecoding, options)
      const then = part(isDecoding ? ast.to : ast.from, isDecoding, options)
      switch (transformation._tag) {
        case "ComposeTransformation":
          return (input) => {
            const value = first(input)
            return value === Invalid ? Invalid : then(value)
          }
        case "FinalTransformation": {
          const transform = isDecoding ? transformation.decode : transformation.encode
          const node = ast
          return (input) => {
            const value = first(input)
            if (value === Invalid) return Invalid
            const transformed = rightOf(transform(value, options, node, input))
            return transformed === Invalid ? Invalid : then(transformed)
          }
        }
        case "TypeLiteralTransformation": {
          // As ParseResult: each property's transformation, in order, on the
          // object the first parse built (a fresh one, so changed in place).
          const steps = transformation.propertySignatureTransformations.map((step) => ({
            from: isDecoding ? step.from : step.to,
            to: isDecoding ? step.to : step.from,
            transform: isDecoding ? step.decode : step.encode
          }))
          return (input) => {
            const value = first(input)
            if (value === Invalid) return Invalid
            const object = value as Record<PropertyKey, unknown>
            for (const step of steps) {
              const moved = step.transform(hasOwn.call(object, step.from) ? Option.some(object[step.from]) : Option.none())
              delete object[step.from]
              if (Option.isSome(moved)) object[step.to] = moved.value
            }
            return then(object)
          }
        }
      }
      return undefined
    }
    case "TupleType": {
      // Arrays only (`Schema.Array`): tuples are left to Schema.
      if (ast.elements.length !== 0 || ast.rest.length !== 1) return undefined
      const element = part(ast.rest[0]!.type, isDecoding, options)
      return (input) => {
        if (!Array.isArray(input)) return Invalid
        const output = new Array<unknown>(input.length)
        for (let i = 0; i < input.length; i++) {
          const value = element(input[i])
          if (value === Invalid) return Invalid
          output[i] = value
        }
        return output
      }
    }
    case "TypeLiteral": {
      if (isAnyValue(ast)) return (input) => input === null || input === undefined ? Invalid : input
      const names: Array<string> = []
      const optional: Array<boolean> = []
      const parses: Array<PlainParse> = []
      for (const property of ast.propertySignatures) {
        if (typeof property.name !== "string") return undefined
        const parse = part(property.type, isDecoding, options)
        names.push(property.name)
        optional.push(property.isOptional)
        parses.push(parse)
      }
      // A record (`Schema.Record` with string keys): each own enumerable key's value.
      let entry: PlainParse | undefined
      if (ast.indexSignatures.length > 1) return undefined
      if (ast.indexSignatures.length === 1) {
        const signature = ast.indexSignatures[0]!
        if (signature.parameter._tag !== "StringKeyword") return undefined
        entry = part(signature.type, isDecoding, options)
      }
      const count = names.length
      const named = new Set(names)
      // As ParseResult (not `exact`): a missing required key is parsed as
      // `undefined`, and kept when its type takes it; a record's values
      // follow the named keys, and a named key's value must fit both.
      return (input) => {
        if (typeof input !== "object" || input === null || Array.isArray(input)) return Invalid
        const output: Record<string, unknown> = {}
        for (let i = 0; i < count; i++) {
          const name = names[i]!
          if (optional[i] && !hasOwn.call(input, name)) continue
          const value = parses[i]!((input as Record<string, unknown>)[name])
          if (value === Invalid) return Invalid
          output[name] = value
        }
        if (entry !== undefined) {
          for (const key of Object.keys(input)) {
            const value = entry((input as Record<string, unknown>)[key])
            if (value === Invalid) return Invalid
            if (!named.has(key)) output[key] = value
          }
        }
        return output
      }
    }
    case "Union": {
      const types = ast.types
      for (let i = 0; i < types.length; i++) {
        for (let j = i + 1; j < types.length; j++) if (!exclusive(types[i]!, types[j]!, isDecoding)) return undefined
      }
      const members: Array<PlainParse> = []
      for (const member of types) {
        members.push(part(member, isDecoding, options))
      }
      return (input) => {
        for (const member of members) {
          const value = member(input)
          if (value !== Invalid) return value
        }
        return Invalid
      }
    }
    default:
      return undefined
  }
}

/**
 * The plain parse of `ast`, decoding or encoding under `options`, or
 * `undefined` when it is not one this module takes on. `exact`,
 * `onExcessProperty` and `propertyOrder` must be left at their defaults.
 */
export const plainParseOf = (
  ast: SchemaAST.AST,
  isDecoding: boolean,
  options: SchemaAST.ParseOptions = {}
): PlainParse | undefined =>
  options.exact === true || (options.onExcessProperty !== undefined && options.onExcessProperty !== "ignore") ||
    options.propertyOrder === "original"
    ? undefined
    : compile(ast, isDecoding, options)
