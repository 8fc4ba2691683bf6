/**
 * A process's proxy credential (issue 67; **ours**, the reference's proxies
 * take anyone): a user name and a random secret that the process's proxy
 * URLs carry (`http://user:secret@127.0.0.1:port`, which curl, git, pip, npm
 * and Node's agents send as `Proxy-Authorization: Basic`; SOCKS5's
 * username/password, RFC 1929). Without it, any local process could use a
 * running process's proxy port and inherit that process's allowances; with
 * it, only what holds the process's environment can. Compared in constant
 * time (digests of equal length), so a wrong guess says nothing of how near
 * it came.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

/** What the proxies check, and what the child's URLs carry. */
export interface ProxyCredential {
  readonly username: string
  readonly password: string
  /** Whether this user name and password are the credential's. */
  readonly accepts: (username: string, password: string) => boolean
  /** Whether a `Proxy-Authorization` header carries the credential (`Basic`, any case). */
  readonly acceptsHeader: (header: string | undefined) => boolean
}

/** The user name of every process's credential: the secret is what counts. */
export const PROXY_USER = "exec-server"

/** The secret's bytes: 256 bits, as base64url (43 characters a URL carries as they are). */
const SECRET_BYTES = 32

const digestOf = (username: string, password: string): Buffer =>
  createHash("sha256").update(`${username.length}:${username}:${password}`).digest()

/** A fresh credential for one process's proxies. */
export const makeCredential = (): ProxyCredential => {
  const password = randomBytes(SECRET_BYTES).toString("base64url")
  const expected = digestOf(PROXY_USER, password)
  const accepts = (username: string, given: string) => timingSafeEqual(digestOf(username, given), expected)
  return {
    username: PROXY_USER,
    password,
    accepts,
    acceptsHeader: (header) => {
      const basic = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "")
      if (basic === null) return false
      const decoded = Buffer.from(basic[1]!, "base64").toString("utf8")
      const colon = decoded.indexOf(":")
      return colon !== -1 && accepts(decoded.slice(0, colon), decoded.slice(colon + 1))
    }
  }
}
