/**
 * What /proc says of processes: their children, descriptors, namespaces,
 * state, status fields, limits and mapped files. Every reader here is the
 * only one of its file in src/; each answers undefined (or nothing) rather
 * than throwing when the process or file is gone or cannot be read. The
 * parsers take the file's text, so tests give them fixed samples.
 */
import * as Fs from "node:fs"
import * as FsPromises from "node:fs/promises"

/** A process of /proc: a pid, or this process. */
export type Pid = number | "self"

/** Where a symlink (a /proc link too) points, or undefined. */
export const linkTarget = (path: string): string | undefined => {
  try {
    return Fs.readlinkSync(path)
  } catch {
    return undefined
  }
}

/** The names in a directory, or none. */
export const directoryEntries = (path: string): ReadonlyArray<string> => {
  try {
    return Fs.readdirSync(path)
  } catch {
    return []
  }
}

/** The names in a directory; `false` when it cannot be read for a reason other than its being gone (another user's process). */
const entriesOrDenied = (path: string): ReadonlyArray<string> | false => {
  try {
    return Fs.readdirSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === "ENOENT" || code === "ESRCH" ? [] : false
  }
}

const readText = (path: string): string | undefined => {
  try {
    return Fs.readFileSync(path, "latin1")
  } catch {
    return undefined
  }
}

/** The pids of the processes this PID namespace's /proc shows. */
export const processIds = (): Array<number> =>
  directoryEntries("/proc").map(Number).filter((pid) => Number.isInteger(pid))

/** The thread ids of `pid`; `false` when they cannot be read (not gone: denied). */
export const threadsOf = (pid: Pid): ReadonlyArray<string> | false => entriesOrDenied(`/proc/${pid}/task`)

/** The children of every thread of `pid` (a child belongs to the thread that started it). */
export const childrenOf = (pid: Pid): Array<number> =>
  directoryEntries(`/proc/${pid}/task`).flatMap((task) => parseChildren(readText(`/proc/${pid}/task/${task}/children`) ?? ""))

/** The pids of a `task/TID/children` file. */
export const parseChildren = (text: string): Array<number> =>
  text.split(" ").filter((token) => token.trim() !== "").map(Number)

/**
 * The descriptor table of `pid` (of its thread `thread` if given): each
 * descriptor's number and what it points to (`socket:[INODE]`, a path);
 * `false` when the table cannot be read (not gone: denied).
 */
export const descriptorsOf = (pid: Pid, thread?: string): ReadonlyArray<{ readonly fd: number; readonly target: string | undefined }> | false => {
  const directory = thread === undefined ? `/proc/${pid}/fd` : `/proc/${pid}/task/${thread}/fd`
  const names = entriesOrDenied(directory)
  return names === false ? false : names.map((name) => ({ fd: Number(name), target: linkTarget(`${directory}/${name}`) }))
}

/** Where descriptor `fd` of `pid` points (a terminal's path, `socket:[INODE]`), or undefined. */
export const descriptorTarget = (pid: Pid, fd: number): string | undefined => linkTarget(descriptorPath(pid, fd))

/** The /proc path naming descriptor `fd` of `pid`: what opens or watches it reaches the file the descriptor holds, no path resolved again. */
export const descriptorPath = (pid: Pid, fd: number): string => `/proc/${pid}/fd/${fd}`

/** The /proc path naming this process's descriptor `fd`. */
export const ownDescriptorPath = (fd: number): string => descriptorPath("self", fd)

/** The path of the file this process's descriptor `fd` holds, as the kernel names it now; rejects as readlink does. */
export const realPathOfOwnDescriptor = (fd: number): Promise<string> => FsPromises.readlink(ownDescriptorPath(fd))

/** The socket inode of a descriptor's target (`socket:[INODE]`), or undefined. */
export const socketInodeOf = (target: string | undefined): string | undefined =>
  target === undefined ? undefined : /^socket:\[(\d+)\]$/.exec(target)?.[1]

/** The descriptors of this process and their open flags (`fdinfo`'s `flags:`, octal), those closed meanwhile left out. */
export const ownDescriptorFlags = (): Array<{ readonly fd: number; readonly flags: number }> => {
  const found: Array<{ fd: number; flags: number }> = []
  for (const name of directoryEntries("/proc/self/fd")) {
    const flags = parseFdinfoFlags(readText(`/proc/self/fdinfo/${name}`) ?? "")
    if (flags !== undefined) found.push({ fd: Number(name), flags })
  }
  return found
}

/** The open flags of an `fdinfo` file (its `flags:` line, octal). */
export const parseFdinfoFlags = (text: string): number | undefined => {
  const flags = /^flags:\s*([0-7]+)$/m.exec(text)?.[1]
  return flags === undefined ? undefined : parseInt(flags, 8)
}

/** The PID namespace of `pid` (its `ns/pid` link, `pid:[INODE]`), or undefined. */
export const pidNamespaceOf = (pid: Pid): string | undefined => linkTarget(`/proc/${pid}/ns/pid`)

/** A `stat` file's fields from the third (the state) on: after the command, which may hold spaces and parentheses. */
const statFieldsAfterCommand = (text: string): Array<string> | undefined => {
  const end = text.lastIndexOf(")")
  return end === -1 ? undefined : text.slice(end + 2).split(" ")
}

/** The state letter of a `stat` file (`R`, `S`, `Z`...). */
export const parseStatState = (text: string): string | undefined => statFieldsAfterCommand(text)?.[0]?.[0]

/** The state letter of `pid` (`Z` a zombie), or undefined when it is gone. */
export const stateOf = (pid: Pid): string | undefined => {
  const text = readText(`/proc/${pid}/stat`)
  return text === undefined ? undefined : parseStatState(text)
}

/** The start time of a `stat` file (field 22, clock ticks after boot): with the pid, it names one process for the machine's uptime. */
export const parseStatStartTime = (text: string): string | undefined => {
  const field = statFieldsAfterCommand(text)?.[19]
  return field !== undefined && /^[0-9]+$/.test(field) ? field : undefined
}

/** The start time of `pid` (see parseStatStartTime), or undefined when it is gone. */
export const startTimeOf = (pid: Pid): string | undefined => {
  const text = readText(`/proc/${pid}/stat`)
  return text === undefined ? undefined : parseStatStartTime(text)
}

/** The fields of a `status` file, by name (`Seccomp`, `NSpid`...), their values trimmed. */
export const parseStatus = (text: string): ReadonlyMap<string, string> => {
  const fields = new Map<string, string>()
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":")
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  return fields
}

/** The fields of `pid`'s status, or undefined when it is gone. */
export const statusOf = (pid: Pid): ReadonlyMap<string, string> | undefined => {
  const text = readText(`/proc/${pid}/status`)
  return text === undefined ? undefined : parseStatus(text)
}

/** A process's soft limits (`limits`), by name (`Max open files`...): a number, or undefined when unlimited. */
export const parseLimits = (text: string): ReadonlyMap<string, number | undefined> => {
  const limits = new Map<string, number | undefined>()
  for (const line of text.split("\n")) {
    // The name, then soft, hard and units in columns: "Max open files            1024                 1048576              files"
    const match = /^(Max [a-z ]+?)\s{2,}(\S+)/.exec(line)
    if (match !== null) limits.set(match[1]!, match[2] === "unlimited" ? undefined : Number(match[2]))
  }
  return limits
}

/** This process's soft limits, or undefined where /proc/self/limits cannot be read (not Linux). */
export const ownLimits = (): ReadonlyMap<string, number | undefined> | undefined => {
  const text = readText("/proc/self/limits")
  return text === undefined ? undefined : parseLimits(text)
}

/**
 * This process's soft limit of open files (RLIMIT_NOFILE), from
 * `/proc/self/limits` or the text of one (Node has no getrlimit; at
 * start-up it raises the soft limit to the hard one). Undefined where that
 * file cannot be read (not Linux) or says `unlimited`.
 */
export const openFileLimit = (limits?: string): number | undefined =>
  (limits === undefined ? ownLimits() : parseLimits(limits))?.get("Max open files")

/** The open-file limit the server's defaults are derived from where `openFileLimit` says none. */
export const ASSUMED_OPEN_FILES = 8192

/** The files a `maps` file maps (its paths, each once, in order). */
export const parseMappedFiles = (text: string): Array<string> => {
  const files = new Set<string>()
  for (const line of text.split("\n")) {
    const at = line.indexOf("/")
    if (at !== -1) files.add(line.slice(at))
  }
  return [...files]
}

/** The files this process maps (its executable, its shared libraries), or none where /proc cannot be read. */
export const ownMappedFiles = (): Array<string> => parseMappedFiles(readText("/proc/self/maps") ?? "")

/** A process's command line, its arguments each ended by a NUL; undefined once it is gone (or unreadable). */
export const commandLineOf = (pid: Pid): string | undefined => readText(`/proc/${pid}/cmdline`)

/** The network namespace's Unix sockets (/proc/net/unix; an abstract name is shown with `@` for its NUL). */
export const unixSocketTable = (): string => readText("/proc/net/unix") ?? ""

/** This process's cgroups (`/proc/self/cgroup`: `ID:CONTROLLERS:PATH` a line). */
export const ownCgroups = (): string => Fs.readFileSync("/proc/self/cgroup", "utf8")

/** This process's mounts (`/proc/self/mounts`), where the cgroup hierarchies are found. */
export const ownMounts = (): string => Fs.readFileSync("/proc/self/mounts", "utf8")
