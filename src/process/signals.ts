/** Signals of process groups, and the exit status convention of the protocol. */
import { constants } from "node:os"

const signalNames = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name])
)

/** The name of a signal number (`9` → `"SIGKILL"`). */
export const signalName = (signal: number): string => signalNames.get(signal) ?? `SIG${signal}`

/** The number of a signal name (`"SIGKILL"` → `9`). */
export const signalNumber = (signal: string): number | undefined =>
  (constants.signals as Record<string, number | undefined>)[signal]

/** The protocol's exit code: the code, or 128 + n when signal n ended the process. */
export const exitCodeOf = (code: number | null, signal: string | null): number => {
  if (signal !== null) return 128 + (signalNumber(signal) ?? 0)
  return code ?? 0
}

/**
 * Sends `signal` to the process group led by `pgid`. False when no process of
 * the group is left (ESRCH) or it may not be signalled.
 */
export const killProcessGroup = (pgid: number, signal: NodeJS.Signals): boolean => {
  if (!Number.isInteger(pgid) || pgid <= 1) return false
  return signalGroup(pgid, signal) === undefined
}

/**
 * `kill(-pgid, signal)`: undefined when delivered, else the errno. A group
 * that is gone is the common case (every finished process is checked), so
 * the error is made without a stack trace, which is most of its cost.
 */
const signalGroup = (pgid: number, signal: NodeJS.Signals | 0): string | undefined => {
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    process.kill(-pgid, signal)
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "UNKNOWN"
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

/** True while a process of the group led by `pgid` is left (one we may not signal counts). */
export const processGroupExists = (pgid: number): boolean => {
  if (!Number.isInteger(pgid) || pgid <= 1) return false
  const errno = signalGroup(pgid, 0)
  return errno === undefined || errno === "EPERM"
}
