/**
 * Signed bearer tokens (`--ws-auth signed-bearer-token`): an HS256 JWT,
 * signed with a secret the server and the token's issuer share, checked by
 * `jose`. Only HS256 is taken (never `none`, never another algorithm, so a
 * token cannot choose how it is checked); `exp` is required; `nbf` is
 * honoured; `iss` and `aud` are compared when the server is given them.
 * Stricter than the library where a lenient reading could let a token mean
 * something else: the compact form only (base64url without padding), an
 * `exp` that is a real time (a safe integer, not 1e300: a token that never
 * expires), and no claim given twice (JSON.parse keeps the last one, and
 * another reader the first).
 */
import { jwtVerify } from "jose"
import { CONSOLE_CLAIM, type CredentialGrant } from "../wire/FrameTransport.js"
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS } from "./listenUrl.js"

export { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MIN_SHARED_SECRET_BYTES } from "./listenUrl.js"

/** How a signed bearer token is checked. */
export interface SignedBearerOptions {
  /** The shared secret (at least `MIN_SHARED_SECRET_BYTES` bytes). */
  readonly secret: Uint8Array
  /** The `iss` a token must carry; without it any or none. */
  readonly issuer?: string | undefined
  /** An `aud` a token must carry (alone or in its list); without it any or none. */
  readonly audience?: string | undefined
  /** How far `exp` and `nbf` may be off the server's clock. Default `DEFAULT_MAX_CLOCK_SKEW_SECONDS` (30). */
  readonly maxClockSkewSeconds?: number | undefined
}

/** What a refusal says in the log, from jose's error (never the token). */
const whyOf = (error: unknown): string => {
  const { code, claim } = (error ?? {}) as { readonly code?: unknown; readonly claim?: unknown }
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "expired bearer token"
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return claim === "nbf"
        ? "bearer token not valid yet"
        : claim === "iss"
        ? "bearer token of another issuer"
        : claim === "aud"
        ? "bearer token for another audience"
        : claim === "exp"
        ? "bearer token without exp"
        : "invalid bearer token claims"
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "bearer token not signed with HS256"
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "bearer token with a wrong signature"
    default:
      return "malformed bearer token"
  }
}

/**
 * What a token that `verifySignedBearer` let in grants beyond the protocol:
 * read from the payload it verified (no claim is given twice in it, so any
 * reader finds the same claims).
 */
export const signedBearerGrants = (token: string | undefined): ReadonlyArray<CredentialGrant> =>
  claimsOf(token)?.[CONSOLE_CLAIM] === true ? ["console"] : []

/** The subject (`sub`) of a token that `verifySignedBearer` let in, if it names one. */
export const signedBearerSubject = (token: string | undefined): string | undefined => {
  const subject = claimsOf(token)?.sub
  return typeof subject === "string" && subject !== "" ? subject : undefined
}

/** The claims of a token's payload, unverified (the callers' tokens were verified), or undefined when it has none. */
const claimsOf = (token: string | undefined): Readonly<Record<string, unknown>> | undefined => {
  if (token === undefined || !COMPACT.test(token)) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"))
    return typeof claims === "object" && claims !== null ? claims as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** Three base64url segments without padding (the last empty for alg none, which the verifier refuses by name): the compact serialization, nothing more. */
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Checks a token; resolves to why it is refused, or undefined when it is
 * valid. Never rejects.
 */
export const verifySignedBearer = (token: string, options: SignedBearerOptions): Promise<string | undefined> => {
  if (!COMPACT.test(token)) return Promise.resolve("malformed bearer token")
  if (hasRepeatedClaim(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"))) {
    return Promise.resolve("bearer token with a claim given twice")
  }
  return jwtVerify(token, options.secret, {
    algorithms: ["HS256"],
    requiredClaims: ["exp"],
    clockTolerance: options.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience })
  }).then(
    ({ payload }) => Number.isSafeInteger(payload.exp) ? undefined : "bearer token whose exp is not a time",
    whyOf
  )
}

/**
 * Whether a JSON object's text names one of its own keys twice (nested
 * objects are not looked into: claims are the top level). Text that is not
 * an object is left to the verifier to refuse.
 */
const hasRepeatedClaim = (json: string): boolean => {
  const keys = new Set<string>()
  let depth = 0
  for (let index = 0; index < json.length; index++) {
    const char = json[index]
    if (char === "{" || char === "[") depth++
    else if (char === "}" || char === "]") depth--
    else if (char === "\"") {
      // A string: its end, past escapes.
      let end = index + 1
      while (end < json.length && json[end] !== "\"") end += json[end] === "\\" ? 2 : 1
      let next = end + 1
      while (next < json.length && " \t\n\r".includes(json[next]!)) next++
      if (depth === 1 && json[next] === ":") {
        let key: string
        try {
          key = JSON.parse(json.slice(index, end + 1)) as string
        } catch {
          return false
        }
        if (keys.has(key)) return true
        keys.add(key)
      }
      index = end
    }
  }
  return false
}
