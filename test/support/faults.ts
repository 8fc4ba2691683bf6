/** What faults.test.ts (in process) and faultsProcess.test.ts (the binary) share: their grace period, its margin, and time since a start. */

export const GRACE_MS = 500
/** What a session's end may take beyond the grace period (SIGKILL, reaping, the exit of Node). */
export const MARGIN_MS = 2500

export const elapsedSince = (start: number) => Date.now() - start
