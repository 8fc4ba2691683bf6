/**
 * Holders a test file started (exec-server-holder): each is sent SIGTERM
 * after its test, whatever the outcome, and ends its child's group.
 */
import { readFileSync } from "node:fs"
import { afterEach } from "vitest"

/** Whether `pid` is still a holder (its pid not yet reused by another test's process). */
const isHolder = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "exec-server-hol"
  } catch {
    return false
  }
}

/** Registers the cleanup; returns where a test records a holder's pid. */
export const useHolders = (): Array<number> => {
  const holders: Array<number> = []
  afterEach(() => {
    for (const pid of holders.splice(0)) {
      if (!isHolder(pid)) continue
      try {
        process.kill(pid, "SIGTERM")
      } catch {
        // Gone already.
      }
    }
  })
  return holders
}
