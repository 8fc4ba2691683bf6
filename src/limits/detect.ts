/**
 * Which cgroups the server can use, found at its start: v2 where its own
 * cgroup is a delegated subtree with memory and pids (the server moves
 * itself into a leaf of it when it must, as v2 keeps processes out of
 * groups that enable controllers), else v1 with memory and pids writable,
 * else, where the server may make groups in its v2 cgroup without
 * controllers, v2 for containment only (sessions grouped and ended by
 * `cgroup.kill`, every limit refused), else the reason none can be used.
 * The server's groups are made below the cgroup it finds itself in
 * (`/proc/self/cgroup`), never at a fixed path.
 */
import * as Path from "node:path"
import { type CgroupFiles, errnoOf, join, readOptional, removeStaleRoots } from "./cgroupFiles.js"
import * as V1 from "./cgroupV1.js"
import * as V2 from "./cgroupV2.js"
import type { CgroupDriver } from "./driver.js"

/** What detection reads of the process (the files' texts), and where it makes its groups. */
export interface DetectInput {
  readonly files: CgroupFiles
  /** `/proc/self/cgroup`'s text. */
  readonly procSelfCgroup: string
  /** `/proc/self/mounts`'s text. */
  readonly mounts: string
  /** The server's pid (a v2 server moves itself by it). */
  readonly pid: number
  /** The server's root group's name, the same in every hierarchy (`exec-server.PID.TAG`: servers may share a process). */
  readonly rootName: string
  /**
   * The names of gone servers' root groups whose processes running holders
   * still keep (none when absent): read at most once per detection, and
   * only once a gone server's root is found, whatever the number of
   * hierarchies it is found in.
   */
  readonly heldRoots?: () => ReadonlySet<string>
}

/** One detection's input, with `held`: `heldRoots` as the removal of stale roots asks it, read on the first question and kept for the rest. */
interface Detection extends DetectInput {
  readonly held: (rootName: string) => boolean
}

const detectionOf = (input: DetectInput): Detection => {
  let held: ReadonlySet<string> | undefined
  return { ...input, held: (rootName) => (held ??= input.heldRoots?.() ?? new Set()).has(rootName) }
}

/**
 * A driver that limits; one that only groups and kills (`Containment`:
 * `reason` says why limits are unavailable); or why there is none.
 */
export type Detected =
  | { readonly _tag: "Driver"; readonly driver: CgroupDriver }
  | { readonly _tag: "Containment"; readonly driver: CgroupDriver; readonly reason: string }
  | { readonly _tag: "None"; readonly reason: string }

/** A cgroup mount of `/proc/self/mounts`: its mount point, whether v2, and (v1) its controllers. */
interface CgroupMount {
  readonly path: string
  readonly v2: boolean
  readonly controllers: ReadonlyArray<string>
}

/** The cgroup file systems of a `/proc/self/mounts` text. */
export const cgroupMounts = (mounts: string): Array<CgroupMount> =>
  mounts.split("\n").flatMap((line): Array<CgroupMount> => {
    const [, path, type, options] = line.split(" ")
    if (path === undefined || options === undefined) return []
    // Octal escapes (a space is \040) in mount points.
    const unescaped = path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
    if (type === "cgroup2") return [{ path: unescaped, v2: true, controllers: [] }]
    if (type === "cgroup") return [{ path: unescaped, v2: false, controllers: options.split(",") }]
    return []
  })

/** `/proc/self/cgroup`'s lines: the v2 path (`0::PATH`) and each v1 controller's path. */
export const ownCgroups = (text: string): { readonly v2: string | undefined; readonly v1: ReadonlyMap<string, string> } => {
  let v2: string | undefined
  const v1 = new Map<string, string>()
  for (const line of text.split("\n")) {
    const first = line.indexOf(":")
    const second = line.indexOf(":", first + 1)
    if (first < 0 || second < 0) continue
    const controllers = line.slice(first + 1, second)
    const path = line.slice(second + 1)
    if (line.slice(0, first) === "0" && controllers === "") v2 = path
    else for (const controller of controllers.split(",")) if (controller !== "") v1.set(controller, path)
  }
  return { v2, v1 }
}

const describe = (error: unknown): string => errnoOf(error) ?? (error instanceof Error ? error.message : String(error))

/**
 * The drivers in order of preference: v2, then v1, then v2 for containment
 * only; the reasons each could not be used when neither limits.
 */
export const detect = (input: DetectInput): Detected => {
  const mounts = cgroupMounts(input.mounts)
  const own = ownCgroups(input.procSelfCgroup)
  const detection = detectionOf(input)
  const v2 = detectV2(detection, mounts, own.v2)
  if (typeof v2 !== "string") return { _tag: "Driver", driver: v2 }
  const v1 = detectV1(detection, mounts, own.v1)
  if (typeof v1 !== "string") return { _tag: "Driver", driver: v1 }
  const reason = `cgroup v2: ${v2}; cgroup v1: ${v1}`
  const containment = detectV2Containment(detection, mounts, own.v2)
  if (typeof containment !== "string") return { _tag: "Containment", driver: containment, reason }
  return { _tag: "None", reason: `${reason}; no cgroup to contain sessions in: ${containment}` }
}

/**
 * v2 without controllers: a root group of the server's in its own v2
 * cgroup, whose groups hold a session's processes (its children's children
 * included) and end them all by `cgroup.kill` (or the freezer, before
 * 5.14). It enables nothing, so v2's rule that keeps processes out of
 * groups with controllers never applies; its driver refuses every limit.
 */
const detectV2Containment = (input: Detection, mounts: ReadonlyArray<CgroupMount>, ownPath: string | undefined): CgroupDriver | string => {
  const mount = mounts.find((m) => m.v2)
  if (mount === undefined || ownPath === undefined) return "cgroup v2 is not mounted"
  const { files } = input
  const own = Path.resolve(mount.path, `.${ownPath}`)
  removeStaleRoots(files, own, input.held)
  const root = join(own, input.rootName)
  try {
    files.mkdir(root)
  } catch (error) {
    return `cannot make a group in the server's cgroup ${own} (${describe(error)})`
  }
  // Both came with the kernel's v2 kill and freezer (5.14, 5.2): without either, nothing can end a group as a whole.
  if (!files.exists(join(root, "cgroup.kill")) && !files.exists(join(root, "cgroup.freeze"))) {
    try {
      files.rmdir(root)
    } catch {
      // Left as it is: the next server's start removes it.
    }
    return `the kernel's cgroup v2 has neither cgroup.kill nor cgroup.freeze`
  }
  return V2.make(files, root, [])
}

/** Which version `probe` found likely usable, with its driver's notes; or why none is. */
export type Probed =
  | { readonly _tag: "Likely"; readonly version: "v1" | "v2"; readonly notes: ReadonlyArray<string> }
  | { readonly _tag: "None"; readonly reason: string }

/**
 * What `detect` would find, from reads alone (no group made: a cold start
 * pays a millisecond or two for v1's five mkdirs, which the first session
 * pays instead): v2 where the server's cgroup offers memory and pids, else
 * v1 with memory and pids hierarchies. `detectVersion` then makes the groups.
 */
export const probe = (input: Omit<DetectInput, "pid" | "rootName">): Probed => {
  const mounts = cgroupMounts(input.mounts)
  const own = ownCgroups(input.procSelfCgroup)
  const v2Mount = mounts.find((m) => m.v2)
  let v2Reason = "not mounted"
  if (v2Mount !== undefined && own.v2 !== undefined) {
    const available = (readOptional(input.files, join(Path.resolve(v2Mount.path, `.${own.v2}`), "cgroup.controllers")) ?? "").trim().split(/\s+/)
    const missing = V2.REQUIRED_CONTROLLERS.filter((c) => !available.includes(c))
    if (missing.length === 0) return { _tag: "Likely", version: "v2", notes: V2.notesOf(available) }
    v2Reason = `the server's cgroup has no ${missing.join(", ")} controller (not delegated, or bound to v1)`
  }
  const v1Dir = (controller: string): string | undefined => {
    const mount = mounts.find((m) => !m.v2 && m.controllers.includes(controller))
    const path = own.v1.get(controller)
    return mount === undefined || path === undefined ? undefined : join(mount.path, path)
  }
  const memory = v1Dir("memory")
  const missing = (["memory", "pids"] as const).filter((c) => v1Dir(c) === undefined)
  if (memory === undefined || missing.length > 0) {
    return { _tag: "None", reason: `cgroup v2: ${v2Reason}; cgroup v1: no ${missing.join(", ")} hierarchy` }
  }
  return {
    _tag: "Likely",
    version: "v1",
    notes: V1.notesOf({ swap: V1.accountsSwap(input.files, memory), cpu: v1Dir("cpu") !== undefined, freezer: v1Dir("freezer") !== undefined })
  }
}

/** `detect` of one version only (the one `probe` found): its driver, its groups made, or why not. */
export const detectVersion = (input: DetectInput, version: "v1" | "v2"): Detected => {
  const mounts = cgroupMounts(input.mounts)
  const own = ownCgroups(input.procSelfCgroup)
  const detection = detectionOf(input)
  const driver = version === "v2" ? detectV2(detection, mounts, own.v2) : detectV1(detection, mounts, own.v1)
  return typeof driver === "string" ? { _tag: "None", reason: `cgroup ${version}: ${driver}` } : { _tag: "Driver", driver }
}

const detectV2 = (input: Detection, mounts: ReadonlyArray<CgroupMount>, ownPath: string | undefined): CgroupDriver | string => {
  const mount = mounts.find((m) => m.v2)
  if (mount === undefined || ownPath === undefined) return "not mounted"
  const { files } = input
  // Without the trailing slash of the root's "/".
  const own = Path.resolve(mount.path, `.${ownPath}`)
  const available = (readOptional(files, join(own, "cgroup.controllers")) ?? "").trim().split(/\s+/)
  const missing = V2.REQUIRED_CONTROLLERS.filter((c) => !available.includes(c))
  if (missing.length > 0) return `the server's cgroup ${own} has no ${missing.join(", ")} controller (not delegated, or bound to v1)`
  const wanted = [...V2.REQUIRED_CONTROLLERS, ...(available.includes("cpu") ? ["cpu"] : [])]
  const enable = (dir: string) => files.write(join(dir, "cgroup.subtree_control"), wanted.map((c) => `+${c}`).join(" "))
  try {
    try {
      enable(own)
    } catch (error) {
      // v2 keeps processes out of groups that enable controllers: the server
      // (alone in its delegated group, as a service with Delegate=yes is) moves into a leaf first.
      if (errnoOf(error) !== "EBUSY") throw error
      const leaf = join(own, `exec-server.${input.pid}.self`)
      files.mkdir(leaf)
      files.write(join(leaf, "cgroup.procs"), `${input.pid}`)
      try {
        enable(own)
      } catch (error) {
        // Not alone in its group (a terminal's scope, say): back where it was, as a server that limits nothing.
        files.write(join(own, "cgroup.procs"), `${input.pid}`)
        files.rmdir(leaf)
        throw error
      }
    }
    removeStaleRoots(files, own, input.held)
    const root = join(own, input.rootName)
    files.mkdir(root)
    try {
      enable(root)
    } catch (error) {
      files.rmdir(root)
      throw error
    }
    return V2.make(files, root, wanted)
  } catch (error) {
    return `cannot make a group in the server's cgroup ${own} with ${wanted.join(", ")} (${describe(error)}): it is not delegated to the server`
  }
}

const detectV1 = (
  input: Detection,
  mounts: ReadonlyArray<CgroupMount>,
  own: ReadonlyMap<string, string>
): CgroupDriver | string => {
  const { files } = input
  const made: Array<string> = []
  const roots = new Map<string, string>()
  /** The server's root in the hierarchy of `controller`, made; a reason when it cannot be. */
  const rootOf = (controller: string): string | { readonly reason: string } => {
    const mount = mounts.find((m) => !m.v2 && m.controllers.includes(controller))
    const path = own.get(controller)
    if (mount === undefined || path === undefined) return { reason: `no ${controller} hierarchy` }
    removeStaleRoots(files, join(mount.path, path), input.held)
    const root = join(mount.path, path, input.rootName)
    // Controllers mounted together share one group.
    if (roots.has(root)) return root
    try {
      files.mkdir(root)
      made.push(root)
      roots.set(root, root)
      return root
    } catch (error) {
      return { reason: `cannot make ${root} (${describe(error)})` }
    }
  }
  const memory = rootOf("memory")
  const pids = typeof memory === "string" ? rootOf("pids") : memory
  if (typeof memory !== "string" || typeof pids !== "string") {
    for (const dir of made.reverse()) {
      try {
        files.rmdir(dir)
      } catch {
        // Left as it is.
      }
    }
    return (typeof memory !== "string" ? memory : pids as { readonly reason: string }).reason
  }
  const optional = (controller: string) => {
    const root = rootOf(controller)
    return typeof root === "string" ? root : undefined
  }
  return V1.make(files, { memory, pids, cpu: optional("cpu"), cpuacct: optional("cpuacct"), freezer: optional("freezer") })
}
