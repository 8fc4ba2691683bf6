/**
 * Where a custom provider's credential may be sent (its `url_prefixes`,
 * `url_prefix_from_env`): a scheme, an exact host or a `*.` wildcard of
 * subdomains, a port and a path prefix, with the reference's rules and
 * words (docs/PROTOCOL.md, "Credential masking"): HTTPS anywhere, plain
 * HTTP only to loopback, no user information, query or fragment.
 */
import * as Net from "node:net"
import { normalizeHost } from "../hostPolicy.js"

/** A parsed destination. */
export interface CredentialDestination {
  readonly scheme: "http" | "https"
  /** The exact host, or the suffix after `*.` for a wildcard (which never matches the apex). */
  readonly host: string
  readonly wildcard: boolean
  readonly port: number
  /** Starts with `/`. */
  readonly pathPrefix: string
}

/** A request as destinations judge it. */
export interface RequestTarget {
  readonly scheme: "http" | "https"
  /** Normalized (lowercase, no brackets, no trailing dot). */
  readonly host: string
  readonly port: number
  /** The raw path, without the query. */
  readonly path: string
}

/** Loopback as the reference means it here: `localhost`, 127.0.0.0/8, `::1`. */
export const isLoopbackHost = (host: string): boolean =>
  host === "localhost" || (Net.isIPv4(host) && host.startsWith("127.")) || host === "::1"

/** A parsed destination, or the reference's reason it is not one. */
export const parseDestination = (
  text: string,
  options: { readonly wildcardAllowed: boolean }
): { readonly _tag: "Ok"; readonly value: CredentialDestination } | { readonly _tag: "Bad"; readonly message: string } => {
  const bad = (message: string) => ({ _tag: "Bad" as const, message })
  let rest = text.trim()
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest)
  const scheme = schemeMatch?.[1]?.toLowerCase()
  if (schemeMatch !== null) rest = rest.slice(schemeMatch[0].length)
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
    return bad("credential destination must use HTTPS unless it targets loopback over HTTP")
  }
  const wildcard = rest.startsWith("*.")
  if (wildcard && !options.wildcardAllowed) return bad("credential destination has an invalid wildcard")
  if (wildcard) rest = rest.slice(2)
  let url: URL
  try {
    url = new URL(`https://${rest}`)
  } catch {
    return bad("credential destination has no hostname")
  }
  if (url.username !== "" || url.password !== "" || rest.includes("?") || rest.includes("#")) {
    return bad("credential destination cannot include user information, a query, or a fragment")
  }
  const host = normalizeHost(url.hostname)
  if (host === "") return bad("credential destination has no hostname")
  if (host.includes("*") || host.includes("/")) return bad("credential destination must have an exact hostname or scoped wildcard")
  const loopback = !wildcard && isLoopbackHost(host)
  const chosen = scheme ?? (loopback ? "http" : "https")
  if (chosen === "http" && !loopback) return bad("credential destination must use HTTPS unless it targets loopback over HTTP")
  // `new URL` drops a port that is the https default; the text decides.
  const explicitPort = /^(?:\[[^\]]*\]|[^/:]*):(\d+)/.exec(rest)?.[1]
  const port = explicitPort !== undefined ? Number(explicitPort) : chosen === "http" ? 80 : 443
  return { _tag: "Ok", value: { scheme: chosen, host, wildcard, port, pathPrefix: url.pathname === "" ? "/" : url.pathname } }
}

/** Whether a path's raw text is what it means: no dot segments, encoded or not, and no encoded separators. */
export const isSafePath = (path: string): boolean => {
  if (!path.startsWith("/")) return false
  if (/%2e|%2f|%5c|\\/i.test(path)) return false
  return path.split("/").every((segment) => segment !== "." && segment !== "..")
}

/** Whether the destination's host matches (a wildcard only the subdomains). */
export const hostMatches = (destination: CredentialDestination, host: string): boolean =>
  destination.wildcard ? host.endsWith(`.${destination.host}`) : host === destination.host

/** Whether a request may carry the credential: scheme, host, port and a safe path under the prefix (`/v1` takes `/v1/x`, not `/v10`). */
export const destinationMatches = (destination: CredentialDestination, target: RequestTarget): boolean => {
  if (destination.scheme !== target.scheme || destination.port !== target.port || !hostMatches(destination, target.host)) return false
  if (!isSafePath(target.path)) return false
  const prefix = destination.pathPrefix
  return prefix === "/" || target.path === prefix ||
    (target.path.startsWith(prefix) && (prefix.endsWith("/") || target.path[prefix.length] === "/"))
}
