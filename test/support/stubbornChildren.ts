/**
 * Children that ignore SIGTERM, for the tests of what ends a session's
 * processes (faults, endTogether and their binary halves): the scripts,
 * their pids from what they print, and waiting for them to be gone.
 */
import { eventually, isAlive } from "./waiting.js"
import { pipeProcess, ptyProcess, type WireClient } from "./WireClient.js"

/** Prints its pid, then ignores SIGTERM for ever. */
export const STUBBORN = "trap '' TERM; echo pid:$$; while :; do sleep 0.1; done"

/** Ignores SIGTERM, and so does a background child of its own; prints both pids (`pid:$$:$!`). */
export const STUBBORN_WITH_CHILD = "trap '' TERM; (trap '' TERM; while :; do sleep 0.1; done) & echo pid:$$:$!; while :; do sleep 0.1; done"

/** The pid a child printed as `label:PID`. */
export const pidIn = (text: string, label = "pid"): number => {
  const match = new RegExp(`${label}:(\\d+)`).exec(text)
  if (match === null) throw new Error(`no ${label} in ${JSON.stringify(text)}`)
  return Number(match[1])
}

/** The two pids STUBBORN_WITH_CHILD printed. */
export const pidsIn = (text: string): Array<number> => {
  const match = /pid:(\d+):(\d+)/.exec(text)
  if (match === null) throw new Error(`no pids in ${JSON.stringify(text)}`)
  return [Number(match[1]), Number(match[2])]
}

/** Starts a child that ignores SIGTERM (STUBBORN, a pipe or a PTY) and returns its pid. */
export const startStubborn = async (server: WireClient, processId: string, tty = false): Promise<number> => {
  await server.request("process/start", (tty ? ptyProcess : pipeProcess)(processId, ["sh", "-c", STUBBORN]))
  await server.outputContains(processId, "pid:")
  return pidIn(server.outputOf(processId).toString())
}

/**
 * Waits until every pid is gone (or `limitMs` after `start` passed), noting
 * when each was first seen gone, in ms after `start`: NaN for one that
 * outlived the limit. The first and last say whether they ended together
 * (within a grace period of each other) without bounding when, which a
 * loaded machine delays.
 */
export const deathTimes = async (pids: ReadonlyArray<number>, start: number, limitMs = 25_000): Promise<Array<number>> => {
  const times = pids.map(() => Number.NaN)
  await eventually(() => {
    const now = Date.now() - start
    pids.forEach((pid, index) => {
      if (Number.isNaN(times[index]!) && !isAlive(pid)) times[index] = now
    })
    return times.every((time) => !Number.isNaN(time))
  }, limitMs - (Date.now() - start), 10)
  return times
}
