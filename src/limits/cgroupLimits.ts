/**
 * The ResourceLimits service on a cgroup driver: a session's group made
 * with its first process and, when its scope closes, killed and removed;
 * each process's leaf removed with the process (or with its session, when
 * a process that left its group still holds it).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { logAnnotated } from "../observability/logLine.js"
import * as Metrics from "../observability/metrics.js"
import { errnoOf } from "./cgroupFiles.js"
import type { CgroupDriver } from "./driver.js"
import {
  anyLimit,
  CgroupError,
  type OperatorLimits,
  type ResourceLimitsShape,
  type SessionCgroup,
  SessionLimitRefused,
  sessionLimitsOf,
  type SessionResources
} from "./ResourceLimits.js"

/** A thrown cgroup failure as a typed error. */
const cgroupError = (what: string) => (error: unknown): CgroupError =>
  new CgroupError({
    message: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    errno: errnoOf(error),
    path: typeof error === "object" && error !== null && "path" in error && typeof error.path === "string" ? error.path : undefined
  })

/**
 * The service on `driver`; the driver's root is removed when the scope
 * closes. With `limitsUnavailable` (a driver for containment only, whose
 * every limit is refused) the limits are unavailable for that reason, and
 * the driver's groups still hold and end each session's processes under
 * session cgroups.
 */
export const make = (
  driver: CgroupDriver,
  operator: OperatorLimits,
  sessionCgroups = true,
  limitsUnavailable?: string
): Effect.Effect<ResourceLimitsShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    yield* Effect.addFinalizer(() => driver.close)
    // Server-wide, not per session: sessions are unbounded, and a series each would outlive them in the registry.
    const stopRefreshing = Metrics.onScrape(() => {
      try {
        const bytes = driver.memoryBytes()
        if (bytes !== undefined) Metrics.setGauge(Metrics.sessionCgroupsMemoryBytes, bytes)
      } catch {
        // Unreadable this time: the gauge keeps its last value.
      }
    })
    yield* Effect.addFinalizer(() => Effect.sync(stopRefreshing))
    let sessions = 0
    let processes = 0
    return {
      availability: limitsUnavailable === undefined
        ? { _tag: "Available", version: driver.version, notes: driver.notes }
        : { _tag: "Unavailable", reason: limitsUnavailable, sessionsContainedBy: driver.version },
      operator,
      // A session limit holds only if every process of the session is in its group (without limits, one is refused).
      sessionCgroups: sessionCgroups || (limitsUnavailable === undefined && anyLimit(operator.session)),
      session: (resources) =>
        Effect.acquireRelease(
          Effect.try({ try: () => driver.makeGroup(`session-${++sessions}`, resources), catch: cgroupError("cannot make the session's cgroup") }),
          (group) =>
            Effect.andThen(
              group.kill,
              Effect.try({ try: group.remove, catch: cgroupError("cannot remove the session's cgroup") }).pipe(
                Effect.catch((error) => logAnnotated("Warn", "session cgroup left", { message: error.message }))
              )
            )
        ).pipe(Effect.map((group) => {
          let current: SessionResources = resources
          return {
            // Read at each spawn: v1's joins grow once the session is limited.
            get joinFiles() {
              return group.joinFiles
            },
            get joinsLimits() {
              return group.joinsLimits
            },
            killAll: group.kill,
            limits: () => current,
            narrow: (asked) =>
              Effect.suspend((): Effect.Effect<SessionResources, SessionLimitRefused | CgroupError> => {
                // Decided and written in one step: no other request narrows in between.
                const to = sessionLimitsOf(asked, current, operator)
                if ("reason" in to) return Effect.fail(new SessionLimitRefused(to))
                // Only what changes is written: a limit written again may make v1's kernel reclaim.
                const changed = Object.fromEntries(
                  (["memoryBytes", "pids", "cpu"] as const).flatMap((field) =>
                    to[field] !== undefined && to[field] !== current[field] ? [[field, to[field]]] : []
                  )
                ) as SessionResources
                try {
                  if (anyLimit(changed)) group.limit(changed)
                } catch (error) {
                  return Effect.fail(cgroupError("cannot set the session's limits")(error))
                }
                current = to
                return Effect.succeed(to)
              }),
            process: (limits) =>
              Effect.acquireRelease(
                Effect.try({ try: () => group.makeLeaf(`process-${++processes}`, limits), catch: cgroupError("cannot make the process's cgroup") }),
                // A process that left its group may still be in it: its session's end removes it.
                (leaf) => Effect.sync(() => {
                  try {
                    leaf.remove()
                  } catch {
                    // Busy: removed with the session.
                  }
                })
              ).pipe(Effect.map((leaf) => ({ joinFiles: leaf.joinFiles, usage: leaf.usage, current: leaf.current })))
          } satisfies SessionCgroup
        }))
    } satisfies ResourceLimitsShape
  })
