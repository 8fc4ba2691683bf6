/**
 * The kernel's tables of this network namespace's sockets
 * (/proc/net/{tcp,tcp6,udp,udp6}), as the own-server refusal (peers.ts) and
 * the proxies' refusal of the server's own listeners
 * (network/serverListeners.ts) read them: each row's two ends, its state
 * and its inode, which a process holds when one of its descriptors links
 * to `socket:[inode]`.
 */
import * as Fs from "node:fs"
import * as Net from "node:net"

/** An address in one canonical text form, IPv4 as IPv4-mapped IPv6 (a dual-stack listener sees IPv4 peers so). */
export const canonicalAddress = (address: string): string | undefined => {
  try {
    return new URL(`http://[${Net.isIPv4(address) ? `::ffff:${address}` : address}]`).hostname
  } catch {
    return undefined
  }
}

/** The unspecified addresses (0.0.0.0, ::) in canonical form: a socket bound to one is bound to every address. */
export const UNSPECIFIED_ADDRESSES: ReadonlySet<string> = new Set([canonicalAddress("0.0.0.0")!, canonicalAddress("::")!])

/** One end of a row: its canonical address and its port. */
export interface RowEnd {
  readonly address: string
  readonly port: number
}

/** One socket of a table. */
export interface SocketRow {
  readonly local: RowEnd
  readonly remote: RowEnd
  /** The kernel's state, as the table writes it (`0A` is TCP's LISTEN). */
  readonly state: string
  readonly inode: string
  /** The uid that made it. */
  readonly uid: string
}

/** TCP's LISTEN in the tables' `st` column. */
export const TCP_LISTEN = "0A"

/** TCP's SYN_RECV: a connection not yet accepted, which older kernels list among the listeners. */
const TCP_SYN_RECV = "03"

/** `address:port` of a table's hex form (each 32-bit word of the address in this machine's little-endian order). */
const endOfRow = (hex: string): RowEnd | undefined => {
  const [address, port] = hex.split(":")
  if (address === undefined || port === undefined) return undefined
  const words = address.match(/.{8}/g) ?? []
  const bytes = words.flatMap((word) => [...Buffer.from(word, "hex").reverse()])
  const text = bytes.length === 4
    ? bytes.join(".")
    : Array.from({ length: 8 }, (_, index) => ((bytes[index * 2]! << 8) | bytes[index * 2 + 1]!).toString(16)).join(":")
  const normal = canonicalAddress(text)
  return normal === undefined ? undefined : { address: normal, port: parseInt(port, 16) }
}

/** A row's ports and state, read before its addresses (which cost more to read): what `socketRows` keeps by. */
export interface RowKey {
  readonly localPort: number
  readonly remotePort: number
  readonly state: string
}

/** A table's lines after its heading, read up to the first that `stop` stops at (each read ends the kernel's walk there). */
const tableLines = (table: string, stop: (fields: ReadonlyArray<string>) => boolean): Array<ReadonlyArray<string>> | undefined => {
  let fd: number
  try {
    fd = Fs.openSync(table, "r")
  } catch {
    return undefined
  }
  const lines: Array<ReadonlyArray<string>> = []
  const buffer = Buffer.alloc(READ_BYTES)
  let partial = ""
  let heading = true
  try {
    for (;;) {
      const count = Fs.readSync(fd, buffer, 0, buffer.length, null)
      if (count === 0) return lines
      const text = partial + buffer.toString("latin1", 0, count)
      const complete = text.split("\n")
      partial = complete.pop()!
      for (const line of complete) {
        if (heading) {
          heading = false
          continue
        }
        const fields = line.trim().split(/\s+/)
        if (fields.length < 10) continue
        if (stop(fields)) return lines
        lines.push(fields)
      }
    }
  } catch {
    return undefined
  } finally {
    Fs.closeSync(fd)
  }
}

/** How much of a table one read asks for: the kernel makes its rows a read at a time. */
const READ_BYTES = 4096

/** The IP protocol of a socket table (/proc/net/tcp, /proc/net/udp and their IPv6 twins). */
export type IpProtocol = "tcp" | "udp"

/** A table end's port: the hex after the colon. */
const portOf = (hex: string): number => parseInt(hex.slice(hex.indexOf(":") + 1), 16)

/**
 * The rows of the tables of one IP protocol (IPv4's and IPv6's) that `keep`
 * keeps (all by default), or undefined when neither table could be read
 * (no /proc: nothing can be said). Only a kept row's addresses are read.
 * With `listenersOnly`, a TCP table is read only as far as its listeners
 * go: the kernel lists them first, and walking its table of connections
 * (hundreds of thousands of buckets) is most of a read's cost.
 */
export const socketRows = (
  protocol: IpProtocol,
  keep: (key: RowKey) => boolean = () => true,
  listenersOnly = false
): ReadonlyArray<SocketRow> | undefined => {
  const rows: Array<SocketRow> = []
  let read = false
  const stop = listenersOnly && protocol === "tcp"
    ? (fields: ReadonlyArray<string>) => fields[3] !== TCP_LISTEN && fields[3] !== TCP_SYN_RECV
    : () => false
  for (const table of [`/proc/net/${protocol}`, `/proc/net/${protocol}6`]) {
    const lines = tableLines(table, stop)
    if (lines === undefined) continue
    read = true
    for (const fields of lines) {
      if (!keep({ localPort: portOf(fields[1]!), remotePort: portOf(fields[2]!), state: fields[3]! })) continue
      const local = endOfRow(fields[1]!)
      const remote = endOfRow(fields[2]!)
      if (local !== undefined && remote !== undefined) rows.push({ local, remote, state: fields[3]!, inode: fields[9]!, uid: fields[7]! })
    }
  }
  return read ? rows : undefined
}
