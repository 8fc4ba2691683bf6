/**
 * The `Host` check of the WebSocket listener, against DNS rebinding: a page
 * on an attacker's domain whose name resolves to 127.0.0.1 reaches the
 * listener with `Host: attacker.example`, so only the names the server is
 * known by are let in. Kept apart from the listener so that the command
 * line can check `--allow-host` values without loading it.
 */
import * as Net from "node:net"

/** A host name (lower case; an IPv6 address without brackets, in canonical form) and the port, if one was given. */
export interface HostAndPort {
  readonly name: string
  readonly port: number | undefined
}

/** `[v6]`, or a name or IPv4 address, then an optional `:port`. */
const HOST_AND_PORT = /^(\[[0-9a-f:.]+\]|[^[\]:\s/\\@]+)(?::(\d{1,5}))?$/i

/** An IPv6 address in the form URLs give it (`0:0:0:0:0:0:0:1` is `::1`), so that equal addresses compare equal. */
const canonicalIPv6 = (address: string): string => new URL(`http://[${address}]/`).hostname.slice(1, -1)

/** Splits a `Host` header value (or an `--allow-host` value); undefined when it is not `NAME[:PORT]` or `[IPv6][:PORT]`. */
export const parseHost = (value: string): HostAndPort | undefined => {
  const match = HOST_AND_PORT.exec(value)
  if (match === null) return undefined
  let name = match[1]!.toLowerCase()
  if (name.startsWith("[")) {
    name = name.slice(1, -1)
    if (!Net.isIPv6(name)) return undefined
    name = canonicalIPv6(name)
  }
  const port = match[2] === undefined ? undefined : Number(match[2])
  if (port !== undefined && port > 65535) return undefined
  return { name, port }
}

/**
 * Parses an `--allow-host` value: a host name or IP address (IPv6 in
 * brackets), optionally with a port. A message when it is not one.
 */
export const parseAllowedHost = (value: string): HostAndPort | string => {
  const parsed = parseHost(value.trim())
  if (parsed === undefined || (Net.isIP(parsed.name) === 0 && !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(parsed.name))) {
    return `--allow-host: expected NAME or NAME:PORT (IPv6 in brackets), got ${JSON.stringify(value)}`
  }
  return parsed
}

/** True for the addresses that listen on every interface. */
export const isWildcard = (host: string): boolean => host === "0.0.0.0" || (Net.isIPv6(host) && canonicalIPv6(host) === "::")

/**
 * Whether a request's `Host` header names this server: `localhost`, the
 * address it listens on (any IP address when that is a wildcard: an IP
 * literal cannot be rebound), or an allowed name. Names compare without
 * regard to case; the port is compared only when the allowed name has one
 * (tunnels and port mappings change it, and rebinding is about names). A
 * missing or malformed `Host` is not allowed.
 */
export const hostAllowed = (
  header: string | undefined,
  listenHost: string,
  allowHosts: ReadonlyArray<HostAndPort>
): boolean => {
  if (header === undefined) return false
  const host = parseHost(header)
  if (host === undefined) return false
  if (host.name === "localhost") return true
  if (Net.isIP(host.name) !== 0) {
    if (isWildcard(listenHost)) return true
    if (host.name === (Net.isIPv6(listenHost) ? canonicalIPv6(listenHost) : listenHost)) return true
  }
  return allowHosts.some((allowed) => allowed.name === host.name && (allowed.port === undefined || allowed.port === host.port))
}
