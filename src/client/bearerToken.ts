/**
 * The bearer token a client sends, for every way of reaching a server that
 * takes one (a WebSocket's `Authorization` header, a remote stream's open
 * frame): given as is, or read from a file at every connect, so that a
 * short-lived JWT the file is renewed with is what a reconnect sends.
 */
import * as Effect from "effect/Effect"
import * as FsPromises from "node:fs/promises"
import { ConfigError } from "./ClientError.js"

/** Where the token comes from. */
export interface BearerTokenOptions {
  /** A capability token, or a signed one (a JWT). */
  readonly token?: string | undefined
  /** A file holding the token (whitespace trimmed), read at every connect. Ignored when `token` is given. */
  readonly tokenFile?: string | undefined
}

/** The bearer token to send, if any: `token`, or the contents of `tokenFile`. */
export const bearerTokenOf = (options: BearerTokenOptions): Effect.Effect<string | undefined, ConfigError> => {
  if (options.token !== undefined || options.tokenFile === undefined) return Effect.succeed(options.token)
  const path = options.tokenFile
  return Effect.tryPromise({
    try: () => FsPromises.readFile(path, "utf8"),
    catch: (error) => {
      const reason = (error as Error).message
      return new ConfigError({ path, reason, message: `cannot read the token file ${path}: ${reason}` })
    }
  }).pipe(
    Effect.map((text) => text.trim()),
    Effect.filterOrFail(
      (token) => token !== "",
      () => new ConfigError({ path, reason: "empty", message: `the token file ${path} is empty` })
    )
  )
}
