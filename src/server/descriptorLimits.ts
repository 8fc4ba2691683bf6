/**
 * The defaults of the server-wide process and file-handle limits, derived
 * from this process's open-file limit. Apart from ServerConfig so that the
 * flag declarations (ServerFlags.ts) can use them without a cycle.
 */
import { ASSUMED_OPEN_FILES, openFileLimit } from "../procfs/processes.js"
import { availableParallelism } from "node:os"

export { openFileLimit }

/**
 * Live processes and sessions per CPU at most, by default: a server open to
 * the public (the defaults must be safe for one) should not let its
 * clients start more than its cores can run, however many descriptors it
 * may hold (a 2-core machine: 512 processes, 256 sessions).
 */
const PROCESSES_PER_CPU = 256
const SESSIONS_PER_CPU = 128
/** The highest default of `--max-sessions`. */
const MAX_DEFAULT_SESSIONS = 1024
/** The highest default of `--max-http-requests`. */
const MAX_HTTP_REQUESTS = 1024

/**
 * The server-wide limits for this machine: those of its descriptors
 * (`descriptorLimits`), live processes also at most 256 per CPU, sessions
 * 128 per CPU and at most 1024.
 */
export const machineLimits = (openFiles: number | undefined, cpus: number): {
  readonly maxLiveProcesses: number
  readonly maxServerFileHandles: number
  readonly maxSessions: number
  readonly maxHttpRequests: number
} => {
  const descriptors = descriptorLimits(openFiles)
  const cores = Math.max(1, Math.floor(cpus))
  return {
    maxLiveProcesses: Math.min(descriptors.maxLiveProcesses, PROCESSES_PER_CPU * cores),
    maxServerFileHandles: descriptors.maxServerFileHandles,
    maxSessions: Math.min(MAX_DEFAULT_SESSIONS, SESSIONS_PER_CPU * cores),
    // Each holds a socket: a sixteenth of the descriptors, out of the quarter left to connections, watchers and the rest.
    maxHttpRequests: Math.max(1, Math.min(MAX_HTTP_REQUESTS, Math.floor((openFiles ?? ASSUMED_OPEN_FILES) / 16)))
  }
}

/** This machine's limits, read now (its open-file limit and the CPUs this process may use). */
export const thisMachineLimits = () => machineLimits(openFileLimit(), availableParallelism())

/** Most descriptors a live process holds in the server: stdin, stdout and stderr pipes and a pidfd (a terminal: 2). */
const DESCRIPTORS_PER_PROCESS = 4
/** The highest derived default of the server-wide process and handle limits. */
const MAX_DERIVED_LIMIT = 4096

/**
 * The server-wide limits of live processes and file handles for an
 * open-file limit: processes may take half of the descriptors (4 each), file
 * handles a quarter, and a quarter is left for connections, watchers, HTTP
 * requests, sandboxed file workers and Node itself; each at most 4096 (and at
 * least 1).
 */
export const descriptorLimits = (openFiles: number | undefined): {
  readonly maxLiveProcesses: number
  readonly maxServerFileHandles: number
} => {
  const files = openFiles ?? ASSUMED_OPEN_FILES
  const bounded = (value: number) => Math.max(1, Math.min(MAX_DERIVED_LIMIT, Math.floor(value)))
  return {
    maxLiveProcesses: bounded(files / 2 / DESCRIPTORS_PER_PROCESS),
    maxServerFileHandles: bounded(files / 4)
  }
}
