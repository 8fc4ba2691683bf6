/**
 * Whether the process at the other end of a TCP connection to this server
 * runs in one of its sandboxes. A sandbox with network shares the host's
 * network namespace, so it can reach the server's own listener; were it let
 * in, it could start unconfined processes, and a sandbox must never be a way
 * out of itself. The kernel knows who holds the other end: the socket's row
 * in /proc/net/tcp{,6} (whose local end is the connection's remote end)
 * names its inode, and a process holds it when one of its descriptors links
 * to `socket:[inode]`. Every thread's table of every process is searched,
 * this server's own sandboxes (its descendants in another PID namespace,
 * whatever network namespace they have moved to) first; a holder confined
 * as a sandbox is (anyone's) is refused as well, which is what the gateway,
 * which has no sandboxes of its own, checks.
 */
import * as Fs from "node:fs"
import * as Net from "node:net"
import { childrenOf, directoryEntries, linkTarget } from "./procfs.js"

/** The two ends of an accepted TCP connection, as Node reports them. */
export interface TcpEnds {
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
  readonly remoteAddress?: string | undefined
  readonly remotePort?: number | undefined
}

/** An address in one canonical text form, IPv4 as IPv4-mapped IPv6 (a dual-stack listener sees IPv4 peers so). */
const canonical = (address: string): string | undefined => {
  try {
    return new URL(`http://[${Net.isIPv4(address) ? `::ffff:${address}` : address}]`).hostname
  } catch {
    return undefined
  }
}

/** `address:port` of /proc/net/tcp's hex form (each 32-bit word of the address in this machine's little-endian order). */
const endOfRow = (hex: string): string | undefined => {
  const [address, port] = hex.split(":")
  if (address === undefined || port === undefined) return undefined
  const words = address.match(/.{8}/g) ?? []
  const bytes = words.flatMap((word) => [...Buffer.from(word, "hex").reverse()])
  const text = bytes.length === 4
    ? bytes.join(".")
    : Array.from({ length: 8 }, (_, index) => ((bytes[index * 2]! << 8) | bytes[index * 2 + 1]!).toString(16)).join(":")
  const normal = canonical(text)
  return normal === undefined ? undefined : `${normal}:${parseInt(port, 16)}`
}

/** The inode of the socket whose local end is `local` and remote end `remote`, if this network namespace has it. */
const inodeOf = (local: string, remote: string): string | undefined => {
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string
    try {
      text = Fs.readFileSync(table, "latin1")
    } catch {
      continue
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10) continue
      if (endOfRow(fields[1]!) === local && endOfRow(fields[2]!) === remote) return fields[9]
    }
  }
  return undefined
}

/** The names in a directory; `false` when it cannot be read for a reason other than its being gone. */
const entriesOrDenied = (path: string): ReadonlyArray<string> | false => {
  try {
    return Fs.readdirSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === "ENOENT" || code === "ESRCH" ? [] : false
  }
}

/** Whether the descriptor table at `fdDirectory` holds `link`; undefined when it cannot be read. */
const tableHolds = (fdDirectory: string, link: string): boolean | undefined => {
  const fds = entriesOrDenied(fdDirectory)
  return fds === false ? undefined : fds.some((fd) => linkTarget(`${fdDirectory}/${fd}`) === link)
}

/**
 * Whether a thread of `pid` holds `link` among its descriptors; undefined
 * when one of its tables cannot be read. Every thread's table is searched: a
 * thread made without CLONE_FILES has a table of its own (the seccomp
 * filter forbids it in our sandboxes; this holds without it).
 */
const anyThreadHolds = (pid: number, link: string): boolean | undefined => {
  const tasks = entriesOrDenied(`/proc/${pid}/task`)
  if (tasks === false) return undefined
  let unreadable = false
  for (const task of tasks) {
    const held = tableHolds(`/proc/${pid}/task/${task}/fd`, link)
    if (held === true) return true
    if (held === undefined) unreadable = true
  }
  return unreadable ? undefined : false
}

/** This process's descendants in a PID namespace other than its own: its sandboxes, in whatever network namespace they are now. */
const sandboxedDescendants = (): Array<number> => {
  const ownPid = linkTarget("/proc/self/ns/pid")
  const found: Array<number> = []
  const pending = childrenOf(process.pid)
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    if (linkTarget(`/proc/${pid}/ns/pid`) !== ownPid) found.push(pid)
    pending.push(...childrenOf(pid))
  }
  return found
}

/**
 * Whether `pid` is confined as a sandbox is (anyone's: bubblewrap's, ours,
 * another server's): in another PID namespace, with a seccomp filter and
 * no_new_privs, none of which a process can undo.
 */
const isConfined = (pid: number): boolean => {
  if (linkTarget(`/proc/${pid}/ns/pid`) === linkTarget("/proc/self/ns/pid")) return false
  let status: string
  try {
    status = Fs.readFileSync(`/proc/${pid}/status`, "latin1")
  } catch {
    return false
  }
  return /^Seccomp:\s*2$/m.test(status) && /^NoNewPrivs:\s*1$/m.test(status)
}

/** What a listener asks of the process at the other end of a connection from this host. */
export interface PeerCheck {
  /** Search this process's sandboxed descendants first (a server with sandboxes). */
  readonly ownSandboxes: boolean
}

/**
 * Why the connection must be refused, or undefined when it may go on: its
 * other end is not on this host, or is held by a process that is not in a
 * sandbox. A connection from this host whose socket no process we can see
 * holds is refused too (fail closed): a sandboxed process can hide its end
 * in flight (sent over a socket pair to itself) while we look, and a
 * process we may not look at (another user's, when the server is not root)
 * may be a sandbox's.
 */
export const peerRefusal = (ends: TcpEnds, check: PeerCheck): string | undefined => {
  const { localAddress, localPort, remoteAddress, remotePort } = ends
  if (localAddress === undefined || remoteAddress === undefined) return undefined
  const local = canonical(localAddress)
  const remote = canonical(remoteAddress)
  if (local === undefined || remote === undefined) return undefined
  // The peer's socket: its local end is our remote end. Absent: another host's.
  const inode = inodeOf(`${remote}:${remotePort}`, `${local}:${localPort}`)
  if (inode === undefined) return undefined
  const link = `socket:[${inode}]`
  const searched = new Set<number>()
  if (check.ownSandboxes) {
    for (const pid of sandboxedDescendants()) {
      searched.add(pid)
      // A sandbox whose table we cannot read is taken for the holder.
      if (anyThreadHolds(pid, link) !== false) return `the peer is a process in one of this server's sandboxes (pid ${pid})`
    }
  }
  // The first holder decides (a sandboxed process cannot make an unconfined one
  // hold its socket). Newest first: a client is most often younger than the
  // host's daemons. Only a process's main table is read here: a holder hidden
  // in a thread's own table is not found, and not finding one refuses.
  const pids = directoryEntries("/proc").map(Number).filter((pid) => Number.isInteger(pid) && !searched.has(pid))
  for (const pid of pids.sort((a, b) => b - a)) {
    if (tableHolds(`/proc/${pid}/fd`, link) !== true) continue
    return isConfined(pid) ? `the peer is a sandboxed process (pid ${pid}: a seccomp filter, no_new_privs, another PID namespace)` : undefined
  }
  return "no process this server can see holds the peer's end of the connection (passed in flight, or another user's)"
}
