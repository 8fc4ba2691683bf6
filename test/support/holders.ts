/**
 * Holders a test file started (exec-server-holder): each is sent SIGTERM
 * after its test, whatever the outcome, and ends its child's group.
 */
import { afterEach } from "vitest"

/** Registers the cleanup; returns where a test records a holder's pid. */
export const useHolders = (): Array<number> => {
  const holders: Array<number> = []
  afterEach(() => {
    for (const pid of holders.splice(0)) {
      try {
        process.kill(pid, "SIGTERM")
      } catch {
        // Gone already.
      }
    }
  })
  return holders
}
