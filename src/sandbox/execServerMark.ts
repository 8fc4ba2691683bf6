/**
 * Each of our servers that listens says so on its host, so that another
 * exec-server's proxies never connect to it for their processes (a
 * sandboxed process there would be let in as that server, unconfined;
 * network/execServerListeners.ts): an abstract UNIX socket named for its
 * pid (`@exec-server:<pid>`), listed in /proc/net/unix, which every process
 * of the network namespace reads. A sandboxed process cannot make one (its
 * seccomp filter refuses AF_UNIX sockets); another process that makes one
 * only has its own listeners refused to others' sandboxed processes.
 */
import * as Net from "node:net"

/** The abstract socket name's prefix (after its NUL). */
const MARK_PREFIX = "exec-server:"

let marked: Net.Server | undefined

/**
 * Says on this host that this process serves exec-server's protocol (other
 * servers' proxies then never connect to its listeners). Once per process;
 * it does not keep the process alive. A failure (no AF_UNIX, a name taken)
 * is ignored: the mark is defence for the others, not a need of ours.
 */
export const markThisProcess = (): void => {
  if (marked !== undefined || process.platform !== "linux") return
  const server = Net.createServer((socket) => socket.destroy())
  server.on("error", () => {})
  server.listen({ path: `\0${MARK_PREFIX}${process.pid}` })
  server.unref()
  marked = server
}

/** Pids of the processes that say they are exec-servers (their marks in /proc/net/unix). */
export const markedPids = (table: string): Array<number> => {
  const pids: Array<number> = []
  for (const line of table.split("\n")) {
    const at = line.indexOf(` @${MARK_PREFIX}`)
    if (at === -1) continue
    const pid = Number(line.slice(at + 2 + MARK_PREFIX.length).trim())
    if (Number.isInteger(pid) && pid > 0) pids.push(pid)
  }
  return pids
}
