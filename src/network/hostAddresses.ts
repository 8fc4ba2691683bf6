/**
 * The addresses of this host's own interfaces (the server's network
 * namespace), each as `canonicalAddress` writes it: a service bound to a
 * wildcard answers on every one of them, a public-looking one too. The
 * proxies' rules count them local (hostPolicy.ts, read at each check), and the
 * refusal of the server's own listeners counts them this host's
 * (serverListeners.ts, which takes a reading up to a second old).
 */
import * as Os from "node:os"
import { canonicalAddress } from "../procfs/socketTable.js"

let last: { readonly at: number; readonly addresses: ReadonlySet<string> } | undefined

/** Reads them now: none when the interfaces cannot be listed (the address ranges alone decide then). */
const read = (): ReadonlySet<string> => {
  try {
    return new Set(
      Object.values(Os.networkInterfaces()).flatMap((entries) =>
        (entries ?? []).flatMap((entry) => canonicalAddress(entry.address.split("%")[0]!) ?? [])
      )
    )
  } catch {
    return new Set()
  }
}

/** The addresses, read again unless the last reading is at most `maxAgeMs` old (reading them costs about 80 µs). */
export const hostAddresses = (maxAgeMs = 0): ReadonlySet<string> => {
  const now = Date.now()
  if (last === undefined || maxAgeMs === 0 || now - last.at > maxAgeMs || now < last.at) last = { at: now, addresses: read() }
  return last.addresses
}
