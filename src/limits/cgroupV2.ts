/**
 * cgroup v2: one hierarchy, the server's delegated subtree as its root (its
 * `cgroup.subtree_control` enables memory and pids, and cpu where there).
 * A session is a group below it that enables them for its own leaves; a
 * limited process is a leaf of its own, the session's unlimited ones share
 * its leaf `unlimited` (v2 keeps processes in leaves only). Memory limits
 * include swap (`memory.swap.max` 0); the kill is `cgroup.kill`, or a
 * freeze and a SIGKILL per pid on kernels before 5.14.
 *
 * The same driver runs on a root without controllers (a hierarchy whose
 * controllers are bound to v1, or not delegated): membership, the kill,
 * `cgroup.events` and `cpu.stat`'s CPU time work there, and a limit whose
 * controller is missing is refused, never written nowhere.
 */
import * as Effect from "effect/Effect"
import {
  type CgroupDriver,
  CPU_PERIOD_US,
  type DriverGroup,
  type DriverLeaf,
  EMPTY_POLL_MS,
  EMPTY_POLLS,
  freezeAndKill
} from "./driver.js"
import { type CgroupFiles, errnoOf, join, keyedValue, pidsOf, readOptional } from "./cgroupFiles.js"
import type { Resources } from "./ResourceLimits.js"

/** The controllers a v2 root must have enabled for its children to limit memory and process counts; cpu is optional. */
export const REQUIRED_CONTROLLERS = ["memory", "pids"] as const

/** Every controller the driver limits with. */
const CONTROLLERS = ["memory", "pids", "cpu"] as const

/** What the start line says of a v2 driver whose children have `controllers`: each missing one's limits are refused. */
export const notesOf = (controllers: ReadonlyArray<string>): ReadonlyArray<string> =>
  CONTROLLERS.filter((c) => !controllers.includes(c)).map((c) => `no ${c} controller delegated: ${WHAT[c]} limits are refused`)

/**
 * The cgroup v2 driver on `root`, whose children have `controllers` (of
 * memory, pids and cpu; none at all for a driver that only groups and kills).
 */
export const make = (files: CgroupFiles, root: string, controllers: ReadonlyArray<string>): CgroupDriver => {
  const enabled = CONTROLLERS.filter((c) => controllers.includes(c))
  const has = (controller: (typeof CONTROLLERS)[number]) => enabled.includes(controller)
  const notes = notesOf(controllers)
  /** Refuses a limit whose controller is missing: its file is not there, and the limit would hold nowhere. */
  const need = (controller: (typeof CONTROLLERS)[number]) => {
    if (!has(controller)) throw new Error(`there is no ${controller} controller in ${root} to limit ${WHAT[controller]} with`)
  }

  const limit = (dir: string, resources: Resources) => {
    if (resources.memoryBytes !== undefined) need("memory")
    if (resources.pids !== undefined) need("pids")
    if (resources.cpu !== undefined || resources.cpuWeight !== undefined) need("cpu")
    if (resources.memoryBytes !== undefined) {
      files.write(join(dir, "memory.max"), `${resources.memoryBytes}`)
      // Swap is no way around the limit.
      if (files.exists(join(dir, "memory.swap.max"))) files.write(join(dir, "memory.swap.max"), "0")
    }
    if (resources.pids !== undefined) files.write(join(dir, "pids.max"), `${resources.pids}`)
    if (resources.cpu !== undefined || resources.cpuWeight !== undefined) {
      if (resources.cpu !== undefined) {
        files.write(join(dir, "cpu.max"), `${Math.max(1000, Math.round(resources.cpu * CPU_PERIOD_US))} ${CPU_PERIOD_US}`)
      }
      if (resources.cpuWeight !== undefined) files.write(join(dir, "cpu.weight"), `${resources.cpuWeight}`)
    }
  }

  const makeGroup = (name: string, resources: Pick<Resources, "memoryBytes" | "pids">): DriverGroup => {
    const dir = join(root, name)
    files.mkdir(dir)
    try {
      if (enabled.length > 0) files.write(join(dir, "cgroup.subtree_control"), enabled.map((c) => `+${c}`).join(" "))
      limit(dir, resources)
    } catch (error) {
      removeIfThere(files, dir)
      throw error
    }
    const leaves = new Set<string>()
    // The session's processes without limits of their own share one leaf: no group made per spawn.
    const shared = join(dir, "unlimited")
    try {
      files.mkdir(shared)
    } catch (error) {
      removeIfThere(files, dir)
      throw error
    }
    leaves.add(shared)

    const makeLeaf = (leafName: string, resources: Resources): DriverLeaf => {
      const leaf = join(dir, leafName)
      files.mkdir(leaf)
      try {
        limit(leaf, resources)
      } catch (error) {
        removeIfThere(files, leaf)
        throw error
      }
      leaves.add(leaf)
      const current = () => {
        const now = readOptional(files, join(leaf, "memory.current"))
        const bytes = now === undefined ? undefined : Number(now.trim())
        const usec = keyedValue(readOptional(files, join(leaf, "cpu.stat")) ?? "", "usage_usec")
        return {
          memoryBytes: bytes !== undefined && Number.isFinite(bytes) ? bytes : undefined,
          cpuTimeMs: usec === undefined ? undefined : Math.round(usec / 1000)
        }
      }
      return {
        joinFiles: [join(leaf, "cgroup.procs")],
        current,
        usage: () => {
          const events = readOptional(files, join(leaf, "memory.events")) ?? ""
          const peak = readOptional(files, join(leaf, "memory.peak"))
          const peakBytes = peak === undefined ? undefined : Number(peak.trim())
          return {
            oomKilled: (keyedValue(events, "oom_kill") ?? 0) > 0,
            peakMemoryBytes: peakBytes !== undefined && Number.isFinite(peakBytes) ? peakBytes : undefined,
            ...current()
          }
        },
        remove: () => {
          removeIfThere(files, leaf)
          leaves.delete(leaf)
        }
      }
    }

    const populated = () => keyedValue(readOptional(files, join(dir, "cgroup.events")) ?? "", "populated") !== 0
    const members = () => [dir, ...leaves].flatMap((d) => pidsOf(readOptional(files, join(d, "cgroup.procs")) ?? ""))
    const kill = Effect.gen(function*() {
      const killFile = join(dir, "cgroup.kill")
      const hasKill = files.exists(killFile)
      for (let round = 0; round < EMPTY_POLLS && populated(); round++) {
        if (hasKill) {
          if (round % 10 === 0) yield* Effect.sync(() => files.write(killFile, "1"))
        } else {
          // Before cgroup.kill (kernel 5.14).
          yield* freezeAndKill({
            freeze: () => files.write(join(dir, "cgroup.freeze"), "1"),
            frozen: () => keyedValue(readOptional(files, join(dir, "cgroup.events")) ?? "", "frozen") === 1,
            thaw: () => files.write(join(dir, "cgroup.freeze"), "0")
          }, members)
        }
        yield* Effect.sleep(EMPTY_POLL_MS)
      }
    }).pipe(Effect.catchDefect(() => Effect.void))

    return {
      joinFiles: [join(shared, "cgroup.procs")],
      // The shared leaf is below the session's group: its limits hold there from the start.
      joinsLimits: true,
      makeLeaf,
      // v2 takes any limit: memory.max below what the group holds reclaims, then OOM-kills in it
      // until it fits; pids.max below its count refuses forks; a leaf's cpu.max above it is bounded by it.
      limit: (resources) => limit(dir, resources),
      kill,
      remove: () => {
        for (const leaf of leaves) removeIfThere(files, leaf)
        leaves.clear()
        removeIfThere(files, dir)
      }
    }
  }

  return {
    version: "v2",
    notes,
    makeGroup,
    memoryBytes: () => {
      const text = readOptional(files, join(root, "memory.current"))
      const bytes = text === undefined ? Number.NaN : Number(text.trim())
      return Number.isFinite(bytes) && bytes >= 0 ? bytes : undefined
    },
    close: Effect.sync(() => removeIfThere(files, root)).pipe(Effect.catchDefect(() => Effect.void))
  }
}

/** What each controller limits, in the refusals' words. */
const WHAT: Record<(typeof CONTROLLERS)[number], string> = { memory: "memory", pids: "process counts", cpu: "CPU" }

const removeIfThere = (files: CgroupFiles, dir: string): void => {
  try {
    files.rmdir(dir)
  } catch (error) {
    if (errnoOf(error) !== "ENOENT") throw error
  }
}
