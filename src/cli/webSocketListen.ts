/**
 * A WebSocket listener's options from the command line: `--listen
 * ws://IP:PORT`, how clients authenticate (refusing inconsistent flags, and
 * a non-loopback address without authentication), and the listener's
 * limits. The server and the gateway listen alike with them. Loads nothing
 * of `ws` or Node's HTTP stack (the listener is imported by the caller).
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { readFileSync } from "node:fs"
import * as HostHeader from "../listeners/hostHeader.js"
import * as ListenUrl from "../listeners/listenUrl.js"
import type { BearerAuth } from "../listeners/bearerAuth.js"
import type { SignedBearerOptions } from "../listeners/signedBearer.js"
import type * as ServerFlags from "./commandFlags.js"
import type { ValuesOf } from "./flagOptions.js"

/** A `--listen` value (or a flag of the listener) the command cannot serve. */
export class ListenUrlError extends Data.TaggedError("ListenUrlError")<{ readonly message: string }> {}

/** What the WebSocket listener needs to know about who may connect. */
export type WebSocketFlags = ValuesOf<typeof ServerFlags.webSocketFlags> & {
  /** Both listeners take it: the server's limit of one message. */
  readonly maxMessageBytes: number
}

/** How clients authenticate, from the flags: on a WebSocket listener and on NATS streams alike. */
export type WebSocketAuth =
  | { readonly _tag: "None" }
  | { readonly _tag: "CapabilityToken"; readonly tokenSha256: Uint8Array }
  | { readonly _tag: "SignedBearerToken"; readonly options: SignedBearerOptions }

/** What a listener is given of `auth`: the WebSocket listener and the NATS executor take the same. */
export const listenerAuthOf = (auth: WebSocketAuth): BearerAuth =>
  auth._tag === "CapabilityToken"
    ? { tokenSha256: auth.tokenSha256 }
    : auth._tag === "SignedBearerToken"
    ? { signedBearer: auth.options }
    : {}

/** Whether any flag says how clients authenticate (they make no sense on stdio alone). */
export const hasAuthFlags = (flags: WebSocketFlags): boolean =>
  [flags.wsAuth, flags.wsTokenFile, flags.wsTokenSha256, flags.wsSharedSecretFile, flags.wsIssuer, flags.wsAudience, flags.wsMaxClockSkewSeconds]
    .some((flag: Option.Option<unknown>) => Option.isSome(flag))

/** The file's contents, whitespace trimmed. */
const readTrimmed = (path: string): Effect.Effect<string, ListenUrlError> =>
  Effect.try({
    try: () => readFileSync(path, "utf8").trim(),
    catch: (error) => new ListenUrlError({ message: `cannot read ${path}: ${(error as Error).message}` })
  })

/**
 * The authentication the flags ask for, refusing inconsistent combinations
 * as `codex exec-server` does: `--ws-auth signed-bearer-token` needs
 * `--ws-shared-secret-file` and takes no capability token; the JWT flags
 * need it; `--ws-auth capability-token` needs a token. (A token flag without
 * `--ws-auth` is a capability token, as before `--ws-auth` existed.)
 */
export const authOf = (flags: WebSocketFlags): Effect.Effect<WebSocketAuth, ListenUrlError> =>
  Effect.gen(function*() {
    const fail = (message: string) => Effect.fail(new ListenUrlError({ message }))
    const mode = Option.getOrUndefined(flags.wsAuth)
    const tokenFlags = Option.isSome(flags.wsTokenFile) || Option.isSome(flags.wsTokenSha256)
    const jwtFlags = [flags.wsSharedSecretFile, flags.wsIssuer, flags.wsAudience, flags.wsMaxClockSkewSeconds]
      .some((flag: Option.Option<unknown>) => Option.isSome(flag))
    if (Option.isSome(flags.wsTokenFile) && Option.isSome(flags.wsTokenSha256)) {
      return yield* fail("give --ws-token-file or --ws-token-sha256, not both")
    }
    if (mode !== "signed-bearer-token" && jwtFlags) {
      return yield* fail(
        "--ws-shared-secret-file, --ws-issuer, --ws-audience and --ws-max-clock-skew-seconds need --ws-auth signed-bearer-token"
      )
    }
    if (mode === "signed-bearer-token") {
      if (tokenFlags) {
        return yield* fail("--ws-token-file and --ws-token-sha256 are for --ws-auth capability-token, not signed-bearer-token")
      }
      if (Option.isNone(flags.wsSharedSecretFile)) return yield* fail("--ws-auth signed-bearer-token needs --ws-shared-secret-file")
      const path = flags.wsSharedSecretFile.value
      const secret = Buffer.from(yield* readTrimmed(path), "utf8")
      if (secret.length === 0) return yield* fail(`${path} holds no secret`)
      if (secret.length < ListenUrl.MIN_SHARED_SECRET_BYTES) {
        return yield* fail(`the secret in ${path} must be at least ${ListenUrl.MIN_SHARED_SECRET_BYTES} bytes (it has ${secret.length})`)
      }
      const issuer = Option.getOrUndefined(flags.wsIssuer)
      const audience = Option.getOrUndefined(flags.wsAudience)
      if (issuer === "") return yield* fail("--ws-issuer must not be empty")
      if (audience === "") return yield* fail("--ws-audience must not be empty")
      return {
        _tag: "SignedBearerToken",
        options: { secret, issuer, audience, maxClockSkewSeconds: Option.getOrUndefined(flags.wsMaxClockSkewSeconds) }
      }
    }
    if (mode === "capability-token" && !tokenFlags) {
      return yield* fail("--ws-auth capability-token needs --ws-token-file or --ws-token-sha256")
    }
    if (Option.isSome(flags.wsTokenFile)) {
      const token = yield* readTrimmed(flags.wsTokenFile.value)
      if (token === "") return yield* fail(`${flags.wsTokenFile.value} holds no token`)
      return { _tag: "CapabilityToken", tokenSha256: ListenUrl.sha256(token) }
    }
    if (Option.isSome(flags.wsTokenSha256)) {
      const hex = flags.wsTokenSha256.value.trim().toLowerCase()
      if (!/^[0-9a-f]{64}$/.test(hex)) return yield* fail("--ws-token-sha256 must be 64 hex digits")
      return { _tag: "CapabilityToken", tokenSha256: Buffer.from(hex, "hex") }
    }
    return { _tag: "None" }
  })

/**
 * What the listener of `ws://IP:PORT` needs from the flags (all but its
 * metrics and routes): the address parsed, the `--allow-host` names checked,
 * the authentication resolved, and no non-loopback address without it.
 */
export const optionsOf = (
  url: string,
  flags: WebSocketFlags,
  /** The authentication resolved already (a token file is read once for every listener); else from the flags. */
  resolvedAuth?: WebSocketAuth
): Effect.Effect<
  ListenUrl.WebSocketListenUrl & {
    readonly maxMessageBytes: number
    readonly pingIntervalMs: number
    readonly upgradeTimeoutMs: number
    readonly maxConnections: number
    readonly maxConnectionsPerClient: number
    readonly maxPendingUpgrades: number
    readonly allowOrigins: ReadonlyArray<string>
    readonly allowHosts: ReadonlyArray<string>
  } & BearerAuth,
  ListenUrlError
> => {
  const parsed = ListenUrl.parseListenUrl(url)
  if (typeof parsed === "string") return Effect.fail(new ListenUrlError({ message: `invalid --listen value: ${parsed}` }))
  for (const value of flags.allowHost) {
    const host = HostHeader.parseAllowedHost(value)
    if (typeof host === "string") return Effect.fail(new ListenUrlError({ message: host }))
  }
  return (resolvedAuth === undefined ? authOf(flags) : Effect.succeed(resolvedAuth)).pipe(
    Effect.filterOrFail(
      (auth) => auth._tag !== "None" || flags.insecureNoAuth || ListenUrl.isLoopback(parsed.host),
      () =>
        new ListenUrlError({
          message: `refusing to listen on non-loopback ${parsed.host} without authentication: ` +
            "give --ws-token-file or --ws-token-sha256, or --ws-auth signed-bearer-token (or --insecure-no-auth)"
        })
    ),
    Effect.map((auth) => ({
      ...parsed,
      maxMessageBytes: flags.maxMessageBytes,
      pingIntervalMs: flags.pingIntervalMs,
      upgradeTimeoutMs: flags.upgradeTimeoutMs,
      maxConnections: flags.maxConnections,
      maxConnectionsPerClient: Option.getOrElse(flags.maxConnectionsPerClient, () => ListenUrl.defaultPerClient(flags.maxConnections)),
      maxPendingUpgrades: flags.maxPendingUpgrades,
      allowOrigins: flags.allowOrigin,
      allowHosts: flags.allowHost,
      ...listenerAuthOf(auth)
    }))
  )
}

/**
 * The bound URL as one stdout line, as Codex's exec-server prints it, so a
 * script that listens on port 0 reads where to connect. stdout carries
 * nothing else; a reader gone is no reason to stop serving.
 */
export const printBoundUrl = (url: string): void => {
  process.stdout.on("error", () => {})
  process.stdout.write(`${url}\n`, () => {})
}
