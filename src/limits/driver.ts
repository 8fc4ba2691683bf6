/**
 * What a cgroup version implements (cgroupV1.ts, cgroupV2.ts): groups made
 * below the server's own root, limited as asked, their usage read, their
 * processes killed and the groups removed. Synchronous but for the kill,
 * which waits for the kernel to empty a group. The service around them
 * (cgroupLimits.ts) adds scopes and typed errors.
 */
import * as Effect from "effect/Effect"
import { killEach } from "./cgroupFiles.js"
import type { LiveUsage, ResourceUsage, Resources, SessionResources } from "./ResourceLimits.js"

/** A process's cgroup as a driver made it. */
export interface DriverLeaf {
  readonly joinFiles: ReadonlyArray<string>
  readonly usage: () => ResourceUsage
  readonly current: () => LiveUsage
  /** Removes the leaf; throws (EBUSY) while a process is left in it. */
  readonly remove: () => void
}

/** A session's cgroup as a driver made it. */
export interface DriverGroup {
  /**
   * The `cgroup.procs` files a process without limits of its own joins: the
   * session's group itself (v1), or one leaf of the session's made with it
   * (v2, whose processes live in leaves only).
   */
  readonly joinFiles: ReadonlyArray<string>
  /**
   * Whether a process that joins `joinFiles` now is under the group's
   * memory and pids limits (v1 joins only the freezer's group until the
   * session is limited: what a process joined before stays so).
   */
  readonly joinsLimits: boolean
  /** A leaf named `name` below it, limited to `resources`. */
  readonly makeLeaf: (name: string, resources: Resources) => DriverLeaf
  /**
   * Sets the group's own limits (the fields given; each no wider than
   * before), for everything below it together. Throws the kernel's refusal
   * (v1's EBUSY for memory it cannot reclaim) with the limits left as they were.
   */
  readonly limit: (resources: SessionResources) => void
  /** Kills every process below it and waits until the kernel says the group is empty (or gives up). */
  readonly kill: Effect.Effect<void>
  /** Removes what is left of its leaves, then itself. */
  readonly remove: () => void
}

/** A cgroup version's driver, rooted at the server's own cgroup(s). */
export interface CgroupDriver {
  readonly version: "v1" | "v2"
  /** What the start line should say of it (swap not accounted, no CPU controller). */
  readonly notes: ReadonlyArray<string>
  /** A session's group named `name` below the root. */
  readonly makeGroup: (name: string, resources: Pick<Resources, "memoryBytes" | "pids">) => DriverGroup
  /** The memory held now by everything below the root (its sessions' groups), in bytes, if the kernel says. */
  readonly memoryBytes: () => number | undefined
  /** Kills what is left below the root and removes it (the server's end). */
  readonly close: Effect.Effect<void>
}

/** A CPU quota's scheduling period, in microseconds (the kernel's default). */
export const CPU_PERIOD_US = 100_000

/** How many times an emptying group is looked at, and how long apart, before giving up. */
export const EMPTY_POLLS = 200
export const EMPTY_POLL_MS = 10

/** A group's freezer, in its version's files. */
export interface GroupFreezer {
  readonly freeze: () => void
  readonly frozen: () => boolean
  readonly thaw: () => void
}

/**
 * Freezes a group, SIGKILLs every member, then thaws it, so that nothing
 * forks between reading the list and the kills (v1, and v2 before
 * `cgroup.kill`).
 */
export const freezeAndKill = (freezer: GroupFreezer, members: () => ReadonlyArray<number>): Effect.Effect<void> =>
  Effect.gen(function*() {
    yield* Effect.sync(freezer.freeze)
    for (let poll = 0; poll < EMPTY_POLLS && !freezer.frozen(); poll++) yield* Effect.sleep(EMPTY_POLL_MS)
    killEach(members())
    yield* Effect.sync(freezer.thaw)
  })
