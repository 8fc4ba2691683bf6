/**
 * The server's resource limits on this host: cgroups as `detect` finds
 * them at start, or unavailable with the reason (with the sessions still
 * contained where a v2 hierarchy without controllers can be used); the
 * binary's start line says which (`report`).
 */
import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { logAnnotated } from "../observability/logLine.js"
import { nodeCgroupFiles } from "./cgroupFiles.js"
import * as CgroupLimits from "./cgroupLimits.js"
import { type Detected, detect } from "./detect.js"
import { JOIN_HELPER, launcher, PERL } from "./launcher.js"
import { ownCgroups, ownMounts } from "../procfs/processes.js"
import { anyOperatorLimit, type OperatorLimits, ResourceLimits, type ResourceLimitsShape, unavailable } from "./ResourceLimits.js"

/** The limits on this host, with the operator's. */
export const make = (operator: OperatorLimits, sessionCgroups = false): Effect.Effect<ResourceLimitsShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const found = yield* Effect.sync(() => {
      if (process.platform !== "linux") return { _tag: "None" as const, reason: "cgroups are Linux's" }
      if (launcher() === undefined) {
        return { _tag: "None" as const, reason: `neither ${JOIN_HELPER} nor ${PERL}, which place children in their cgroups, is there` }
      }
      try {
        return detect({
          files: nodeCgroupFiles,
          procSelfCgroup: ownCgroups(),
          mounts: ownMounts(),
          pid: process.pid,
          rootName: `exec-server.${process.pid}.${randomBytes(4).toString("hex")}`
        })
      } catch (error) {
        return { _tag: "None" as const, reason: error instanceof Error ? error.message : String(error) }
      }
    })
    return yield* fromDetected(found, operator, sessionCgroups)
  })

/**
 * The limits of what `detect` found (this host's cgroups, or those of the
 * files and /proc texts it was given): the service on its driver, limits
 * refused on a driver for containment only, or none.
 */
export const fromDetected = (
  found: Detected,
  operator: OperatorLimits,
  sessionCgroups = false
): Effect.Effect<ResourceLimitsShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Said at debug level here: a composition's own logger may write to stdout; the binary says it
    // on its start line (`report`).
    if (found._tag === "None") {
      yield* logAnnotated("Debug", "resource limits unavailable", { reason: found.reason })
      return unavailable(found.reason, operator)
    }
    if (found._tag === "Containment") {
      yield* logAnnotated("Debug", "resource limits unavailable", { reason: found.reason, sessionsContainedBy: found.driver.version })
      return yield* CgroupLimits.make(found.driver, operator, sessionCgroups, found.reason)
    }
    yield* logAnnotated("Debug", "resource limits", { cgroup: found.driver.version })
    return yield* CgroupLimits.make(found.driver, operator, sessionCgroups)
  })

/** The limits on this host, with the operator's. */
export const layer = (operator: OperatorLimits, sessionCgroups = false): Layer.Layer<never> =>
  Layer.effect(ResourceLimits, make(operator, sessionCgroups))

/**
 * One line of the server's start: the cgroups in use and how children join
 * them, or why limits are unavailable (an error when the operator set
 * limits: every start is then refused, see limitsOfStart).
 */
export const report: Effect.Effect<void> = Effect.gen(function*() {
  const limits = yield* ResourceLimits
  if (limits.availability._tag === "Unavailable") {
    const operatorAsks = anyOperatorLimit(limits.operator)
    const contained = limits.availability.sessionsContainedBy
    return yield* logAnnotated(operatorAsks ? "Error" : "Info", "resource limits unavailable", {
      reason: limits.availability.reason,
      // Whether a session's processes are ended with it all the same, and when.
      ...(contained === undefined
        ? {}
        : { sessions: `contained by cgroup ${contained} groups without controllers${limits.sessionCgroups ? "" : " under --session-cgroups"}` })
    })
  }
  yield* logAnnotated("Info", "resource limits", {
    cgroup: limits.availability.version,
    launcher: launcher()?._tag === "Helper" ? "native" : "perl",
    ...(limits.availability.notes.length === 0 ? {} : { notes: limits.availability.notes.join("; ") })
  })
})
