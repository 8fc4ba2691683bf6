/**
 * Resource limits enforced by the kernel's cgroups: the service a session's
 * process table asks for its session's cgroup and each process's below it.
 * The interface and Tag live here; the cgroup v1 and v2 drivers
 * (cgroupV1.ts, cgroupV2.ts), detection (detect.ts) and the Node Layer
 * (NodeResourceLimits.ts) apart. Where cgroups cannot be used the
 * "unavailable" Layer says why, and a start that asks for limits is refused.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"

/** What a process (or a session as a whole) may use; an absent field is not limited. */
export interface Resources {
  /** Memory, swap included, in bytes. */
  readonly memoryBytes?: number | undefined
  /** Processes and threads at once. */
  readonly pids?: number | undefined
  /** CPU time as a number of CPUs (1.5: a CPU and a half per scheduling period). */
  readonly cpu?: number | undefined
  /** Share of the CPU against its siblings, 1-10000 (cgroup v2's `cpu.weight`; 100 is the default). */
  readonly cpuWeight?: number | undefined
}

/** What a session's processes may use together (`process/start.resources.session`, `--session-*-max`). */
export type SessionResources = Pick<Resources, "memoryBytes" | "pids" | "cpu">

/** The operator's limits: each process's (a default and a ceiling) and each session's. */
export interface OperatorLimits {
  readonly process: Resources
  readonly session: Pick<Resources, "memoryBytes" | "pids">
}

/** What a process used, read from its cgroup as it exits (and as `process/list` asks). */
export interface ResourceUsage {
  /** The kernel's OOM killer ended a process of the cgroup for its memory limit. */
  readonly oomKilled: boolean
  /** The most memory the cgroup held at once, in bytes. */
  readonly peakMemoryBytes?: number | undefined
  /** The memory the cgroup holds now, in bytes (`process/list`'s figure for a live process). */
  readonly memoryBytes?: number | undefined
  /** CPU time its processes used, in milliseconds. */
  readonly cpuTimeMs?: number | undefined
}

/** What a live process's cgroup holds now and used so far: `process/list`'s and the console's figures. */
export type LiveUsage = Pick<ResourceUsage, "memoryBytes" | "cpuTimeMs">

/** A cgroup operation failed (a write refused, a directory not made). */
export class CgroupError extends Data.TaggedError("effect-exec-server/CgroupError")<{
  readonly message: string
  readonly path?: string | undefined
  readonly errno?: string | undefined
}> {}

/** A client's request for its session's limits was refused (above a ceiling, or wider than the session's limit). */
export class SessionLimitRefused extends Data.TaggedError("effect-exec-server/SessionLimitRefused")<LimitRefusal> {}

/** A process's own cgroup. */
export interface ProcessCgroup {
  /**
   * The `cgroup.procs` files the child writes its own pid to before it runs
   * the command (one per hierarchy on v1, one on v2).
   */
  readonly joinFiles: ReadonlyArray<string>
  /** What its processes used so far; synchronous: read in the spawner's callback as the exit is reported. */
  readonly usage: () => ResourceUsage
  /** What it holds now and used so far: the two reads a live process's figures take (asked each time a list is). */
  readonly current: () => LiveUsage
}

/** A session's cgroup: its processes' cgroups are below it, and it ends them all when its scope closes. */
export interface SessionCgroup {
  /**
   * The `cgroup.procs` files a process without limits of its own joins
   * (made with the session's group: nothing made or removed per process).
   */
  readonly joinFiles: ReadonlyArray<string>
  /** Whether a process that joins `joinFiles` now is under the session's memory and pids limits (the driver's `joinsLimits`). */
  readonly joinsLimits: boolean
  /** The session's limits now: the operator's, narrowed by every request so far. */
  readonly limits: () => SessionResources
  /**
   * Narrows the session's limits as a client asks (`sessionLimitsOf`
   * decides against the limits of that moment, with nothing in between),
   * for all of its processes together; the limits it now has. Fails, and
   * leaves the limits as they were, when the request is refused or the
   * kernel refuses it (cgroup v1's EBUSY for memory it cannot reclaim).
   */
  readonly narrow: (asked: SessionResources) => Effect.Effect<SessionResources, SessionLimitRefused | CgroupError>
  /** A cgroup for one process below the session's, removed when `scope` closes (if nothing is left in it). */
  readonly process: (resources: Resources) => Effect.Effect<ProcessCgroup, CgroupError, Scope.Scope>
  /** Kills every process in the session's cgroup, those that left their process group included. */
  readonly killAll: Effect.Effect<void>
}

/** Whether limits can be enforced here, and how; or why not. */
export type LimitsAvailability =
  | { readonly _tag: "Available"; readonly version: "v1" | "v2"; readonly notes: ReadonlyArray<string> }
  | {
    readonly _tag: "Unavailable"
    readonly reason: string
    /** The cgroups that group and end each session all the same (`--session-cgroups`), where limits are unavailable. */
    readonly sessionsContainedBy?: "v1" | "v2" | undefined
  }

/** The server's resource limits. */
export interface ResourceLimitsShape {
  readonly availability: LimitsAvailability
  /** The operator's limits (`--process-*-max`, `--session-*-max`). */
  readonly operator: OperatorLimits
  /**
   * Whether a process without limits is in its session's cgroup all the
   * same, so that the session's end kills what it left behind: by default,
   * unless `--no-session-cgroups` (an operator's session limit keeps it).
   */
  readonly sessionCgroups: boolean
  /**
   * A cgroup for a session, killed and removed when `scope` closes. Only
   * when `availability` is `Available`.
   */
  readonly session: (resources: OperatorLimits["session"]) => Effect.Effect<SessionCgroup, CgroupError, Scope.Scope>
}


/** No operator limits. */
export const NO_OPERATOR_LIMITS: OperatorLimits = { process: {}, session: {} }

/** Whether any limit is set. */
export const anyLimit = (resources: Resources): boolean =>
  resources.memoryBytes !== undefined || resources.pids !== undefined || resources.cpu !== undefined ||
  resources.cpuWeight !== undefined

/** Whether the operator set any limit, on processes or on sessions. */
export const anyOperatorLimit = (operator: OperatorLimits): boolean => anyLimit(operator.process) || anyLimit(operator.session)

/** Limits that cannot be enforced: `reason` says why (the server's start line, and every refusal, say it). */
export const unavailable = (reason: string, operator: OperatorLimits = NO_OPERATOR_LIMITS): ResourceLimitsShape => ({
  availability: { _tag: "Unavailable", reason },
  operator,
  sessionCgroups: false,
  session: () => Effect.fail(new CgroupError({ message: `resource limits are unavailable: ${reason}` }))
})

/**
 * The server's resource limits: cgroups (NodeResourceLimits.layer) or none.
 * Always there: a composition that provides none has them unavailable.
 */
export const ResourceLimits: Context.Reference<ResourceLimitsShape> = Context.Reference<ResourceLimitsShape>(
  "effect-exec-server/ResourceLimits",
  { defaultValue: () => unavailable("this server was composed without resource limits") }
)

/** Limits unavailable for `reason` (the server's start line and every refusal say it). */
export const layerUnavailableFor = (reason: string): Layer.Layer<never> => Layer.succeed(ResourceLimits, unavailable(reason))

/** Limits unavailable, for compositions without cgroups (tests, embedders). */
export const layerUnavailable: Layer.Layer<never> = layerUnavailableFor("this server was composed without resource limits")

const FIELDS = ["memoryBytes", "pids", "cpu"] as const
const FLAGS: Record<(typeof FIELDS)[number], string> = {
  memoryBytes: "--process-memory-max",
  pids: "--process-pids-max",
  cpu: "--process-cpu-max"
}

/**
 * The limits a start runs under: what the client asked, narrowed from the
 * operator's, or the operator's where it asked nothing; a refusal's text
 * when it asks above a ceiling (a process's, or its session's: a process
 * can never hold more than its session).
 */
export const processLimitsOf = (requested: Resources | undefined, operator: OperatorLimits): Resources | string => {
  const ceiling: Record<(typeof FIELDS)[number], number | undefined> = {
    memoryBytes: minOf(operator.process.memoryBytes, operator.session.memoryBytes),
    pids: minOf(operator.process.pids, operator.session.pids),
    cpu: operator.process.cpu
  }
  const result: { -readonly [K in keyof Resources]: Resources[K] } = {}
  for (const field of FIELDS) {
    const asked = requested?.[field]
    const max = ceiling[field]
    if (asked !== undefined && max !== undefined && asked > max) {
      const flag = operator.process[field] === max ? FLAGS[field] : field === "memoryBytes" ? "--session-memory-max" : "--session-pids-max"
      return `resources.${field} ${asked} is above the operator's ceiling ${max} (${flag}): a client may narrow the limits, never widen them`
    }
    result[field] = asked ?? max
  }
  const weight = requested?.cpuWeight ?? operator.process.cpuWeight
  if (weight !== undefined) result.cpuWeight = weight
  return result
}

const minOf = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b)

/** Why a request for limits is refused, for `InvalidRequest`'s reason and message. */
export interface LimitRefusal {
  readonly reason: "resourcesAboveCeiling" | "resourcesAboveSessionLimit"
  readonly message: string
}

const SESSION_FIELDS = ["memoryBytes", "pids", "cpu"] as const
const SESSION_FLAGS: Record<(typeof SESSION_FIELDS)[number], string | undefined> = {
  memoryBytes: "--session-memory-max",
  pids: "--session-pids-max",
  cpu: undefined
}

/**
 * A session's limits after a client's request (`process/start.resources.session`):
 * each field asked replaces the current one if it is no wider; one above the
 * operator's session ceiling, or above what the session already has (the
 * ceiling narrowed by earlier requests), is refused. A session's limits
 * only ever narrow.
 */
export const sessionLimitsOf = (
  asked: SessionResources,
  current: SessionResources,
  operator: OperatorLimits
): SessionResources | LimitRefusal => {
  const result: { -readonly [K in keyof SessionResources]: SessionResources[K] } = { ...current }
  for (const field of SESSION_FIELDS) {
    const value = asked[field]
    if (value === undefined) continue
    const ceiling = field === "cpu" ? undefined : operator.session[field]
    if (ceiling !== undefined && value > ceiling) {
      return {
        reason: "resourcesAboveCeiling",
        message: `resources.session.${field} ${value} is above the operator's ceiling ${ceiling} (${SESSION_FLAGS[field]}): ` +
          `a client may narrow the limits, never widen them`
      }
    }
    const now = current[field]
    if (now !== undefined && value > now) {
      return {
        reason: "resourcesAboveSessionLimit",
        message: `resources.session.${field} ${value} is above the session's ${field} limit ${now}, asked earlier: ` +
          `a session's limits only narrow`
      }
    }
    result[field] = value
  }
  return result
}

/**
 * A process's limits within its session's current ones: a value the client
 * asked above the session's is refused (no process can use more than its
 * session); an operator's default above it is held to the session's (on
 * cgroup v1 a CPU quota above its parent's is not even accepted).
 */
export const processWithinSession = (
  limits: Resources,
  asked: Resources | undefined,
  session: SessionResources
): Resources | LimitRefusal => {
  const result: { -readonly [K in keyof Resources]: Resources[K] } = { ...limits }
  for (const field of SESSION_FIELDS) {
    const max = session[field]
    const value = limits[field]
    if (max === undefined || value === undefined || value <= max) continue
    if (asked?.[field] !== undefined) {
      return {
        reason: "resourcesAboveSessionLimit",
        message: `resources.${field} ${value} is above the session's ${field} limit ${max}, asked with resources.session: ` +
          `no process of a session can use more than the session`
      }
    }
    result[field] = max
  }
  return result
}
