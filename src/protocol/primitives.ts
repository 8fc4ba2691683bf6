/**
 * The protocol's primitive shapes, shared by the method schemas and the
 * sandbox schemas: ids, OS strings, environments, bytes and paths.
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** A client-chosen process id: any non-empty string. */
export const ProcessId = Schema.String.pipe(
  Schema.minLength(1, { message: () => "processId must be a non-empty string" })
)

/**
 * A string handed to the OS (an argument, an environment entry, a path): the
 * kernel takes C strings, which end at the first NUL, so a NUL would run
 * something other than what was asked for.
 */
export const OsString = Schema.String.pipe(
  Schema.filter((text) => !text.includes("\u0000") || "must not contain NUL bytes")
)

/**
 * A child's environment entries. Names are non-empty, without `=` (it ends
 * the name) or NUL; checked on the whole record, as a record's key schema
 * does not run refinements.
 */
export const Environment = Schema.Record({ key: Schema.String, value: OsString }).pipe(
  Schema.filter((env) => {
    for (const name of Object.keys(env)) {
      if (name === "" || name.includes("=") || name.includes("\u0000")) {
        return `environment variable name ${JSON.stringify(name)} must be non-empty, without "=" or NUL bytes`
      }
    }
    return true
  })
)

/** Bytes carried as base64 text on the wire. */
export const Base64Bytes = Schema.Uint8ArrayFromBase64.annotations({
  message: () => "expected base64-encoded bytes"
})

/**
 * An absolute filesystem path given as a path or a `file://` URI; decodes to
 * the plain path. Relative paths and other URI schemes are rejected.
 */
export const AbsolutePath = Schema.transformOrFail(Schema.String, Schema.String, {
  strict: true,
  decode: (input, _options, ast) => {
    if (input.includes("\u0000")) {
      return ParseResult.fail(new ParseResult.Type(ast, input, "path must not contain NUL bytes"))
    }
    if (input.startsWith("file:")) {
      try {
        return ParseResult.succeed(fileURLToPath(input))
      } catch (error) {
        return ParseResult.fail(
          new ParseResult.Type(ast, input, `invalid file URI ${JSON.stringify(input)}: ${(error as Error).message}`)
        )
      }
    }
    return Path.isAbsolute(input)
      ? ParseResult.succeed(input)
      : ParseResult.fail(
        new ParseResult.Type(ast, input, `path must be absolute or a file:// URI, got ${JSON.stringify(input)}`)
      )
  },
  encode: ParseResult.succeed
})
