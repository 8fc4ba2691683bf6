/**
 * The SOCKS5 wire format the proxy reads and writes (RFC 1928, RFC 1929's
 * subnegotiation): its codes, the parses of the greeting, the credential,
 * the request and a UDP datagram's header, and the encoding of an address
 * and of a reply. Apart from Socks5Proxy.ts because it is pure bytes, shared
 * by the handshake, CONNECT and the UDP association, with no sockets.
 */
import * as Net from "node:net"
import { ipv6Bytes } from "./ipBytes.js"

/** The reply codes the reference sends (RFC 1928 §6). */
export const Reply = {
  succeeded: 0,
  /** Every refusal of the policy or the mode. */
  notAllowed: 2,
  /** Every failure to reach an allowed target: refused, unreachable, or a name that did not resolve. */
  refused: 5,
  /** BIND, and UDP ASSOCIATE when UDP is off. */
  commandNotSupported: 7,
  /** UDP ASSOCIATE naming the client's address by a domain name. */
  addressNotSupported: 8
} as const

export const VERSION = 5
export const NO_AUTHENTICATION = 0
/** RFC 1929's method: what a process's proxy requires (its credential, proxyCredential.ts). */
export const USERNAME_PASSWORD = 2
export const NO_ACCEPTABLE_METHOD = 0xff
/** RFC 1929's version of its subnegotiation, and its status bytes. */
export const AUTHENTICATION_VERSION = 1
export const AUTHENTICATED = 0
export const NOT_AUTHENTICATED = 1
export const CONNECT = 1
export const UDP_ASSOCIATE = 3
const ATYP_IPV4 = 1
export const ATYP_DOMAIN = 3
const ATYP_IPV6 = 4

/** Where a request or a datagram goes. */
export interface Target {
  readonly addressType: number
  readonly host: string
  readonly port: number
}

/** A step of a parse: more bytes needed, not SOCKS5 (the connection is closed), or the value and the bytes it took. */
type Parsed<A> = { readonly _tag: "More" } | { readonly _tag: "Bad" } | { readonly _tag: "Done"; readonly value: A; readonly length: number }

const MORE = { _tag: "More" } as const
const BAD = { _tag: "Bad" } as const

/** The greeting: version 5 and at least one method (the reference closes on none); at most 257 bytes. */
export const parseGreeting = (bytes: Buffer): Parsed<ReadonlyArray<number>> => {
  if (bytes.length >= 1 && bytes[0] !== VERSION) return BAD
  if (bytes.length < 2) return MORE
  const count = bytes[1]!
  if (count === 0) return BAD
  if (bytes.length < 2 + count) return MORE
  return { _tag: "Done", value: [...bytes.subarray(2, 2 + count)], length: 2 + count }
}

/** RFC 1929's request: version 1, a user name and a password of 0–255 bytes each; at most 513 bytes. */
export const parseAuthentication = (bytes: Buffer): Parsed<{ readonly username: string; readonly password: string }> => {
  if (bytes.length >= 1 && bytes[0] !== AUTHENTICATION_VERSION) return BAD
  if (bytes.length < 2) return MORE
  const userEnd = 2 + bytes[1]!
  if (bytes.length < userEnd + 1) return MORE
  const passwordEnd = userEnd + 1 + bytes[userEnd]!
  if (bytes.length < passwordEnd) return MORE
  return {
    _tag: "Done",
    value: { username: bytes.subarray(2, userEnd).toString("latin1"), password: bytes.subarray(userEnd + 1, passwordEnd).toString("latin1") },
    length: passwordEnd
  }
}

/** An address and port at `offset`: IPv4, a name of 1–255 bytes, or IPv6; any other type is not SOCKS5 (the reference closes). */
const parseTarget = (bytes: Buffer, offset: number): Parsed<Target> => {
  if (bytes.length <= offset) return MORE
  const addressType = bytes[offset]!
  let start = offset + 1
  let size: number
  if (addressType === ATYP_IPV4) size = 4
  else if (addressType === ATYP_IPV6) size = 16
  else if (addressType === ATYP_DOMAIN) {
    if (bytes.length <= start) return MORE
    size = bytes[start]!
    if (size === 0) return BAD
    start += 1
  } else return BAD
  if (bytes.length < start + size + 2) return MORE
  const raw = bytes.subarray(start, start + size)
  const host = addressType === ATYP_IPV4 ? [...raw].join(".") : addressType === ATYP_IPV6 ? ipv6Text(raw) : raw.toString("latin1")
  return { _tag: "Done", value: { addressType, host, port: bytes.readUInt16BE(start + size) }, length: start + size + 2 - offset }
}

/** The request after the greeting: version, command, reserved byte, target; at most 262 bytes. */
export const parseRequest = (bytes: Buffer): Parsed<Target & { readonly command: number }> => {
  if (bytes.length >= 1 && bytes[0] !== VERSION) return BAD
  if (bytes.length < 3) return MORE
  const target = parseTarget(bytes, 3)
  return target._tag === "Done" ? { _tag: "Done", value: { ...target.value, command: bytes[1]! }, length: 3 + target.length } : target
}

/**
 * A UDP request's header (reserved, fragment, target) and its data.
 * Fragments are dropped (RFC 1928 §7 allows it), and so is port 0, which
 * no datagram can be sent to.
 */
export const parseDatagram = (bytes: Buffer): { readonly target: Target; readonly data: Buffer } | undefined => {
  if (bytes.length < 4 || bytes[2] !== 0) return undefined
  const target = parseTarget(bytes, 3)
  return target._tag === "Done" && target.value.port !== 0 ? { target: target.value, data: bytes.subarray(3 + target.length) } : undefined
}

/** An IPv6 address from its 16 bytes, written as the reference writes it (RFC 5952: `2001:db8::1`, `::ffff:127.0.0.1`). */
const ipv6Text = (raw: Buffer): string => {
  if (raw.subarray(0, 10).every((byte) => byte === 0) && raw.readUInt16BE(10) === 0xffff) return `::ffff:${[...raw.subarray(12)].join(".")}`
  const groups = Array.from({ length: 8 }, (_, index) => raw.readUInt16BE(index * 2).toString(16)).join(":")
  // The URL parser compresses it the canonical way.
  return new URL(`http://[${groups}]/`).hostname.slice(1, -1)
}

/** An address and port as SOCKS writes them (IPv4 `0.0.0.0:0` when there is none). */
export const encodeAddress = (address: string | undefined, port: number): Buffer => {
  const portBytes = Buffer.alloc(2)
  portBytes.writeUInt16BE(port)
  if (address !== undefined && Net.isIPv6(address)) return Buffer.concat([Buffer.from([ATYP_IPV6]), ipv6Bytes(address), portBytes])
  const ipv4 = address !== undefined && Net.isIPv4(address) ? address.split(".").map(Number) : [0, 0, 0, 0]
  return Buffer.concat([Buffer.from([ATYP_IPV4, ...ipv4]), portBytes])
}

/** A reply: the code and the bound address (`0.0.0.0:0` for a refusal, as the reference's). */
export const replyOf = (code: number, address?: string, port = 0): Buffer =>
  Buffer.concat([Buffer.from([VERSION, code, 0]), encodeAddress(address, port)])
