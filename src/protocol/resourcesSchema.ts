/**
 * (ours) Resource limits on the wire: what `initialize` says of them and
 * what `process/start.resources` asks for a process and its session
 * (docs/PROTOCOL.md, "Resource limits").
 */
import * as Schema from "effect/Schema"
import { PositiveInt } from "./primitives.js"

/**
 * (ours) `initialize.limits.resources`: whether resource limits are
 * enforced here (and by which cgroup version), or why not; the operator's
 * ceilings of a process (also its defaults) and of a session.
 */
export const ResourceLimitsInfo = Schema.Struct({
  available: Schema.Boolean,
  cgroup: Schema.optional(Schema.Literals(["v1", "v2"])),
  reason: Schema.optional(Schema.String),
  process: Schema.Struct({
    memoryBytes: Schema.optional(PositiveInt),
    pids: Schema.optional(PositiveInt),
    cpu: Schema.optional(Schema.Number)
  }),
  session: Schema.Struct({ memoryBytes: Schema.optional(PositiveInt), pids: Schema.optional(PositiveInt) }),
  /**
   * Whether `process/start.resources.session` is understood (a server
   * without it ignores the field: a client that needs its session limited
   * checks this first).
   */
  sessionRequests: Schema.optional(Schema.Boolean)
})
/** @see ResourceLimitsInfo */
export type ResourceLimitsInfo = typeof ResourceLimitsInfo.Type

/**
 * (ours) `process/start.resources.session`: limits of the caller's session
 * as a whole (all of its processes together), narrowing the operator's
 * session ceiling and every earlier request: a session's limits never widen
 * (docs/PROTOCOL.md, "A session's limits").
 */
export const SessionResourceRequest = Schema.Struct({
  /** Bytes of memory and swap together, at least 1 MiB. */
  memoryBytes: Schema.optional(
    PositiveInt.check(Schema.isGreaterThanOrEqualTo(1 << 20, { message: "resources.session.memoryBytes must be at least 1048576 (1 MiB)" }))
  ),
  /** Processes and threads at once. */
  pids: Schema.optional(PositiveInt),
  /** CPUs' worth of time per scheduling period (1.5: one and a half CPUs). */
  cpu: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0.01), Schema.isLessThanOrEqualTo(1024)))
})
/** @see SessionResourceRequest */
export type SessionResourceRequest = typeof SessionResourceRequest.Type

/**
 * (ours) `process/start.resources`: limits of the process's memory (swap
 * included), process count and CPU, enforced by cgroups; each narrows the
 * operator's ceiling, and one above it is refused (docs/PROTOCOL.md,
 * "Resource limits").
 */
export const ResourceRequest = Schema.Struct({
  /** Bytes of memory and swap together, at least 1 MiB. */
  memoryBytes: Schema.optional(PositiveInt.check(Schema.isGreaterThanOrEqualTo(1 << 20, { message: "resources.memoryBytes must be at least 1048576 (1 MiB)" }))),
  /** Processes and threads at once. */
  pids: Schema.optional(PositiveInt),
  /** CPUs' worth of time per scheduling period (1.5: one and a half CPUs). */
  cpu: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0.01), Schema.isLessThanOrEqualTo(1024))),
  /** Share of the CPU against the session's other processes, 1-10000 (100: the default). */
  cpuWeight: Schema.optional(PositiveInt.check(Schema.isLessThanOrEqualTo(10_000))),
  /** The session's limits, set before the process starts (it and every later process run under them). */
  session: Schema.optional(SessionResourceRequest)
})
/** @see ResourceRequest */
export type ResourceRequest = typeof ResourceRequest.Type
