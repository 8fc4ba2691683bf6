/**
 * Schema parse errors as one line a person can act on, for both ends: the
 * server's -32602 answers and the command line's usage errors.
 */
import * as ParseResult from "effect/ParseResult";
/** One line naming each offending field: `argv: argv must not be empty; tty: Expected boolean, actual "x"`. */
export const formatParseError = (error) => {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error);
    // An optional field is a union with null and undefined: their failures only repeat the value.
    const relevant = issues.filter((issue) => !/^Expected (null|undefined), actual /.test(issue.message));
    // The members of a literal union each fail alone: one line per path names them all.
    const byPath = new Map();
    for (const issue of relevant.length > 0 ? relevant : issues) {
        const path = issue.path.join(".");
        const entry = byPath.get(path) ?? { expected: [], actual: undefined, other: [] };
        byPath.set(path, entry);
        const match = /^Expected (.*), actual (.*)$/s.exec(issue.message);
        if (match !== null && (entry.actual === undefined || entry.actual === match[2])) {
            entry.expected.push(match[1]);
            entry.actual = match[2];
        }
        else {
            entry.other.push(issue.message);
        }
    }
    return [...byPath].flatMap(([path, entry]) => {
        const messages = [
            ...(entry.expected.length > 0 ? [`Expected ${entry.expected.join(" | ")}, actual ${entry.actual}`] : []),
            ...entry.other
        ];
        return messages.map((message) => path === "" ? message : `${path}: ${message}`);
    }).join("; ");
};
//# sourceMappingURL=parseErrors.js.map