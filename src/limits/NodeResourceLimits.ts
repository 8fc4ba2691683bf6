/**
 * The server's resource limits on this host: cgroups as `detect` finds
 * them at start, or unavailable with the reason; one log line says which.
 */
import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { logAnnotated } from "../observability/logLine.js"
import { nodeCgroupFiles } from "./cgroupFiles.js"
import * as CgroupLimits from "./cgroupLimits.js"
import { detect } from "./detect.js"
import { JOIN_HELPER, launcher, PERL } from "./launcher.js"
import { ownCgroups, ownMounts } from "../procfs/processes.js"
import { anyLimit, type OperatorLimits, ResourceLimits, type ResourceLimitsShape, unavailable } from "./ResourceLimits.js"

/** The limits on this host, with the operator's; logs whether they are available and why not. */
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
    const operatorAsks = anyLimit(operator.process) || anyLimit(operator.session)
    if (found._tag === "None") {
      // Asked for by the operator, unavailable: every start is refused (limitsOfStart), so say it loudly.
      yield* logAnnotated(operatorAsks ? "Error" : "Info", "resource limits unavailable", { reason: found.reason })
      return unavailable(found.reason, operator)
    }
    yield* logAnnotated("Info", "resource limits", {
      cgroup: found.driver.version,
      launcher: launcher()!._tag === "Helper" ? "native" : "perl",
      ...(found.driver.notes.length === 0 ? {} : { notes: found.driver.notes.join("; ") })
    })
    return yield* CgroupLimits.make(found.driver, operator, sessionCgroups)
  })

/** The limits on this host, with the operator's. */
export const layer = (operator: OperatorLimits, sessionCgroups = false): Layer.Layer<never> =>
  Layer.effect(ResourceLimits, make(operator, sessionCgroups))
