/**
 * A network the client manages (issue 83): a sandboxed `process/start` with
 * `enforceManagedNetwork: true` and no `networkProxy` brings its own
 * proxies, running on the host's loopback, in its environment's proxy
 * variables (`ALL_PROXY=socks5h://127.0.0.1:P`, `HTTP_PROXY=…`), and names
 * their ports in `managedNetwork.loopbackPorts`. Those ports, and nothing
 * else, are bridged into the sandbox's network namespace; under
 * `--linux-sandbox-transparent-tcp` the process's direct TCP connects reach
 * the SOCKS5 endpoint `ALL_PROXY` names. Which variables count, how their
 * values are read and which starts are refused are the reference's (codex
 * 0.171, probed: docs/PROTOCOL.md, "A network the client manages").
 */

/** The proxy variables whose loopback endpoints are bridged, matched without regard to case. */
export const PROXY_VARIABLES: ReadonlyArray<string> = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "FTP_PROXY",
  "YARN_HTTP_PROXY",
  "YARN_HTTPS_PROXY",
  "NPM_CONFIG_HTTP_PROXY",
  "NPM_CONFIG_HTTPS_PROXY",
  "NPM_CONFIG_PROXY",
  "BUNDLE_HTTP_PROXY",
  "BUNDLE_HTTPS_PROXY",
  "PIP_PROXY",
  "DOCKER_HTTP_PROXY",
  "DOCKER_HTTPS_PROXY"
]

/** The client's proxies a sandboxed process reaches: their host loopback ports, and the SOCKS5 one for transparent TCP. */
export interface ClientProxies {
  /** Each port once, ascending: bridged into the sandbox at 127.0.0.1:<port>, carried to the host's 127.0.0.1:<port>. */
  readonly ports: ReadonlyArray<number>
  /** The port `ALL_PROXY` names with a SOCKS5 scheme, where transparent TCP was asked for. */
  readonly socksPort?: number | undefined
}

/** The reference's words for each refusal. */
export const CLIENT_PROXY_REFUSALS = {
  noVariables: "managed proxy mode requires proxy environment variables",
  noLoopbackEndpoint: "managed proxy mode requires parseable loopback proxy endpoints",
  outsideContext: "proxy endpoint is outside the managed sandbox context",
  noSocks5: "transparent TCP requires managed SOCKS5"
} as const

/** A proxy URL's port when it names none, by scheme. */
const defaultPort = (scheme: string): number =>
  scheme === "https" ? 443 : ["socks5", "socks5h", "socks4", "socks4a"].includes(scheme) ? 1080 : 80

interface Endpoint {
  readonly scheme: string
  readonly port: number
}

/**
 * A proxy variable's value as a host loopback endpoint: a URL (`http://` is
 * assumed without a scheme) whose host is `localhost` or `127.0.0.1` and
 * whose port is not 0; undefined for anything else (another host, `[::1]`,
 * no URL at all), as the reference reads it.
 */
const loopbackEndpoint = (value: string): Endpoint | undefined => {
  let url: URL
  try {
    url = new URL(value.includes("://") ? value : `http://${value}`)
  } catch {
    return undefined
  }
  const host = url.hostname.toLowerCase()
  if (host !== "localhost" && host !== "127.0.0.1") return undefined
  const scheme = url.protocol.slice(0, -1).toLowerCase()
  const port = url.port === "" ? defaultPort(scheme) : Number(url.port)
  return port === 0 ? undefined : { scheme, port }
}

/**
 * The client's proxies of a start whose network the client manages, from
 * its whole environment and its `managedNetwork.loopbackPorts`, or the
 * reason it is refused: no proxy variable set, none naming a loopback
 * endpoint, one naming a port outside `loopbackPorts`, or, with
 * `transparent`, no `ALL_PROXY` naming a SOCKS5 endpoint. A variable naming
 * another host is left as it is (the sandbox reaches no other host).
 */
export const clientProxies = (
  environment: Readonly<Record<string, string>>,
  loopbackPorts: ReadonlyArray<number>,
  transparent: boolean
): ClientProxies | string => {
  let configured = false
  const endpoints = new Map<string, Endpoint>()
  for (const [name, value] of Object.entries(environment)) {
    if (!PROXY_VARIABLES.includes(name.toUpperCase()) || value.trim() === "") continue
    configured = true
    const endpoint = loopbackEndpoint(value.trim())
    if (endpoint !== undefined) endpoints.set(name, endpoint)
  }
  if (endpoints.size === 0) return configured ? CLIENT_PROXY_REFUSALS.noLoopbackEndpoint : CLIENT_PROXY_REFUSALS.noVariables
  const allowed = new Set(loopbackPorts)
  if ([...endpoints.values()].some(({ port }) => !allowed.has(port))) return CLIENT_PROXY_REFUSALS.outsideContext
  const ports = [...new Set([...endpoints.values()].map(({ port }) => port))].sort((a, b) => a - b)
  if (!transparent) return { ports }
  // Only the upper-case name counts here (probed: `all_proxy` alone is refused).
  const socks = endpoints.get("ALL_PROXY")
  if (socks === undefined || (socks.scheme !== "socks5" && socks.scheme !== "socks5h")) return CLIENT_PROXY_REFUSALS.noSocks5
  return { ports, socksPort: socks.port }
}
