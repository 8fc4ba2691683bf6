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

/** A cgroup operation failed (a write refused, a directory not made). */
export class CgroupError extends Data.TaggedError("effect-exec-server/CgroupError")<{
  readonly message: string
  readonly path?: string | undefined
  readonly errno?: string | undefined
}> {}

/** A process's own cgroup. */
export interface ProcessCgroup {
  /**
   * The `cgroup.procs` files the child writes its own pid to before it runs
   * the command (one per hierarchy on v1, one on v2).
   */
  readonly joinFiles: ReadonlyArray<string>
  /** What its processes used so far; synchronous: read in the spawner's callback as the exit is reported. */
  readonly usage: () => ResourceUsage
}

/** A session's cgroup: its processes' cgroups are below it, and it ends them all when its scope closes. */
export interface SessionCgroup {
  /**
   * The `cgroup.procs` files a process without limits of its own joins
   * (made with the session's group: nothing made or removed per process).
   */
  readonly joinFiles: ReadonlyArray<string>
  /** A cgroup for one process below the session's, removed when `scope` closes (if nothing is left in it). */
  readonly process: (resources: Resources) => Effect.Effect<ProcessCgroup, CgroupError, Scope.Scope>
  /** Kills every process in the session's cgroup, those that left their process group included. */
  readonly killAll: Effect.Effect<void>
}

/** Whether limits can be enforced here, and how; or why not. */
export type LimitsAvailability =
  | { readonly _tag: "Available"; readonly version: "v1" | "v2"; readonly notes: ReadonlyArray<string> }
  | { readonly _tag: "Unavailable"; readonly reason: string }

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
