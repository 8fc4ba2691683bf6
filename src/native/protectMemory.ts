/**
 * Keeps the server's memory from other processes of its uid once it holds
 * secrets (docs/SECURITY.md, "What credential masking promises"): the real
 * values of masked credentials, the signing secret, NATS credentials. A
 * dumpable process's memory is readable through /proc/PID/mem by any
 * process of the same uid, such as an unsandboxed masked child; our addon's
 * prctl(PR_SET_DUMPABLE, 0) stops that for every process without
 * CAP_SYS_PTRACE (so not a server's own children when it runs as root).
 * It cannot be undone, and it also keeps out same-uid debuggers and
 * `lsof -p`; /proc/self stays the server's own. Without the addon
 * (`--no-native`, or not built) it cannot be done: a warning says so, once.
 */
import * as Effect from "effect/Effect"
import { nativeAddon } from "./addon.js"

/** Whether it was asked for already (once is all it takes, or all that can be done). */
let asked = false

/** What became of the request: `protected`, or why it could not be. */
const makeNonDumpable = (): { readonly protected: true } | { readonly protected: false; readonly reason: string } => {
  const addon = nativeAddon()
  if (addon === undefined) return { protected: false, reason: "the native addon is switched off or was not built" }
  if (addon.setDumpable === undefined) return { protected: false, reason: "the native addon was built before setDumpable was added" }
  const errno = addon.setDumpable(false)
  return errno === 0 ? { protected: true } : { protected: false, reason: `prctl(PR_SET_DUMPABLE) failed with errno ${errno}` }
}

/**
 * Makes the server non-dumpable (once; later calls do nothing): before the
 * first masked process, or what runs for it, starts, and at the start of a
 * server that holds secrets of its own.
 */
export const protectMemory: Effect.Effect<void> = Effect.suspend(() => {
  if (asked) return Effect.void
  asked = true
  const result = makeNonDumpable()
  return result.protected
    ? Effect.logDebug("server memory kept from other processes (not dumpable)")
    : Effect.logWarning(
      "the server's memory cannot be kept from other processes of its uid: an unsandboxed process can read masked credentials' real values and the server's secrets in it"
    ).pipe(Effect.annotateLogs({ reason: result.reason }))
})
