/**
 * The WebSocket listener's credentials as the security tests give them (a
 * capability token's file, a signing secret's file and the signed tokens
 * made with it), for security.test.ts and securityProcess.test.ts.
 */
import * as Jose from "jose"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll } from "vitest"

export const TOKEN = "correct horse battery staple"
export const SECRET = "a secret shared with the token issuer, 0123456789abcdef"
export const ISSUER = "https://issuer.example"
export const AUDIENCE = "exec-server"

/**
 * A directory of the calling file's own (removed after its tests) holding
 * `token` (TOKEN) and `secret` (SECRET), each with whitespace around it,
 * which the server trims as codex exec-server does; and the flags that ask
 * for tokens signed with that secret, of ISSUER for AUDIENCE.
 */
export const useAuthFiles = () => {
  const dir = mkdtempSync(Path.join(tmpdir(), "exec-server-sec-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const tokenFile = Path.join(dir, "token")
  writeFileSync(tokenFile, `  ${TOKEN}\n`)
  const secretFile = Path.join(dir, "secret")
  writeFileSync(secretFile, `\n  ${SECRET}  \n`)
  const jwtFlags = ["--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", secretFile, "--ws-issuer", ISSUER, "--ws-audience", AUDIENCE]
  return { dir, tokenFile, secretFile, jwtFlags }
}

/** Now, in seconds since the epoch (a JWT's times). */
export const now = () => Math.floor(Date.now() / 1000)

/** Claims the server takes, with `extra` over them (an undefined one is left out). */
export const claims = (extra: Record<string, unknown> = {}): Jose.JWTPayload =>
  JSON.parse(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: "agent", exp: now() + 300, ...extra }))

/** An HS256 token (or signed with `alg` and `key` when given). */
export const jwt = (payload: Jose.JWTPayload, options: { readonly alg?: string; readonly key?: string } = {}): Promise<string> =>
  new Jose.SignJWT(payload).setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT" }).sign(new TextEncoder().encode(options.key ?? SECRET))

/** The header that sends `token` as a bearer token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
