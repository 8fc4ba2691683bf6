/**
 * What tests read of other processes in /proc: memory, children, state and
 * CPU time. A process that is gone reads as 0 / empty / undefined.
 */
import { readdirSync, readFileSync } from "node:fs"

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

const statusField = (pid: number, field: string): number =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(read(`/proc/${pid}/status`) ?? "")?.[1] ?? 0) * 1024

/** Resident memory (VmRSS), in bytes. */
export const rssOf = (pid: number): number => statusField(pid, "VmRSS")

/** The highest resident memory the process has had (VmHWM), in bytes. */
export const peakRssOf = (pid: number): number => statusField(pid, "VmHWM")

/** The direct children of `pid`, from every thread's children list. */
export const childrenOf = (pid: number): Array<number> => {
  let tasks: Array<string>
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  return tasks.flatMap((task) => (read(`/proc/${pid}/task/${task}/children`) ?? "").split(" ").filter(Boolean).map(Number))
}

/** Every process below `pid`. */
export const descendantsOf = (pid: number): Array<number> => {
  const found: Array<number> = []
  const pending = childrenOf(pid)
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    found.push(next)
    pending.push(...childrenOf(next))
  }
  return found
}

/** The executable's name (`comm`), or "" once the process is gone. */
export const commOf = (pid: number): string => (read(`/proc/${pid}/comm`) ?? "").trim()

/** State letter (R, S, Z, …) and CPU time used so far (user + system, in clock ticks), or undefined once gone. */
export const schedulingOf = (pid: number): { readonly state: string; readonly cpuTicks: number } | undefined => {
  const stat = read(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // After "pid (comm) ": state is field 3, utime and stime fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return { state: fields[0]!, cpuTicks: Number(fields[11]) + Number(fields[12]) }
}

/** How many descriptors the process has open (/proc/PID/fd), 0 once it is gone. */
export const descriptorCountOf = (pid: number): number => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return 0
  }
}

/** How many threads the process has (Threads of /proc/PID/status), 0 once it is gone. */
export const threadCountOf = (pid: number): number => Number(/Threads:\s+(\d+)/.exec(read(`/proc/${pid}/status`) ?? "")?.[1] ?? 0)

/**
 * When the process started, in clock ticks after boot (field 22 of its
 * stat), or undefined once it is gone: with its pid it names one process,
 * whatever later reuses the pid.
 */
export const startTimeOf = (pid: number): number | undefined => {
  const stat = read(`/proc/${pid}/stat`)
  return stat === undefined ? undefined : Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19])
}

/** The processes of process group `pgid`, from every process's stat (a whole scan of /proc). */
export const membersOfGroup = (pgid: number): Array<number> =>
  readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    const stat = read(`/proc/${pid}/stat`)
    return stat !== undefined && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pgid
  })
