/**
 * Log lines on stderr, written once per event-loop turn. Node's console costs
 * a formatting and colour check per line and a pipe on stderr a system call
 * per write: two info lines per process were a quarter of the CPU of a spawn.
 */
import * as Logger from "effect/Logger"

const pending: Array<string> = []
let scheduled = false

const flush = (): void => {
  scheduled = false
  if (pending.length === 0) return
  const text = pending.join("")
  pending.length = 0
  process.stderr.write(text)
}

// What is logged in the last turn before the process exits is written too.
process.once("exit", flush)

/** `logger`'s lines on stderr, gathered per turn of the event loop. */
export const onStderr = <Message>(logger: Logger.Logger<Message, string>): Logger.Logger<Message, void> =>
  Logger.map(logger, (line) => {
    pending.push(`${line}\n`)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  })
