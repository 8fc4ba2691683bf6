/** Waiting on facts that send no event (another process's death), for any test. */
import { readFileSync } from "node:fs"

/**
 * How long a harness waits for an event (a message, output, a screen) before
 * it gives up and says what it was waiting for: far beyond what any event
 * takes on a loaded 2-core machine, within the suite's test timeout
 * (vitest.config.ts). A test that means a shorter wait says so.
 */
export const WAIT_MS = 60_000

/** True while a process with this pid exists and is not a zombie. */
export const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
  } catch {
    return false
  }
}

/** Polls until `condition` holds (for facts with no event to wait on, like another process's death). */
export const eventually = async (condition: () => boolean, timeoutMs = 5_000, everyMs = 20): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (condition()) return true
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  return condition()
}
