/**
 * Schema parse errors as one line a person can act on, for both ends: the
 * server's -32602 answers and the command line's usage errors.
 */
import * as ParseResult from "effect/ParseResult";
/** One line naming each offending field: `argv: argv must not be empty; tty: Expected boolean, actual "x"`. */
export declare const formatParseError: (error: ParseResult.ParseError) => string;
//# sourceMappingURL=parseErrors.d.ts.map