/**
 * The protocol's primitive shapes, shared by the method schemas and the
 * sandbox schemas: ids, OS strings, environments, bytes and paths.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { Buffer } from "node:buffer"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** A client-chosen process id: any non-empty string. */
export const ProcessId = Schema.String.check(
  Schema.isMinLength(1, { message: "processId must be a non-empty string" })
)

/**
 * A string handed to the OS (an argument, an environment entry, a path): the
 * kernel takes C strings, which end at the first NUL, so a NUL would run
 * something other than what was asked for.
 */
export const OsString = Schema.String.check(
  Schema.makeFilter((text) => !text.includes("\u0000") || "must not contain NUL bytes")
)

/**
 * A child's environment entries. Names are non-empty, without `=` (it ends
 * the name) or NUL; checked on the whole record, as a record's key schema
 * does not run refinements.
 */
export const Environment = Schema.Record(Schema.String, OsString).check(
  Schema.makeFilter((env) => {
    for (const name of Object.keys(env)) {
      if (name === "" || name.includes("=") || name.includes("\u0000")) {
        return `environment variable name ${JSON.stringify(name)} must be non-empty, without "=" or NUL bytes`
      }
    }
    return true
  })
)

/** A value refused with `message` as the whole of its issue's text. */
export const invalid = (input: unknown, message: string): SchemaIssue.Issue =>
  new SchemaIssue.InvalidValue({ message }, input, { reportInput: true })

/**
 * Bytes carried as base64 text on the wire: strict (the standard alphabet,
 * padded to a multiple of 4), with Node's native codec, which is some 200
 * times faster than a codec written in JavaScript on large chunks. The codec
 * itself is lenient (it skips what is not base64 and takes the URL-safe
 * alphabet's `-` and `_`), so strictness is checked by what it wrote: each
 * character of the standard alphabet carries 6 bits, and any other one
 * leaves fewer bytes than the text's length promises. A regular expression
 * over the text said the same at six times the cost of the decoding itself
 * (445 against 72 µs a 64 KiB chunk; 11% of the command-line client's CPU
 * on a stream).
 */
export const Base64Bytes = Schema.String.pipe(
  Schema.decodeTo(
    Schema.Uint8Array,
    SchemaTransformation.transformEffect({
      decode: (text: string) => {
        const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0
        const length = text.length / 4 * 3 - padding
        if (text.length % 4 === 0 && text.indexOf("-") === -1 && text.indexOf("_") === -1) {
          const bytes: Uint8Array = Buffer.allocUnsafeSlow(length)
          if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(text, "base64") === length) {
            return Effect.succeed(bytes)
          }
        }
        return Effect.fail(invalid(text, "expected base64-encoded bytes"))
      },
      encode: (bytes: Uint8Array) =>
        Effect.succeed(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"))
    })
  )
).annotate({ identifier: "Base64Bytes", message: "expected base64-encoded bytes" })

/**
 * An absolute filesystem path given as a path or a `file://` URI; decodes to
 * the plain path. Relative paths and other URI schemes are rejected.
 */
export const AbsolutePath = Schema.String.pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transformEffect({
      decode: (input: string) => {
        if (input.includes("\u0000")) return Effect.fail(invalid(input, "path must not contain NUL bytes"))
        if (input.startsWith("file:")) {
          try {
            return Effect.succeed(fileURLToPath(input))
          } catch (error) {
            return Effect.fail(
              invalid(input, `invalid file URI ${JSON.stringify(input)}: ${(error as Error).message}`)
            )
          }
        }
        return Path.isAbsolute(input)
          ? Effect.succeed(input)
          : Effect.fail(invalid(input, `path must be absolute or a file:// URI, got ${JSON.stringify(input)}`))
      },
      encode: (path: string) => Effect.succeed(path)
    })
  )
)

/** An integer ≥ 0. */
export const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
/** An integer > 0. */
export const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
/**
 * An optional field that also accepts an explicit `null` (decodes to absent).
 * The target is the schema's type side: `schema` itself there would decode
 * (and encode) a second time, which a transforming schema (Base64Bytes)
 * refuses.
 */
export const OptionalNullable = <S extends Schema.Top>(schema: S) =>
  Schema.optional(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(
      Schema.optional(Schema.toType(schema)),
      SchemaTransformation.transformOptional({
        decode: Option.filter((value) => value !== null),
        encode: (value) => value
      })
    )
  )
/** An optional field (absent or `undefined`) that decodes to `value` when absent; v3's `optionalWith(schema, { default })`. */
export const OptionalWithDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  schema.pipe(Schema.withDecodingDefault(Effect.succeed(value)))
/** An optional field that also accepts an explicit `null`, both decoding to `value`; v3's `optionalWith(schema, { default, nullable: true })`. */
export const OptionalNullableWithDefault = <S extends Schema.Top>(schema: S, value: S["Type"]) =>
  Schema.optional(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(
      Schema.toType(schema),
      SchemaTransformation.transformOptional<S["Type"], S["Type"] | null | undefined>({
        decode: (input) =>
          Option.some(Option.getOrElse(Option.filter(input, (given) => given !== null && given !== undefined), () => value)),
        encode: (output) => output
      })
    )
  )
