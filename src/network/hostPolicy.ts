/**
 * The managed network proxy's decisions by host (issue 46), as the
 * reference makes them (docs/PROTOCOL.md, "The managed network proxy"):
 * deny rules first; hosts to review go to the client (or are refused when
 * it is not asked); allow rules let a
 * host through, an exact `localhost` or IP literal as it is and anything
 * else only once its resolved addresses are public; an unlisted local host
 * is refused without asking; other unlisted hosts are asked about or
 * refused. The host's own addresses count as local. Pure but for reading
 * those: the proxy resolves, connects and reports.
 */
import * as Net from "node:net"
import { canonicalAddress } from "../procfs/socketTable.js"
import { hostAddresses } from "./hostAddresses.js"
import { ipv6Bytes } from "./ipBytes.js"

/** What `domains` says of a host pattern. */
export type DomainRule = "allow" | "deny" | "none"

/** Why a request is refused (the reference's `reason`). */
export type RefusalReason = "denied" | "not_allowed" | "not_allowed_local"

/** What the rules say of a host, before any address is known. */
export type HostDecision =
  | { readonly _tag: "Refuse"; readonly reason: RefusalReason }
  /** Through; with `checkAddresses`, only to the public addresses it resolves to. */
  | { readonly _tag: "Allow"; readonly checkAddresses: boolean }
  /** The client decides (`network/policyRequest`); an allow then goes on as `Allow` with `checkAddresses`. */
  | { readonly _tag: "Ask"; readonly checkAddresses: boolean }

/** The rules of one process's proxy. */
export interface PolicyOptions {
  readonly domains: Readonly<Record<string, DomainRule>>
  /** Hosts the client always decides; refused when it is not asked. */
  readonly reviewDomains: ReadonlyArray<string>
  /** Whether local and private addresses may be reached. */
  readonly allowLocalBinding: boolean
  /** Whether the client is asked (`policyDecisionTimeoutMs` was given). */
  readonly askClient: boolean
}

/** A host as the rules compare it: lowercase, no brackets, port or trailing dot. */
export const normalizeHost = (input: string): string => {
  const host = input.trim()
  if (host.startsWith("[")) {
    const end = host.indexOf("]")
    if (end !== -1) return bare(host.slice(1, end))
  }
  // One colon is a port (an unbracketed IPv6 literal has several).
  const colons = host.split(":").length - 1
  return bare(colons === 1 ? host.slice(0, host.indexOf(":")) : host)
}

const bare = (host: string): string => host.toLowerCase().replace(/\.+$/, "")

/** Matches a normalized host. */
type HostMatcher = (host: string) => boolean

/**
 * A pattern's matcher: `example.com` exactly (a `*` or `?` in it matching
 * within the name, as the reference's globs do), `*.example.com` any
 * subdomain, `**.example.com` the apex and any subdomain, `*` every host.
 */
const matcherOf = (pattern: string): { readonly match: HostMatcher; readonly exact: string | undefined } => {
  const trimmed = pattern.trim()
  if (trimmed === "*") return { match: () => true, exact: undefined }
  if (trimmed.startsWith("**.")) {
    const domain = normalizeHost(trimmed.slice(3))
    const sub = globOf(`?*.${domain}`)
    return { match: (host) => host === domain || sub(host), exact: undefined }
  }
  if (trimmed.startsWith("*.")) return { match: globOf(`?*.${normalizeHost(trimmed.slice(2))}`), exact: undefined }
  const exact = normalizeHost(trimmed)
  return /[*?]/.test(exact) ? { match: globOf(exact), exact: undefined } : { match: (host) => host === exact, exact }
}

/** A host glob: `*` any run of characters, `?` one character, the rest literal. */
const globOf = (glob: string): HostMatcher => {
  const source = [...glob].map((char) => char === "*" ? ".*" : char === "?" ? "." : char.replace(/[\\^$.|+()[\]{}]/g, "\\$&")).join("")
  const regex = new RegExp(`^${source}$`)
  return (host) => regex.test(host)
}

/** Why the rules cannot be used (the reference refuses a global `*` among the denials), or undefined. */
export const policyProblem = (domains: Readonly<Record<string, DomainRule>>): string | undefined =>
  Object.entries(domains).some(([pattern, rule]) => rule === "deny" && pattern.trim() === "*")
    ? "invalid network proxy config: invalid value for network.denied_domains: * (allowed exact hosts or scoped wildcards like *.example.com or **.example.com)"
    : undefined

/** Whether a host is `localhost` or a loopback IP literal. */
const isLoopbackHost = (host: string): boolean => host === "localhost" || (Net.isIP(unscoped(host)) !== 0 && isLoopbackAddress(unscoped(host)))

const unscoped = (host: string): string => host.split("%")[0]!

// Made on first use: a BlockList is a native object, which the server's startup snapshot cannot hold.
let loopback: Net.BlockList | undefined
const loopbackList = (): Net.BlockList => {
  if (loopback !== undefined) return loopback
  loopback = new Net.BlockList()
  loopback.addSubnet("127.0.0.0", 8, "ipv4")
  loopback.addAddress("::1", "ipv6")
  return loopback
}

/** Addresses that are not on the public internet: the reference's list (loopback, private, link-local, CGNAT, documentation, benchmarking, multicast, reserved). */
let nonPublic: Net.BlockList | undefined
const nonPublicList = (): Net.BlockList => {
  if (nonPublic !== undefined) return nonPublic
  nonPublic = new Net.BlockList()
  for (const [network, prefix] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.0.2.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["198.51.100.0", 24],
    ["203.0.113.0", 24],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4]
  ] as const) nonPublic.addSubnet(network, prefix, "ipv4")
  for (const [network, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8]] as const) {
    nonPublic.addSubnet(network, prefix, "ipv6")
  }
  return nonPublic
}

/** An IPv4-mapped IPv6 address as its IPv4 address (`::ffff:127.0.0.1`), else as it is. */
const unmapped = (address: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped === null ? address : mapped[1]!
}

const familyOf = (address: string): "ipv4" | "ipv6" => Net.isIPv4(address) ? "ipv4" : "ipv6"

/** Whether an IP address is loopback (`127.0.0.0/8`, `::1`, or one of them inside `::ffff:`). */
export const isLoopbackAddress = (address: string): boolean => {
  const ip = unmapped(address)
  return loopbackList().check(ip, familyOf(ip))
}

/**
 * The IPv4 address an IPv6 address reaches where it embeds one: mapped
 * (`::ffff:0:0/96`), the well-known NAT64 prefix (`64:ff9b::/96`), 6to4
 * (`2002::/16`).
 */
const embeddedIPv4 = (bytes: Buffer): string | undefined => {
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((byte) => byte === 0)
  if (zeros(0, 10) && bytes.readUInt16BE(10) === 0xffff) return [...bytes.subarray(12)].join(".")
  if (bytes.readUInt32BE(0) === 0x0064ff9b && zeros(4, 12)) return [...bytes.subarray(12)].join(".")
  if (bytes.readUInt16BE(0) === 0x2002) return [...bytes.subarray(2, 6)].join(".")
  return undefined
}

const isNonPublicAmong = (address: string, own: ReadonlySet<string>): boolean => {
  const ip = unscoped(address)
  if (Net.isIPv6(ip)) {
    const bytes = ipv6Bytes(ip)
    // IPv4-compatible addresses (`::/96`, deprecated; `::` and `::1` among
    // them) and local-use NAT64 (`64:ff9b:1::/48`) reach nothing public;
    // the reference refuses `[::127.0.0.1]`.
    if (bytes.subarray(0, 12).every((byte) => byte === 0)) return true
    if (bytes.readUInt32BE(0) === 0x0064ff9b && bytes.readUInt16BE(4) === 1) return true
    const ipv4 = embeddedIPv4(bytes)
    if (ipv4 !== undefined) return isNonPublicAmong(ipv4, own)
  }
  return nonPublicList().check(ip, familyOf(ip)) || own.has(canonicalAddress(ip) ?? ip)
}

/**
 * Whether an IP address is loopback, private or otherwise not on the
 * public internet, or one of the host's own (whatever its range), or an
 * IPv6 form of such an IPv4 address.
 */
export const isNonPublicAddress = (address: string): boolean => isNonPublicAmong(address, hostAddresses())

/**
 * Why a connection to the addresses a host resolved to is refused, or
 * undefined when it may go on: a failed lookup (no address) fails closed,
 * and a local or private one (the host's own among them) is refused unless
 * local binding is allowed.
 */
export const addressRefusal = (addresses: ReadonlyArray<string>, allowLocalBinding: boolean): RefusalReason | undefined => {
  if (addresses.length === 0) return "not_allowed_local"
  if (allowLocalBinding) return undefined
  const own = hostAddresses()
  return addresses.some((address) => isNonPublicAmong(address, own)) ? "not_allowed_local" : undefined
}

/** The rules, compiled once per proxy: what they say of each host. */
export const makePolicy = (options: PolicyOptions): (host: string) => HostDecision => {
  const compiled = Object.entries(options.domains).map(([pattern, rule]) => ({ rule, ...matcherOf(pattern) }))
  const denials = compiled.filter((entry) => entry.rule === "deny")
  const allows = compiled.filter((entry) => entry.rule === "allow")
  const reviews = options.reviewDomains.map((pattern) => matcherOf(pattern).match)
  return (input) => {
    const host = normalizeHost(input)
    if (host === "") return { _tag: "Refuse", reason: "not_allowed" }
    if (denials.some((entry) => entry.match(host))) return { _tag: "Refuse", reason: "denied" }
    const reviewed = reviews.some((match) => match(host))
    // A host to review with no client to ask is refused, whatever allows it:
    // the reference's rule, and what a managed requirement to review it means.
    if (reviewed && !options.askClient) return { _tag: "Refuse", reason: "not_allowed" }
    const allowed = allows.filter((entry) => entry.match(host))
    if (allowed.length > 0) {
      // Only `localhost` or an IP literal named exactly reaches a local address as it is; names resolve first.
      const named = allowed.some((entry) => entry.exact === host) && (host === "localhost" || Net.isIP(unscoped(host)) !== 0)
      const checkAddresses = !named && !options.allowLocalBinding
      // A reviewed host is asked even when a rule allows it; the client's allow keeps the rule's address check.
      return reviewed ? { _tag: "Ask", checkAddresses } : { _tag: "Allow", checkAddresses }
    }
    // An unlisted local host is refused without asking, reviewed or not.
    if (!options.allowLocalBinding && (isLoopbackHost(host) || (Net.isIP(unscoped(host)) !== 0 && isNonPublicAddress(host)))) {
      return { _tag: "Refuse", reason: "not_allowed_local" }
    }
    return options.askClient ? { _tag: "Ask", checkAddresses: !options.allowLocalBinding } : { _tag: "Refuse", reason: "not_allowed" }
  }
}
