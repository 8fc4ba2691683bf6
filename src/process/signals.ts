/** Signals of process groups, and the exit status convention of the protocol. */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { constants } from "node:os"
import type { SandboxedLaunch } from "../sandbox/Sandbox.js"

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
  return killErrno(-pgid, signal) === undefined
}

/**
 * `kill(target, signal)` (a negative target: a process group): undefined
 * when delivered, else the errno. A process or group that is gone is the
 * common case (every finished process is checked), so the error is made
 * without a stack trace, which is most of its cost.
 */
const killErrno = (target: number, signal: NodeJS.Signals | 0): string | undefined => {
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    process.kill(target, signal)
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "UNKNOWN"
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

/** True while `kill(target, 0)` finds it, a zombie not yet reaped included (one we may not signal counts). */
const exists = (target: number): boolean => {
  const errno = killErrno(target, 0)
  return errno === undefined || errno === "EPERM"
}

/** True while the process `pid` exists. */
const processExists = (pid: number): boolean => exists(pid)

/** True while a process of the group led by `pgid` is left. */
export const processGroupExists = (pgid: number): boolean => Number.isInteger(pgid) && pgid > 1 && exists(-pgid)

/** How long a signal waits for a confined command that is still being set up. */
const CONFINED_START_WAIT_MS = 2000

/**
 * A child's `signal`: its process group, or for a confined command (see
 * `signalConfined`) the command's group once the command runs (a signal sent
 * while bubblewrap is still setting up waits for it).
 */
export const signalChild = (
  pid: number,
  sandbox: SandboxedLaunch | undefined,
  signal: NodeJS.Signals
): Effect.Effect<boolean> =>
  sandbox === undefined || signal === "SIGKILL"
    ? Effect.sync(() => sandbox === undefined ? killProcessGroup(pid, signal) : signalConfined(pid, sandbox.commandPid(pid), signal))
    : Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const deadline = now + CONFINED_START_WAIT_MS
      const attempt: Effect.Effect<boolean> = Effect.flatMap(Clock.currentTimeMillis, (time) => {
        const command = sandbox.commandPid(pid)
        if (command !== undefined) return Effect.succeed(signalConfined(pid, command, signal))
        // Once the launcher is gone (reaped), nothing is being set up: what is left of its group is
        // a sandbox's zombies waiting for an init that reaps late, not a command to wait for.
        if (!processExists(pid) || !processGroupExists(pid) || time > deadline) return Effect.succeed(false)
        return Effect.andThen(Effect.sleep("1 millis"), attempt)
      })
      return attempt
    })

/**
 * Signals a command confined in a sandbox: its own process group (or the
 * command alone if it has not made its group yet), never the launcher's,
 * which would end the sandbox before the command could handle the signal.
 * SIGKILL goes to the launcher's group too, which ends the whole sandbox.
 */
export const signalConfined = (launcherPid: number, commandPid: number | undefined, signal: NodeJS.Signals): boolean => {
  if (signal === "SIGKILL") {
    const command = commandPid !== undefined && killProcessGroup(commandPid, signal)
    return killProcessGroup(launcherPid, signal) || command
  }
  if (commandPid === undefined) return false
  if (killProcessGroup(commandPid, signal)) return true
  try {
    process.kill(commandPid, signal)
    return true
  } catch {
    return false
  }
}
