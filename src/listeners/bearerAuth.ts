/**
 * Who may connect, for every listener that takes a bearer token: the
 * WebSocket upgrade (`Authorization: Bearer`) and the open frame of a remote
 * stream (NATS). One check, so both refuse the same tokens for the same
 * reasons.
 */
import { timingSafeEqual } from "node:crypto"
import { sha256 } from "./listenUrl.js"
import { type SignedBearerOptions, verifySignedBearer } from "./signedBearer.js"

/** A capability token (its SHA-256 digest) or signed bearer tokens; neither: no token is asked for. */
export interface BearerAuth {
  readonly tokenSha256?: Uint8Array | undefined
  readonly signedBearer?: SignedBearerOptions | undefined
}

/** What is wrong with the options themselves, if anything. */
export const bearerAuthProblem = (auth: BearerAuth): string | undefined =>
  auth.tokenSha256 !== undefined && auth.signedBearer !== undefined ? "give tokenSha256 or signedBearer, not both" : undefined

/** Whether any token is asked for. */
export const asksForToken = (auth: BearerAuth): boolean => auth.tokenSha256 !== undefined || auth.signedBearer !== undefined

/**
 * Whether `token` is the capability token of `digest`. Digests are
 * compared, so the comparison takes the same time whatever the token's length.
 */
export const capabilityTokenMatches = (token: string | undefined, digest: Uint8Array): boolean => {
  const presented = sha256(token ?? "")
  return timingSafeEqual(presented, digest) && token !== undefined
}

/**
 * Why `token` is refused under `auth` (for the log, and for a remote
 * stream's reset; never the token), or undefined when it is let in. Never
 * rejects.
 */
export const bearerRefusal = (token: string | undefined, auth: BearerAuth): Promise<string | undefined> => {
  if (auth.tokenSha256 !== undefined) {
    return Promise.resolve(capabilityTokenMatches(token, auth.tokenSha256) ? undefined : "no or wrong bearer token")
  }
  if (auth.signedBearer !== undefined) {
    return token === undefined ? Promise.resolve("no bearer token") : verifySignedBearer(token, auth.signedBearer)
  }
  return Promise.resolve(undefined)
}
