/**
 * cgroup v1: one hierarchy per controller. memory and pids are required,
 * cpu (quota, shares), cpuacct (CPU time) and freezer (a kill with nothing
 * forking meanwhile) are used where mounted. A session is a group in every
 * hierarchy; a limited process a leaf below it in each but the freezer's,
 * where processes stay in the session's group (it is frozen as a whole); an
 * unlimited process joins the session's groups themselves: its freezer group
 * only, unless the session is limited or there is no freezer.
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
import { type CgroupFiles, errnoOf, join, keyedValue, killEach, pidsOf, readOptional } from "./cgroupFiles.js"
import type { Resources, SessionResources } from "./ResourceLimits.js"

/** The server's root cgroup in each v1 hierarchy it uses (made already). */
export interface V1Roots {
  readonly memory: string
  readonly pids: string
  readonly cpu?: string | undefined
  readonly cpuacct?: string | undefined
  readonly freezer?: string | undefined
}

type Hierarchy = keyof V1Roots

/** Whether the memory controller counts swap (`memory.memsw.*`: swapaccount on). */
export const accountsSwap = (files: CgroupFiles, memoryRoot: string): boolean =>
  files.exists(join(memoryRoot, "memory.memsw.limit_in_bytes"))

/** What the start line says of a v1 driver: what is not there of what it can use. */
export const notesOf = (has: { readonly swap: boolean; readonly cpu: boolean; readonly freezer: boolean }): ReadonlyArray<string> => [
  ...(has.swap ? [] : ["swap is not accounted (no memory.memsw.*): a memory limit does not bound swap"]),
  ...(has.cpu ? [] : ["no cpu controller: CPU limits are refused"]),
  ...(has.freezer ? [] : ["no freezer: processes are killed without freezing their group first"])
]

/** The cgroup v1 driver on `roots`. */
export const make = (files: CgroupFiles, roots: V1Roots): CgroupDriver => {
  const swap = accountsSwap(files, roots.memory)
  // cpu and cpuacct are often one hierarchy ("cpu,cpuacct"): one group there.
  const cpuacctInCpu = roots.cpuacct !== undefined && roots.cpuacct === roots.cpu
  const leafHierarchies = (["memory", "pids", "cpu", "cpuacct"] as const).filter((h) =>
    roots[h] !== undefined && !(h === "cpuacct" && cpuacctInCpu)
  )
  const groupHierarchies: ReadonlyArray<Hierarchy> = [...leafHierarchies, ...(roots.freezer === undefined ? [] : ["freezer" as const])]
  const notes = notesOf({ swap, cpu: roots.cpu !== undefined, freezer: roots.freezer !== undefined })

  const limitMemory = (dir: string, bytes: number | undefined) => {
    if (bytes === undefined) return
    // The plain limit first: memsw may never be below it.
    files.write(join(dir, "memory.limit_in_bytes"), `${bytes}`)
    if (swap) files.write(join(dir, "memory.memsw.limit_in_bytes"), `${bytes}`)
  }
  const limitPids = (dir: string, pids: number | undefined) => {
    if (pids !== undefined) files.write(join(dir, "pids.max"), `${pids}`)
  }
  const quotaOf = (cpu: number) => Math.max(1000, Math.round(cpu * CPU_PERIOD_US))

  const makeGroup = (name: string, resources: Pick<Resources, "memoryBytes" | "pids">): DriverGroup => {
    const dirs = {} as Record<Hierarchy, string>
    const made: Array<string> = []
    try {
      for (const h of groupHierarchies) {
        dirs[h] = join(roots[h]!, name)
        files.mkdir(dirs[h])
        made.push(dirs[h])
      }
      limitMemory(dirs.memory, resources.memoryBytes)
      limitPids(dirs.pids, resources.pids)
    } catch (error) {
      removeAll(files, made)
      throw error
    }
    const leaves = new Set<string>()
    // v1 refuses a child's CFS quota above its parent's (EINVAL): the session's is kept, and its leaves' held below it.
    let groupQuota: number | undefined
    const leafQuotas = new Map<string, number>()

    const makeLeaf = (leafName: string, resources: Resources): DriverLeaf => {
      const leafDirs = {} as Record<Hierarchy, string>
      const madeLeaf: Array<string> = []
      try {
        for (const h of leafHierarchies) {
          leafDirs[h] = join(dirs[h], leafName)
          files.mkdir(leafDirs[h])
          madeLeaf.push(leafDirs[h])
        }
        limitMemory(leafDirs.memory, resources.memoryBytes)
        limitPids(leafDirs.pids, resources.pids)
        if (resources.cpu !== undefined || resources.cpuWeight !== undefined) {
          if (roots.cpu === undefined) throw new Error("there is no cpu controller to limit CPU with")
          if (resources.cpu !== undefined) {
            const quota = Math.min(quotaOf(resources.cpu), groupQuota ?? Infinity)
            files.write(join(leafDirs.cpu, "cpu.cfs_period_us"), `${CPU_PERIOD_US}`)
            files.write(join(leafDirs.cpu, "cpu.cfs_quota_us"), `${quota}`)
            leafQuotas.set(leafDirs.cpu, quota)
          }
          // v2's weight (default 100) as v1's shares (default 1024).
          if (resources.cpuWeight !== undefined) {
            files.write(join(leafDirs.cpu, "cpu.shares"), `${Math.max(2, Math.round((resources.cpuWeight * 1024) / 100))}`)
          }
        }
      } catch (error) {
        removeAll(files, madeLeaf)
        throw error
      }
      for (const dir of madeLeaf) leaves.add(dir)
      const joinFiles = [
        ...leafHierarchies.map((h) => join(leafDirs[h], "cgroup.procs")),
        ...(dirs.freezer === undefined ? [] : [join(dirs.freezer, "cgroup.procs")])
      ]
      const cpuacct = cpuacctInCpu ? leafDirs.cpu : leafDirs.cpuacct
      const current = () => {
        const cpuNs = cpuacct === undefined ? undefined : numberIn(readOptional(files, join(cpuacct, "cpuacct.usage")))
        return {
          memoryBytes: numberIn(readOptional(files, join(leafDirs.memory, "memory.usage_in_bytes"))),
          cpuTimeMs: cpuNs === undefined ? undefined : Math.round(cpuNs / 1e6)
        }
      }
      return {
        joinFiles,
        current,
        usage: () => {
          const oom = keyedValue(readOptional(files, join(leafDirs.memory, "memory.oom_control")) ?? "", "oom_kill") ?? 0
          const peak = numberIn(readOptional(files, join(leafDirs.memory, "memory.max_usage_in_bytes")))
          return { oomKilled: oom > 0, peakMemoryBytes: peak, ...current() }
        },
        remove: () => {
          for (const dir of madeLeaf) {
            removeIfThere(files, dir)
            leaves.delete(dir)
            leafQuotas.delete(dir)
          }
        }
      }
    }

    let sessionLimited = resources.memoryBytes !== undefined || resources.pids !== undefined
    const limit = (resources: SessionResources): void => {
      if (resources.cpu !== undefined && roots.cpu === undefined) throw new Error("there is no cpu controller to limit CPU with")
      // From now on, processes without limits of their own join the session's memory and pids groups too.
      if (resources.memoryBytes !== undefined || resources.pids !== undefined) sessionLimited = true
      if (resources.memoryBytes !== undefined) {
        // The plain limit first, as it narrows (memsw may never be below it): the kernel reclaims
        // down to it, or refuses it (EBUSY) where it cannot, and then nothing changed.
        const limitFile = join(dirs.memory, "memory.limit_in_bytes")
        const before = readOptional(files, limitFile)?.trim()
        files.write(limitFile, `${resources.memoryBytes}`)
        if (swap) {
          try {
            files.write(join(dirs.memory, "memory.memsw.limit_in_bytes"), `${resources.memoryBytes}`)
          } catch (error) {
            if (before !== undefined) files.write(limitFile, before)
            throw error
          }
        }
      }
      limitPids(dirs.pids, resources.pids)
      if (resources.cpu !== undefined) {
        const quota = quotaOf(resources.cpu)
        for (const [dir, leafQuota] of leafQuotas) {
          if (leafQuota <= quota) continue
          files.write(join(dir, "cpu.cfs_quota_us"), `${quota}`)
          leafQuotas.set(dir, quota)
        }
        files.write(join(dirs.cpu, "cpu.cfs_quota_us"), `${quota}`)
        groupQuota = quota
      }
    }

    /** Every pid in the session's groups (its leaves' included). */
    const members = (): Array<number> => {
      if (dirs.freezer !== undefined) return pidsOf(readOptional(files, join(dirs.freezer, "cgroup.procs")) ?? "")
      const pids = new Set<number>()
      for (const dir of [dirs.memory, dirs.pids, ...leaves]) {
        for (const pid of pidsOf(readOptional(files, join(dir, "cgroup.procs")) ?? "")) pids.add(pid)
      }
      return [...pids]
    }

    const kill = Effect.gen(function*() {
      for (let round = 0; round < EMPTY_POLLS; round++) {
        const before = members()
        if (before.length === 0) return
        if (dirs.freezer !== undefined) {
          const state = join(dirs.freezer, "freezer.state")
          yield* freezeAndKill({
            freeze: () => files.write(state, "FROZEN"),
            frozen: () => readOptional(files, state)?.trim() === "FROZEN",
            thaw: () => files.write(state, "THAWED")
          }, members)
        } else {
          killEach(before)
        }
        yield* Effect.sleep(EMPTY_POLL_MS)
      }
    }).pipe(Effect.catchDefect(() => Effect.void))

    // A process without limits of its own joins only what ends it with its session (the freezer,
    // where there is one: `members`) and what bounds its session (memory and pids, when it is
    // limited): each group a child joins costs its spawn a migration, several milliseconds on a
    // loaded machine (docs/PERFORMANCE.md, "Session cgroups").
    const sessionJoins = (): ReadonlyArray<Hierarchy> => dirs.freezer === undefined
      ? ["memory", "pids"]
      : sessionLimited
      ? ["memory", "pids", "freezer"]
      : ["freezer"]
    return {
      get joinFiles() {
        return sessionJoins().map((h) => join(dirs[h], "cgroup.procs"))
      },
      get joinsLimits() {
        return sessionJoins().includes("memory")
      },
      makeLeaf,
      limit,
      kill,
      remove: () => {
        removeAll(files, [...leaves])
        leaves.clear()
        removeAll(files, made)
      }
    }
  }

  return {
    version: "v1",
    notes,
    makeGroup,
    memoryBytes: () => numberIn(readOptional(files, join(roots.memory!, "memory.usage_in_bytes"))),
    close: Effect.sync(() => removeAll(files, groupHierarchies.map((h) => roots[h]!))).pipe(Effect.catchDefect(() => Effect.void))
  }
}

const numberIn = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  const value = Number(text.trim())
  return Number.isFinite(value) ? value : undefined
}

/** Removes a cgroup unless it is gone already. */
const removeIfThere = (files: CgroupFiles, dir: string): void => {
  try {
    files.rmdir(dir)
  } catch (error) {
    if (errnoOf(error) !== "ENOENT") throw error
  }
}

/** Removes each cgroup it can; what is still busy stays (and is said by the caller's log). */
const removeAll = (files: CgroupFiles, dirs: ReadonlyArray<string>): void => {
  let failure: unknown
  for (const dir of [...dirs].reverse()) {
    try {
      removeIfThere(files, dir)
    } catch (error) {
      failure ??= error
    }
  }
  if (failure !== undefined) throw failure
}
