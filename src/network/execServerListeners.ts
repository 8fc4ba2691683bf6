/**
 * Whether a local destination a proxy would connect to is another
 * exec-server's listener on this host (issue 82): any of ours (a binary, an
 * executor, an application that composes our server) or the reference's
 * (`codex exec-server`). A sandboxed process that reached one, through its
 * proxy, would be let in as the proxy's holder (this server, unconfined)
 * and get unconfined processes there; so a proxy never connects to one,
 * whatever the rules say, as it never connects to its own (serverListeners.ts).
 *
 * Who is an exec-server: each of ours says so by its mark
 * (sandbox/execServerMark.ts); the reference by its command line. Whose listener it is: the
 * one that holds its socket among its descriptors. Where that cannot be
 * read (another user's process, a server not run as root), a listener of
 * an exec-server's uid is taken for that server's (fail closed).
 */
import { commandLineOf, descriptorsOf, processIds, statusOf, unixSocketTable } from "../procfs/processes.js"
import { markedPids } from "../sandbox/execServerMark.js"
import { localListenersAt } from "./serverListeners.js"

/** How long what was read of the host's processes is taken as still true. */
const FRESH_MS = 1_000

/** Whether a command line (its NUL-separated arguments) is the reference's exec-server: `codex … exec-server …`. */
export const isReferenceCommand = (cmdline: string): boolean => {
  const args = cmdline.split("\0").filter((arg) => arg !== "")
  const program = args[0]?.split("/").at(-1) ?? ""
  return /^codex(-|$)/.test(program) && args.slice(1).includes("exec-server")
}

let known: { readonly at: number; readonly pids: ReadonlyArray<number> } | undefined

/** The exec-servers on the host but this process: marked ones and the reference's. */
const execServers = (): ReadonlyArray<number> => {
  const now = Date.now()
  if (known !== undefined && now - known.at < FRESH_MS) return known.pids
  const pids = new Set(markedPids(unixSocketTable()))
  for (const pid of processIds()) {
    const cmdline = commandLineOf(pid)
    if (cmdline !== undefined && isReferenceCommand(cmdline)) pids.add(pid)
  }
  pids.delete(process.pid)
  known = { at: now, pids: [...pids] }
  return known.pids
}

/** The real uid of `pid`, or undefined when it is gone. */
const uidOf = (pid: number): string | undefined => statusOf(pid)?.get("Uid")?.split(/\s+/)[0]

/**
 * Whether connecting to `address:port` over TCP may reach another
 * exec-server's listener on this host. Only a local destination that a
 * socket listens at is looked further into; one no exec-server listens
 * behind is left to the rules.
 */
export const isOtherExecServerListener = (address: string, port: number): boolean => {
  const listeners = localListenersAt(address, port, "tcp")
  if (listeners === undefined) return true
  if (listeners.length === 0) return false
  const links = new Set(listeners.map((row) => `socket:[${row.inode}]`))
  const owners = new Set(listeners.map((row) => row.uid))
  return execServers().some((pid) => {
    const fds = descriptorsOf(pid)
    if (fds !== false) return fds.some((fd) => fd.target !== undefined && links.has(fd.target))
    const uid = uidOf(pid)
    return uid !== undefined && owners.has(uid)
  })
}
