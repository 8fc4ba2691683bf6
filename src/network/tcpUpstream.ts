/**
 * The operator's mandatory HTTP CONNECT proxy for the SOCKS5 proxies' TCP
 * (`--tcp-upstream-proxy HOST:PORT`, as `codex exec-server` 0.171 takes
 * it; docs/PROTOCOL.md, "A mandatory TCP upstream"): its address as the
 * command line gives it, which destinations may use it, and the tunnel
 * through it. An allowed SOCKS5 CONNECT then never dials its destination
 * itself: it goes through this proxy or is refused.
 */
import * as Net from "node:net"
import { isLoopbackAddress, isNonPublicAddress } from "./hostPolicy.js"

/** Where the upstream proxy listens. */
export interface TcpUpstreamProxy {
  readonly host: string
  readonly port: number
}

/** How a process's SOCKS5 proxy sends TCP when the operator requires an upstream. */
export interface SocksUpstream {
  /** The upstream, or undefined when the process's config does not allow one (`allowUpstreamProxy: false`): every CONNECT is refused. */
  readonly proxy: TcpUpstreamProxy | undefined
  /** Private destinations go through it too (`--proxy-private-ips-via-upstream`); otherwise they are refused. Loopback never goes. */
  readonly privateIps: boolean
}

/** A host as the reference reads one: a name of letters, digits, `-`, `_` and dots, or an IPv4 address. */
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/

/** Why `text` is no `HOST:PORT`, in the reference's words (the part after its `': `), or the address. */
const parsed = (text: string): TcpUpstreamProxy | string => {
  let host: string
  let port: string
  if (text.startsWith("[")) {
    const close = text.indexOf("]")
    if (close === -1) return "invalid IPv6 address"
    host = text.slice(1, close)
    if (!Net.isIPv6(host)) return "invalid IPv6 address"
    if (text[close + 1] !== ":") return "missing port"
    port = text.slice(close + 2)
  } else {
    const colon = text.lastIndexOf(":")
    if (colon === -1) return "missing port"
    host = text.slice(0, colon)
    port = text.slice(colon + 1)
    if (host.includes(":")) return /^[0-9A-Fa-f:.]+$/.test(host) ? "missing brackets for IPv6 address with port" : "invalid host"
    if (!HOST_NAME.test(host)) return "invalid host"
  }
  if (!/^\d+$/.test(port)) return "invalid port"
  const number = Number(port)
  if (number > 65535) return "invalid port: number too large to fit in target type"
  if (number === 0) return "TCP upstream proxy port must be nonzero"
  return { host, port: number }
}

/**
 * `--tcp-upstream-proxy`'s value, or the line that refuses it, worded as
 * the reference's (`invalid value 'bogus' for '--tcp-upstream-proxy
 * <HOST:PORT>': missing port`).
 */
export const parseTcpUpstreamProxy = (text: string): TcpUpstreamProxy | string => {
  const result = parsed(text)
  return typeof result === "string" ? `invalid value '${text}' for '--tcp-upstream-proxy <HOST:PORT>': ${result}` : result
}

/**
 * The destination to ask the upstream for, or undefined when the request
 * may not use it. As the reference (0.171, probed): only an IP address goes
 * (a name is refused even when it resolves to a public address, through
 * DNS or /etc/hosts, and the upstream is not contacted); loopback never
 * ("loopback stays local", and it is not dialled either); a private
 * address only with `privateIps`; nothing when the process's config allows
 * no upstream.
 */
export const upstreamTarget = (upstream: SocksUpstream, host: string): string | undefined => {
  if (upstream.proxy === undefined || Net.isIP(host) === 0) return undefined
  if (isLoopbackAddress(host)) return undefined
  if (!upstream.privateIps && isNonPublicAddress(host)) return undefined
  return host
}

/** Most bytes of the upstream's answer to CONNECT before its blank line; more is a failure. */
const MAX_ANSWER_BYTES = 16 * 1024

/** How long the upstream may take to answer CONNECT (it may be dialling a slow destination). */
const ANSWER_TIMEOUT_MS = 30_000

/**
 * Opens a tunnel to `target:port` through the upstream: `CONNECT
 * target:port HTTP/1.1`, and a 2xx answer. `onOpen` gets the socket and
 * whatever the upstream sent after its answer (the destination's first
 * bytes); `onFail` is called once for anything else (refused, closed, an
 * error status, an answer too long or too slow). The socket is returned at
 * once, for its owner to hold and destroy.
 */
export const openTunnel = (
  proxy: TcpUpstreamProxy,
  target: string,
  port: number,
  onOpen: (socket: Net.Socket, rest: Buffer) => void,
  onFail: () => void
): Net.Socket => {
  const authority = `${Net.isIPv6(target) ? `[${target}]` : target}:${port}`
  const socket = Net.connect({ host: proxy.host, port: proxy.port })
  let answer = Buffer.alloc(0)
  let settled = false
  const fail = () => {
    if (settled) return
    settled = true
    socket.destroy()
    onFail()
  }
  socket.setTimeout(ANSWER_TIMEOUT_MS, fail)
  socket.once("connect", () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`))
  const onData = (chunk: Buffer) => {
    answer = Buffer.concat([answer, chunk])
    const end = answer.indexOf("\r\n\r\n")
    if (end === -1) {
      if (answer.length > MAX_ANSWER_BYTES) fail()
      return
    }
    socket.off("data", onData)
    socket.pause()
    socket.setTimeout(0)
    if (!/^HTTP\/1\.[01] 2\d\d /.test(answer.subarray(0, end).toString("latin1") + " ")) return fail()
    settled = true
    onOpen(socket, answer.subarray(end + 4))
  }
  socket.on("data", onData)
  socket.on("error", fail)
  socket.once("close", fail)
  return socket
}
