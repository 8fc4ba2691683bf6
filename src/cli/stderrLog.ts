/**
 * Log lines on stderr, gathered and written at most every few milliseconds.
 * Node's console costs a formatting and colour check per line, and a pipe on
 * stderr is written synchronously, a system call (and a wake-up of its
 * reader) per write: a few lines per connection or process, written one turn
 * at a time, were a tenth of the server's CPU for short connections.
 */
import type * as Effect from "effect/Effect"
import * as Formatter from "effect/Formatter"
import { identity } from "effect/Function"
import * as Logger from "effect/Logger"
import { logFmt } from "../observability/logFmt.js"
import { replacingLogger } from "../observability/loggers.js"

/** How long a line may wait for others before it is written. */
const FLUSH_DELAY_MS = 10
/** Gathered text beyond this many characters is written at once. */
const FLUSH_CHARS = 64 * 1024

const pending: Array<string> = []
let pendingChars = 0
let timer: NodeJS.Timeout | undefined
/** Set once stderr failed (its reader went away, a full disk): what is written to it is dropped from then on. */
let stderrFailed = false
let stderrHeard = false

/**
 * Writes to the process's stderr, or drops the text once stderr has
 * failed: the server, its clients and their processes outlive their logs
 * (as the reference's do). Node reports a failed write to stderr (EPIPE
 * once the log reader is gone, ENOSPC on a full disk) as an error event,
 * which unheard ends the process; a write that throws is taken alike.
 * The listener is added at the first write, not as the module loads: a
 * startup snapshot drops the process's listeners.
 */
export const writeStderr = (text: string): void => {
  if (stderrFailed) return
  if (!stderrHeard) {
    stderrHeard = true
    process.stderr.on("error", () => {
      stderrFailed = true
    })
  }
  try {
    process.stderr.write(text)
  } catch {
    stderrFailed = true
  }
}

const flush = (): void => {
  if (timer !== undefined) clearTimeout(timer)
  timer = undefined
  if (pending.length === 0) return
  const text = pending.join("")
  pending.length = 0
  pendingChars = 0
  writeStderr(text)
}

let flushesOnExit = false

/** `logger`'s lines on stderr, gathered for a few milliseconds at most. */
export const onStderr = <Message>(logger: Logger.Logger<Message, string>): Logger.Logger<Message, void> =>
  Logger.map(logger, (line) => {
    // What is gathered when the process exits is written too (a waiting
    // timer does not keep it alive). Registered at the first line, not as
    // the module loads: a startup snapshot drops the process's listeners.
    if (!flushesOnExit) {
      flushesOnExit = true
      process.once("exit", flush)
    }
    pending.push(`${line}\n`)
    pendingChars += line.length + 1
    if (pendingChars >= FLUSH_CHARS) flush()
    else if (timer === undefined) timer = setTimeout(flush, FLUSH_DELAY_MS).unref()
  })

/** Logs as logfmt on stderr (stdout is the wire in stdio mode): the CLI's logger until the flags are read. */
export const textLogger = onStderr(logFmt)

/** Runs an effect with `textLogger` in place of Effect's default logger (which writes to stdout). */
export const withTextLogger: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> = replacingLogger(
  Logger.defaultLogger,
  textLogger
)

/**
 * JSON lines as Effect 3's `jsonLogger` wrote them, which log readers
 * know: its `logLevel` key (Effect 4's `formatJson` says `level`) and its
 * order of keys.
 */
const jsonLines = Logger.map(Logger.formatStructured, (log) =>
  Formatter.formatJson({
    message: log.message,
    logLevel: log.level,
    timestamp: log.timestamp,
    cause: log.cause,
    annotations: log.annotations,
    spans: log.spans,
    fiberId: log.fiberId
  }))

/** The lines of each `--log-format`, for a logger that writes them elsewhere (a server that shares its process). */
export const logLines: { readonly [Format in "text" | "json"]: Logger.Logger<unknown, string> } = {
  text: logFmt,
  json: jsonLines
}

/** The logger for a `--log-format`, on stderr. */
export const stderrLoggerFor = (format: "text" | "json"): Logger.Logger<unknown, void> =>
  format === "json" ? onStderr(jsonLines) : textLogger

/**
 * Runs a command with the logger `--log-format` chose (of `loggerFor`'s: the
 * stderr ones, or a host's that runs a server in a process it shares) in
 * place of the text one the command line runs with; the others stay (Effect's
 * span events among them). The text format changes nothing: no service is
 * provided around the whole command (one more layer of every fiber's context).
 */
export const withLogFormat = (
  format: "text" | "json",
  loggerFor: (format: "text" | "json") => Logger.Logger<unknown, unknown> = stderrLoggerFor
): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> =>
  format === "text" ? identity : replacingLogger(loggerFor("text"), loggerFor(format))
