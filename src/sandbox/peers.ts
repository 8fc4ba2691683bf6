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
 * which has no sandboxes of its own, checks. A connection one of this
 * server's managed proxies opened is held by the server itself: it is
 * taken for the process the proxy serves (proxiedConnections.ts), and
 * refused when that one is sandboxed (issue 67).
 */
import { upstreamOwnerOf } from "./proxiedConnections.js"
import { childrenOf, descriptorsOf, linkTarget, pidNamespaceOf, processIds, statusOf, threadsOf } from "../procfs/processes.js"
import { canonicalAddress, type RowEnd, socketRows, UNSPECIFIED_ADDRESSES } from "../procfs/socketTable.js"

/** The two ends of an accepted TCP connection, as Node reports them. */
export interface TcpEnds {
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
  readonly remoteAddress?: string | undefined
  readonly remotePort?: number | undefined
}

/** The inode of the socket whose local end is `local` and remote end `remote`, if this network namespace has it. */
const inodeOf = (local: RowEnd, remote: RowEnd): string | undefined =>
  socketRows("tcp", (key) => key.localPort === local.port && key.remotePort === remote.port)?.find((row) =>
    row.local.address === local.address && row.local.port === local.port && row.remote.address === remote.address &&
    row.remote.port === remote.port
  )?.inode

/** Whether the descriptor table of `pid` (of its thread `thread`) holds `link`; undefined when it cannot be read. */
const tableHolds = (link: string, pid: number, thread?: string): boolean | undefined => {
  const fds = descriptorsOf(pid, thread)
  return fds === false ? undefined : fds.some((fd) => fd.target === link)
}

/**
 * Whether a thread of `pid` holds `link` among its descriptors; undefined
 * when one of its tables cannot be read. Every thread's table is searched: a
 * thread made without CLONE_FILES has a table of its own (the seccomp
 * filter forbids it in our sandboxes; this holds without it).
 */
const anyThreadHolds = (pid: number, link: string): boolean | undefined => {
  const tasks = threadsOf(pid)
  if (tasks === false) return undefined
  let unreadable = false
  for (const task of tasks) {
    const held = tableHolds(link, pid, task)
    if (held === true) return true
    if (held === undefined) unreadable = true
  }
  return unreadable ? undefined : false
}

/** `root` and its descendants, as /proc shows them now (`root` alone once it is gone). */
const treeOf = (root: number): Array<number> => {
  const found: Array<number> = []
  const seen = new Set<number>()
  const pending = [root]
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    if (seen.has(pid)) continue
    seen.add(pid)
    found.push(pid)
    pending.push(...childrenOf(pid))
  }
  return found
}

/** This process's descendants in a PID namespace other than its own: its sandboxes, in whatever network namespace they are now. */
const sandboxedDescendants = (): Array<number> => {
  const ownPid = pidNamespaceOf("self")
  return treeOf(process.pid).filter((pid) => pidNamespaceOf(pid) !== ownPid)
}

/**
 * Whether `pid` is confined as a sandbox is (anyone's: bubblewrap's, ours,
 * another server's): in another PID namespace, with a seccomp filter and
 * no_new_privs, none of which a process can undo.
 */
const isConfined = (pid: number): boolean => {
  if (pidNamespaceOf(pid) === pidNamespaceOf("self")) return false
  const status = statusOf(pid)
  // Seccomp 2: a filter (1 would be strict mode).
  return status?.get("Seccomp") === "2" && status.get("NoNewPrivs") === "1"
}

/**
 * Why a connection whose other end is one of this server's proxies' upstream
 * sockets must be refused: the process the proxy serves runs in a sandbox.
 * Undefined for any other connection.
 */
export const proxiedPeerRefusal = (ends: TcpEnds): string | undefined => {
  const owner = upstreamOwnerOf(ends)
  return owner?.sandboxed === true
    ? `the peer is this server's managed proxy for process ${JSON.stringify(owner.processId)}, which runs in a sandbox`
    : undefined
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
  const proxied = proxiedPeerRefusal(ends)
  if (proxied !== undefined) return proxied
  const local = canonicalAddress(localAddress)
  const remote = canonicalAddress(remoteAddress)
  if (local === undefined || remote === undefined || localPort === undefined || remotePort === undefined) return undefined
  // The peer's socket: its local end is our remote end. Absent: another host's.
  const inode = inodeOf({ address: remote, port: remotePort }, { address: local, port: localPort })
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
  const pids = processIds().filter((pid) => !searched.has(pid))
  for (const pid of pids.sort((a, b) => b - a)) {
    if (tableHolds(link, pid) !== true) continue
    return isConfined(pid) ? `the peer is a sandboxed process (pid ${pid}: a seccomp filter, no_new_privs, another PID namespace)` : undefined
  }
  return "no process this server can see holds the peer's end of the connection (passed in flight, or another user's)"
}

/** One end of a UDP exchange: an address Node reports and a port. */
export interface UdpEnd {
  readonly address: string
  readonly port: number
}

/** A socket a process tree holds, and where: what `stillHeld` reads again. */
export interface HeldSocket {
  readonly inode: string
  /** The /proc link of the descriptor that holds it. */
  readonly path: string
}

/**
 * The UDP sockets that could have sent a datagram from `from` to `to` (a
 * socket of this server's on loopback), found in /proc/net/udp{,6}: bound
 * to `from`'s port on its address or a wildcard, and not connected
 * elsewhere than `to`; undefined when the tables cannot be read.
 */
const udpSenders = (from: UdpEnd, to: UdpEnd): ReadonlyArray<string> | undefined => {
  const address = canonicalAddress(from.address)
  const destination = canonicalAddress(to.address)
  if (address === undefined || destination === undefined) return []
  const rows = socketRows("udp", (key) => key.localPort === from.port && (key.remotePort === 0 || key.remotePort === to.port))
  return rows?.filter((row) =>
    (row.local.address === address || UNSPECIFIED_ADDRESSES.has(row.local.address)) &&
    (row.remote.port === 0 ? UNSPECIFIED_ADDRESSES.has(row.remote.address) : row.remote.address === destination)
  ).map((row) => row.inode)
}

/**
 * The sockets that sent a datagram from `from` to `to`, when a process of
 * the tree of `root` (the process a proxy serves, and its descendants)
 * holds each; undefined otherwise. Fail closed: no such socket (closed
 * since it sent, or not to be seen), or one that no process of the tree
 * holds (another local process's, bound to the same port with
 * SO_REUSEADDR as a datagram from either looks the same), refuses. Every
 * thread's table is searched.
 */
export const udpSenderInTree = (root: number, from: UdpEnd, to: UdpEnd): ReadonlyArray<HeldSocket> | undefined => {
  const inodes = udpSenders(from, to)
  if (inodes === undefined || inodes.length === 0) return undefined
  const wanted = new Map(inodes.map((inode) => [`socket:[${inode}]`, inode]))
  const held = new Map<string, HeldSocket>()
  for (const pid of treeOf(root)) {
    const tasks = threadsOf(pid)
    for (const task of tasks === false ? [] : tasks) {
      const fds = descriptorsOf(pid, task)
      for (const fd of fds === false ? [] : fds) {
        const inode = fd.target === undefined ? undefined : wanted.get(fd.target)
        if (inode !== undefined && !held.has(inode)) held.set(inode, { inode, path: `/proc/${pid}/task/${task}/fd/${fd.fd}` })
      }
    }
    if (held.size === wanted.size) return [...held.values()]
  }
  return undefined
}

/** Whether the descriptor where a socket was found holds it still: a readlink, not a search. */
export const stillHeld = (socket: HeldSocket): boolean => linkTarget(socket.path) === `socket:[${socket.inode}]`
