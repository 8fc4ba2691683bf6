/**
 * Log lines on stderr, gathered and written at most every few milliseconds.
 * Node's console costs a formatting and colour check per line, and a pipe on
 * stderr is written synchronously, a system call (and a wake-up of its
 * reader) per write: a few lines per connection or process, written one turn
 * at a time, were a tenth of the server's CPU for short connections.
 */
import * as Layer from "effect/Layer";
import * as Logger from "effect/Logger";
/** `logger`'s lines on stderr, gathered for a few milliseconds at most. */
export declare const onStderr: <Message>(logger: Logger.Logger<Message, string>) => Logger.Logger<Message, void>;
/** Logs as logfmt on stderr (stdout is the wire in stdio mode): the CLI's logger until the flags are read. */
export declare const textLogger: Logger.Logger<unknown, void>;
/** A command's logger in the format `--log-format` chose, in place of the CLI's. */
export declare const loggerOf: (format: "text" | "json") => Layer.Layer<never>;
//# sourceMappingURL=stderrLog.d.ts.map