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
}

/** TCP's LISTEN in the tables' `st` column. */
export const TCP_LISTEN = "0A"

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

/**
 * The rows of the tables of one transport (IPv4's and IPv6's), or undefined
 * when neither could be read (no /proc: nothing can be said).
 */
export const socketRows = (transport: "tcp" | "udp"): ReadonlyArray<SocketRow> | undefined => {
  const rows: Array<SocketRow> = []
  let read = false
  for (const table of [`/proc/net/${transport}`, `/proc/net/${transport}6`]) {
    let text: string
    try {
      text = Fs.readFileSync(table, "latin1")
    } catch {
      continue
    }
    read = true
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10) continue
      const local = endOfRow(fields[1]!)
      const remote = endOfRow(fields[2]!)
      if (local !== undefined && remote !== undefined) rows.push({ local, remote, state: fields[3]!, inode: fields[9]! })
    }
  }
  return read ? rows : undefined
}
