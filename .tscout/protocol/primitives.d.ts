import * as Schema from "effect/Schema";
/** A client-chosen process id: any non-empty string. */
export declare const ProcessId: Schema.filter<typeof Schema.String>;
/**
 * A string handed to the OS (an argument, an environment entry, a path): the
 * kernel takes C strings, which end at the first NUL, so a NUL would run
 * something other than what was asked for.
 */
export declare const OsString: Schema.filter<typeof Schema.String>;
/**
 * A child's environment entries. Names are non-empty, without `=` (it ends
 * the name) or NUL; checked on the whole record, as a record's key schema
 * does not run refinements.
 */
export declare const Environment: Schema.filter<Schema.Record$<typeof Schema.String, Schema.filter<typeof Schema.String>>>;
/**
 * Bytes carried as base64 text on the wire: strict (the standard alphabet,
 * padded to a multiple of 4), with Node's native codec, which is some 200
 * times faster than a codec written in JavaScript on large chunks.
 */
export declare const Base64Bytes: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
/**
 * An absolute filesystem path given as a path or a `file://` URI; decodes to
 * the plain path. Relative paths and other URI schemes are rejected.
 */
export declare const AbsolutePath: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
//# sourceMappingURL=primitives.d.ts.map