/**
 * The credentials a process's proxy masks (issue 47; docs/PROTOCOL.md,
 * "Credential masking"): the reference's two built-in providers (GitHub,
 * OpenAI) and the client's `credentialProviders`, each as sources of
 * environment variables bound to the destinations their real value may be
 * sent to, with the dummy that stands in for it and the way a request's
 * headers carry it.
 */
import { normalizeHost } from "../hostPolicy.js"
import {
  type CredentialDestination,
  destinationMatches,
  hostMatches,
  isLoopbackHost,
  parseDestination,
  type RequestTarget
} from "./destination.js"

/** How a request carries a custom provider's credential. */
export type AuthKind = "bearer" | "token" | "basic" | "header"

/** A custom provider as the client sends it (`credentialProviders.<name>`, snake_case, every field optional). */
export interface CredentialProviderConfig {
  readonly env?: ReadonlyArray<string> | null | undefined
  readonly patterns?: ReadonlyArray<string> | null | undefined
  readonly url_prefixes?: ReadonlyArray<string> | null | undefined
  readonly url_prefix_from_env?: string | null | undefined
  readonly auth?: ReadonlyArray<AuthKind> | null | undefined
  readonly header?: string | null | undefined
  readonly prefix?: string | null | undefined
}

/** A request's headers as translation reads and writes them (lowercase names). */
export type HeaderMap = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** Where a source's credential may go, decided from the child's environment. */
export interface Binding {
  /** Whether a request may carry the real value. */
  readonly matches: (target: RequestTarget) => boolean
  /** Whether the proxy must look inside a tunnel to this host and port: TLS (terminated) or plain HTTP. */
  readonly intercepts: (host: string, port: number) => { readonly tls: boolean; readonly http: boolean }
  /** Whether a client may reach it without the proxy when local binding is allowed (then the real value stays). */
  readonly bypassable: boolean
}

/** One group of variables holding one provider's credential. */
export interface CredentialSource {
  /** The provider's name: dummies are remembered per provider and value. */
  readonly provider: string
  readonly envVars: ReadonlyArray<string>
  /** Undefined: nowhere, and the value stays as it is. */
  readonly binding: (env: Readonly<Record<string, string>>) => Binding | undefined
  /** Whether this value is the provider's credential. */
  readonly recognises: (value: string) => boolean
  /** A new dummy for a real value (random), or undefined when none can be made. */
  readonly dummyFor: (real: string) => string | undefined
  /** The headers to set when the request carries `dummy` the way the provider sends its credential. */
  readonly translate: (headers: HeaderMap, dummy: string, real: string) => ReadonlyArray<readonly [string, string]>
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const LOWER = "abcdefghijklmnopqrstuvwxyz"
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
const DIGITS = "0123456789"

/** Uniform characters of `alphabet` (crypto-random: a dummy must not be guessable from the real value). */
const randomOf = (alphabet: string, count: number): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(count * 2))
  let out = ""
  for (let i = 0; out.length < count; i++) {
    // Rejection sampling keeps the draw uniform; a fresh batch when one runs out.
    if (i === bytes.length) return out + randomOf(alphabet, count - out.length)
    const limit = 256 - (256 % alphabet.length)
    if (bytes[i]! < limit) out += alphabet[bytes[i]! % alphabet.length]
  }
  return out
}

/** The 0.169 built-in shape: the real value's known prefix, `masked`, then random letters and digits, at least `minimum` long. */
const maskedDummy = (prefixes: ReadonlyArray<string>, fallback: string, minimum: number) => (real: string): string => {
  const prefix = prefixes.find((known) => real.startsWith(known)) ?? fallback
  const head = `${prefix}masked`
  return head + randomOf(ALPHANUMERIC, Math.max(real.length, minimum) - head.length)
}

/** `Authorization: <scheme> <value>`, the scheme as sent. */
const authorizationOf = (headers: HeaderMap): { readonly scheme: string; readonly value: string } | undefined => {
  const raw = headers.authorization
  const text = Array.isArray(raw) ? raw[0] : raw
  if (typeof text !== "string") return undefined
  const match = /^(\S+)\s+(.*)$/s.exec(text.trim())
  return match === null ? undefined : { scheme: match[1]!, value: match[2]! }
}

/** Bearer and token exactly equal to the dummy; Basic's pair whole, or the user or password that equals it. */
const translateAuthorization = (schemes: ReadonlyArray<AuthKind>) =>
(headers: HeaderMap, dummy: string, real: string): ReadonlyArray<readonly [string, string]> => {
  const authorization = authorizationOf(headers)
  if (authorization === undefined) return []
  const scheme = authorization.scheme.toLowerCase()
  if ((scheme === "bearer" || scheme === "token") && schemes.includes(scheme)) {
    return authorization.value.trim() === dummy ? [["authorization", `${authorization.scheme} ${real}`]] : []
  }
  if (scheme !== "basic" || !schemes.includes("basic")) return []
  const decoded = Buffer.from(authorization.value.trim(), "base64").toString("utf8")
  const encode = (pair: string) => [["authorization", `${authorization.scheme} ${Buffer.from(pair, "utf8").toString("base64")}`] as const]
  // curl's `dummy:` (no password) is the dummy too.
  if (decoded === dummy || (decoded === `${dummy}:` && real.includes(":"))) return encode(real)
  const colon = decoded.indexOf(":")
  if (colon === -1) return []
  const user = decoded.slice(0, colon)
  const password = decoded.slice(colon + 1)
  if (user !== dummy && password !== dummy) return []
  return encode(`${user === dummy ? real : user}:${password === dummy ? real : password}`)
}

// ---- GitHub -----------------------------------------------------------------

const GITHUB_PREFIXES = ["github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"]
const GITHUB_MINIMUM = 40
const GITHUB_CLOUD_HOSTS = new Set(["api.github.com", "github.com", "uploads.github.com"])
const isGithubCloud = (host: string) => GITHUB_CLOUD_HOSTS.has(host) || host.endsWith(".ghe.com")

/** The host `GH_HOST` names (`host[:port]`, trimmed; no path, user, query or wildcard), normalized. */
export const githubHostOf = (text: string | undefined): string | undefined => {
  const trimmed = text?.trim() ?? ""
  if (trimmed === "" || /[/\\@?#*]/.test(trimmed)) return undefined
  let url: URL
  try {
    url = new URL(`https://${trimmed}`)
  } catch {
    return undefined
  }
  const host = normalizeHost(url.hostname)
  return host === "" ? undefined : host
}

/** Bound to hosts by name (any port), over HTTPS. */
const hostsBinding = (matches: (host: string) => boolean): Binding => ({
  matches: (target) => target.scheme === "https" && matches(target.host),
  intercepts: (host) => ({ tls: matches(host), http: false }),
  bypassable: false
})

const githubSource = (envVars: ReadonlyArray<string>, binding: CredentialSource["binding"]): CredentialSource => ({
  provider: "github",
  envVars,
  binding,
  recognises: (value) => value.trim() !== "",
  dummyFor: maskedDummy(GITHUB_PREFIXES, "ghp_", GITHUB_MINIMUM),
  translate: translateAuthorization(["bearer", "token", "basic"])
})

// ---- OpenAI -----------------------------------------------------------------

const OPENAI_PREFIXES = ["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"]
const OPENAI_MINIMUM = 51

/** The host of an `https` URL without user information, else undefined. */
const httpsHostOf = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined
  try {
    const url = new URL(text.trim())
    return url.protocol === "https:" && url.username === "" && url.password === "" ? normalizeHost(url.hostname) : undefined
  } catch {
    return undefined
  }
}

const openaiSource: CredentialSource = {
  provider: "openai",
  envVars: ["OPENAI_API_KEY"],
  binding: (env) => {
    const hosts = new Set(["api.openai.com"])
    const configured = httpsHostOf(env.OPENAI_BASE_URL)
    if (configured !== undefined) hosts.add(configured)
    return hostsBinding((host) => hosts.has(host))
  },
  recognises: (value) => value.trim() !== "",
  dummyFor: maskedDummy(OPENAI_PREFIXES, "sk-", OPENAI_MINIMUM),
  // The whole header becomes the bearer credential wherever the dummy is in it.
  translate: (headers, dummy, real) => {
    const raw = headers.authorization
    const text = Array.isArray(raw) ? raw[0] : raw
    return typeof text === "string" && text.includes(dummy) ? [["authorization", `Bearer ${real}`]] : []
  }
}

/** The built-in sources, in the reference's order. */
export const BUILT_IN_SOURCES: ReadonlyArray<CredentialSource> = [
  githubSource(["GH_TOKEN", "GITHUB_TOKEN"], () => hostsBinding(isGithubCloud)),
  githubSource(["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"], (env) => {
    const host = githubHostOf(env.GH_HOST)
    return host === undefined || isGithubCloud(host) ? undefined : hostsBinding((candidate) => candidate === host)
  }),
  openaiSource
]

/** The variables a custom provider may not claim, and the ones the built-ins read their destinations from. */
const BUILT_IN_VARIABLES = new Set(["GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "OPENAI_API_KEY", "GH_HOST", "OPENAI_BASE_URL"])
export const CONTEXT_VARIABLES: ReadonlySet<string> = new Set(["GH_HOST", "OPENAI_BASE_URL"])

/** A value the built-ins find inside another variable: a known prefix at a word's start, long enough. */
export interface DiscoveredCredential {
  readonly source: CredentialSource
  readonly value: string
}

const OPENAI_WATERMARK = "T3BlbkFJ"
const DISCOVERY = new RegExp(`(?<![A-Za-z0-9_/-])(?:${[...GITHUB_PREFIXES, "sk-"].join("|")})[A-Za-z0-9_-]+`, "g")

/** Built-in credentials written inside a value (`Bearer ghp_…`, a URL's password), not in a path. */
export const discoverIn = (value: string): ReadonlyArray<DiscoveredCredential> => {
  const found: Array<DiscoveredCredential> = []
  for (const match of value.matchAll(DISCOVERY)) {
    const text = match[0]
    if (text.startsWith("sk-")) {
      if ((text.startsWith("sk-ant-") || text.startsWith("sk-or-")) && !text.includes(OPENAI_WATERMARK)) continue
      if (text.length >= OPENAI_MINIMUM) found.push({ source: openaiSource, value: text })
    } else if (text.length >= GITHUB_MINIMUM) {
      found.push({ source: BUILT_IN_SOURCES[0]!, value: text })
    }
  }
  return found
}

// ---- Custom providers ---------------------------------------------------------

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const MAX_PATTERN_BYTES = 2048
const DUMMY_TRIES = 64

/** A pattern's literal beginning (kept in the dummy: `vendor_[a-z]{24}` keeps `vendor_`). */
const literalPrefixOf = (pattern: string): string => {
  let out = ""
  for (let i = pattern.startsWith("^") ? 1 : 0; i < pattern.length; i++) {
    const char = pattern[i]!
    if (char === "\\") {
      const next = pattern[i + 1]
      if (next === undefined || /[A-Za-z0-9]/.test(next)) break
      out += next
      i++
      continue
    }
    if ("[](){}.*+?|^$".includes(char)) {
      // A quantifier applies to the last literal, which is then not fixed.
      if ("*+?{".includes(char)) out = out.slice(0, -1)
      break
    }
    out += char
  }
  return out
}

/** Each letter or digit after the kept prefix redrawn in its class; the rest kept. */
const classPreserving = (real: string, kept: number): string => {
  let out = real.slice(0, kept)
  for (const char of real.slice(kept)) {
    out += LOWER.includes(char) ? randomOf(LOWER, 1) : UPPER.includes(char) ? randomOf(UPPER, 1) : DIGITS.includes(char) ? randomOf(DIGITS, 1) : char
  }
  return out
}

/** A compiled custom provider, or the reference's reason it is refused. */
export type CompiledProvider =
  | { readonly _tag: "Ok"; readonly source: CredentialSource }
  | { readonly _tag: "Bad"; readonly message: string }

/** Checks a custom provider in the reference's order, with its words. */
export const compileProvider = (id: string, config: CredentialProviderConfig): CompiledProvider => {
  const bad = (message: string) => ({ _tag: "Bad" as const, message })
  const env = config.env ?? []
  const patterns = config.patterns ?? []
  const prefixes = config.url_prefixes ?? []
  const fromEnv = config.url_prefix_from_env ?? undefined
  const auth = config.auth === undefined || config.auth === null || config.auth.length === 0 ? ["bearer" as const] : config.auth
  const header = config.header ?? undefined
  const prefix = config.prefix ?? undefined
  if (id === "") return bad("credential provider name must not be empty")
  if (env.length === 0) return bad(`credential provider \`${id}\` has no environment keys`)
  if (patterns.length === 0) return bad(`credential provider \`${id}\` has no credential patterns`)
  if (prefixes.length === 0 && fromEnv === undefined) return bad(`credential provider \`${id}\` has no destination URL prefixes`)
  if (!env.every((key) => ENV_KEY.test(key))) return bad(`credential provider \`${id}\` has an invalid environment key`)
  if (env.some((key) => BUILT_IN_VARIABLES.has(key))) return bad(`credential provider \`${id}\` overlaps a built-in credential source`)
  if (fromEnv !== undefined && (!ENV_KEY.test(fromEnv) || env.includes(fromEnv))) {
    return bad(`credential provider \`${id}\` has an invalid host environment key`)
  }
  const destinations: Array<CredentialDestination> = []
  for (const text of prefixes) {
    const parsed = parseDestination(text, { wildcardAllowed: true })
    if (parsed._tag === "Bad") return bad(`invalid destination for credential provider \`${id}\`: ${parsed.message}`)
    destinations.push(parsed.value)
  }
  if (header !== undefined && !HEADER_NAME.test(header)) return bad(`invalid header for credential provider \`${id}\`: invalid HTTP header name`)
  if ((header !== undefined) !== auth.includes("header")) {
    return bad(`credential provider \`${id}\` requires a header name exactly when using header authentication`)
  }
  if (prefix !== undefined && header === undefined) return bad(`credential provider \`${id}\` requires header authentication to use a header prefix`)
  const compiled: Array<{ readonly regex: RegExp; readonly literal: string }> = []
  for (const pattern of patterns) {
    const invalid = (cause: string) => bad(`invalid credential pattern for provider \`${id}\`: ${cause}`)
    if (Buffer.byteLength(pattern) > MAX_PATTERN_BYTES) return invalid(`credential pattern exceeds ${MAX_PATTERN_BYTES} bytes`)
    let regex: RegExp
    try {
      regex = new RegExp(`^(?:${pattern})$`, "u")
    } catch (error) {
      return invalid(error instanceof Error ? error.message : String(error))
    }
    if (regex.test("")) return invalid("credential pattern must not match an empty value")
    compiled.push({ regex, literal: literalPrefixOf(pattern) })
  }
  const fullMatch = (value: string) => compiled.some(({ regex }) => regex.test(value))
  const headerName = header?.toLowerCase()
  const authorization = translateAuthorization(auth.filter((kind) => kind !== "header"))
  return {
    _tag: "Ok",
    source: {
      provider: `custom:${id}`,
      envVars: env,
      binding: (childEnv) => {
        const all = [...destinations]
        const extra = fromEnv === undefined ? undefined : childEnv[fromEnv]
        if (extra !== undefined) {
          const parsed = parseDestination(extra, { wildcardAllowed: false })
          if (parsed._tag === "Ok") all.push(parsed.value)
        }
        if (all.length === 0) return undefined
        return {
          matches: (target) => all.some((destination) => destinationMatches(destination, target)),
          intercepts: (host, port) => ({
            tls: all.some((d) => d.scheme === "https" && d.port === port && hostMatches(d, host)),
            http: all.some((d) => d.scheme === "http" && d.port === port && hostMatches(d, host))
          }),
          bypassable: all.some((d) => !d.wildcard && (isLoopbackHost(d.host) || /^(10|192\.168|172\.(1[6-9]|2\d|3[01]))\./.test(d.host)))
        }
      },
      recognises: fullMatch,
      dummyFor: (real) => {
        const kept = compiled.filter(({ regex }) => regex.test(real)).map(({ literal }) => literal).find((literal) => real.startsWith(literal)) ?? ""
        for (let attempt = 0; attempt < DUMMY_TRIES; attempt++) {
          const candidate = classPreserving(real, kept.length)
          if (candidate !== real && fullMatch(candidate)) return candidate
        }
        return undefined
      },
      translate: (headers, dummy, real) => {
        const changes = [...authorization(headers, dummy, real)]
        if (headerName !== undefined) {
          const raw = headers[headerName]
          const value = Array.isArray(raw) ? raw[0] : raw
          if (value === `${prefix ?? ""}${dummy}`) changes.push([headerName, `${prefix ?? ""}${real}`])
        }
        return changes
      }
    }
  }
}
