/**
 * The file operations the cgroup drivers make, behind one small interface:
 * Node's synchronous calls on a cgroup file system (each is a few
 * microseconds, and the exit's usage is read in a spawner's callback), or a
 * test's fake tree in a temporary directory.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"

/** What a cgroup driver does to files. Each throws Node's errors (with `code`). */
export interface CgroupFiles {
  readonly mkdir: (path: string) => void
  readonly write: (path: string, text: string) => void
  readonly read: (path: string) => string
  readonly exists: (path: string) => boolean
  /** Removes an empty cgroup (a directory whose files are the kernel's). */
  readonly rmdir: (path: string) => void
  /** The child cgroups (directories) of a cgroup. */
  readonly children: (path: string) => ReadonlyArray<string>
}

/** A cgroup file system's files, through Node's synchronous calls. */
export const nodeCgroupFiles: CgroupFiles = {
  mkdir: (path) => Fs.mkdirSync(path),
  // One write(2) of the whole text: a cgroup file takes one value per write.
  write: (path, text) => Fs.writeFileSync(path, text, { flag: "w" }),
  read: (path) => Fs.readFileSync(path, "utf8"),
  exists: (path) => Fs.existsSync(path),
  rmdir: (path) => Fs.rmdirSync(path),
  children: (path) => Fs.readdirSync(path, { withFileTypes: true }).flatMap((entry) => entry.isDirectory() ? [entry.name] : [])
}

/** `path` joined, for the drivers. */
export const join = Path.join

/** The errno code of a thrown Node error, if any. */
export const errnoOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined

/** The pids a `cgroup.procs` file lists. */
export const pidsOf = (text: string): Array<number> =>
  text.split("\n").flatMap((line) => {
    const pid = Number.parseInt(line, 10)
    return Number.isSafeInteger(pid) && pid > 0 ? [pid] : []
  })

/** A `key value` line's value in a flat-keyed file (memory.events, cpu.stat, memory.oom_control), if there. */
export const keyedValue = (text: string, key: string): number | undefined => {
  for (const line of text.split("\n")) {
    const [name, value] = line.trim().split(/\s+/)
    if (name === key && value !== undefined) {
      const number = Number(value)
      return Number.isFinite(number) ? number : undefined
    }
  }
  return undefined
}

/** Reads a file that may be missing (an optional controller's). */
export const readOptional = (files: CgroupFiles, path: string): string | undefined => {
  try {
    return files.read(path)
  } catch {
    return undefined
  }
}

/** Sends SIGKILL to each pid, ignoring those already gone. */
export const killEach = (pids: ReadonlyArray<number>): void => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone already.
    }
  }
}

/** The groups of servers by their pid: their roots (`exec-server.PID.TAG`), and the leaf a v2 server moved itself into (`exec-server.PID.self`). */
const ROOT_NAME = /^exec-server\.(\d+)\.(?:[0-9a-f]+|self)$/

/** Whether a process with this pid exists (one of another user's counts). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errnoOf(error) === "EPERM"
  }
}

/** How many times a stale group is looked at, and how long apart, before its removal is tried all the same. */
const STALE_POLLS = 200
const STALE_POLL_MS = 10

/** Blocks the thread for `ms`: the server's start waits for the kernel to empty a stale group. */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * Removes the root groups under `parent` of servers that are gone (killed
 * with SIGKILL: their finalizers never ran), killing what still runs in
 * them first (`cgroup.kill` on v2, SIGKILL to each pid on v1) and waiting
 * until the kernel has taken the killed processes out (a SIGKILLed process
 * is still a member until it has exited, and its group cannot be removed
 * before); a live server's are not touched, nor a gone one's whose processes
 * holders still keep (`held`: `--keep-processes`; they end them at their
 * TTL, and the first server to start after that removes the root). Best
 * effort: what cannot be removed stays.
 */
export const removeStaleRoots = (files: CgroupFiles, parent: string, held: (rootName: string) => boolean = () => false): void => {
  let names: ReadonlyArray<string>
  try {
    names = files.children(parent)
  } catch {
    return
  }
  for (const name of names) {
    const pid = ROOT_NAME.exec(name)?.[1]
    if (pid === undefined || alive(Number(pid)) || held(name)) continue
    const root = join(parent, name)
    const dirs = descendants(files, root)
    const killFile = join(root, "cgroup.kill")
    const hasKill = files.exists(killFile)
    // A server that died between a freeze and its thaw left a session's group frozen (v1's freezer
    // holds back even a SIGKILL until the thaw, and a group's own freeze outlasts its parent's thaw).
    for (const dir of dirs) thaw(files, dir)
    for (let poll = 0; poll < STALE_POLLS; poll++) {
      const members = dirs.flatMap((dir) => pidsOf(readOptional(files, join(dir, "cgroup.procs")) ?? ""))
      if (members.length === 0) break
      if (poll % 10 === 0) {
        try {
          if (hasKill) files.write(killFile, "1")
          else killEach(members)
        } catch {
          // Gone meanwhile.
        }
      }
      pause(STALE_POLL_MS)
    }
    for (const dir of [...dirs].reverse()) {
      try {
        files.rmdir(dir)
      } catch {
        // Still busy (a process not yet gone): the next server's start tries again.
      }
    }
  }
}

/** Thaws a group, if frozen, in its version's file. */
const thaw = (files: CgroupFiles, dir: string): void => {
  try {
    if (files.exists(join(dir, "freezer.state"))) files.write(join(dir, "freezer.state"), "THAWED")
    else if (files.exists(join(dir, "cgroup.freeze"))) files.write(join(dir, "cgroup.freeze"), "0")
  } catch {
    // Gone meanwhile.
  }
}

/** `dir` and every group below it, parents first. */
const descendants = (files: CgroupFiles, dir: string): Array<string> => {
  let children: ReadonlyArray<string> = []
  try {
    children = files.children(dir)
  } catch {
    // Gone.
  }
  return [dir, ...children.flatMap((child) => descendants(files, join(dir, child)))]
}
