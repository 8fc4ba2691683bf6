/**
 * Connecting to a NATS cluster, for both ends of remote streams: the
 * credentials and TLS an operator gives (as files, read at connect time),
 * and the connection options docs/PROTOCOL.md asks for (reconnect for ever,
 * a short connect timeout, pings that notice a stalled node).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { readFile } from "node:fs/promises"
import {
  connect,
  type ConnectionOptions,
  credsAuthenticator,
  type NatsConnection
} from "@nats-io/transport-node"
import { type NatsConnectOptions, NatsConnectError } from "./natsOptions.js"

export { type NatsAuth, type NatsConnectOptions, NatsConnectError, type NatsTls } from "./natsOptions.js"

const readText = (path: string, what: string) =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) => new NatsConnectError({ reason: "credentials", message: `cannot read the ${what} ${path}: ${(error as Error).message}` })
  })

const nonEmpty = (path: string, what: string) =>
  Effect.flatMap(readText(path, what), (text) => {
    const trimmed = text.trim()
    return trimmed === ""
      ? Effect.fail(new NatsConnectError({ reason: "credentials", message: `the ${what} ${path} is empty` }))
      : Effect.succeed(trimmed)
  })

/**
 * A stalled node (SIGSTOPped, or a half-open route) is given up after two
 * unanswered pings, 4-6 s: well inside a stream's 12 s peer timeout, so the
 * streams of a client or an executor outlive the failover to another node.
 */
export const DEFAULT_PING_INTERVAL_MS = 2000

/** nats.js's options for `options`, with the credential files read. */
export const connectionOptions = (options: NatsConnectOptions): Effect.Effect<ConnectionOptions, NatsConnectError> =>
  Effect.gen(function*() {
    const auth = options.auth ?? { _tag: "None" }
    const credentials: Partial<ConnectionOptions> = auth._tag === "Creds"
      ? { authenticator: credsAuthenticator(new TextEncoder().encode(yield* readText(auth.credsFile, "NATS creds file"))) }
      : auth._tag === "UserPassword"
      ? { user: auth.user, pass: yield* nonEmpty(auth.passwordFile, "NATS password file") }
      : auth._tag === "Token"
      ? { token: yield* nonEmpty(auth.tokenFile, "NATS token file") }
      : {}
    const tls = options.tls
    const wantsTls = tls !== undefined && (tls.caFile !== undefined || tls.certFile !== undefined || tls.keyFile !== undefined)
    return {
      servers: [...options.servers],
      ...(options.name === undefined ? {} : { name: options.name }),
      // Reconnect for ever: an executor or a client outlives any one node (PROTOCOL.md, "Remote streams").
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: options.connectTimeoutMs ?? 2000,
      pingInterval: options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
      maxPingOut: 2,
      ...credentials,
      ...(wantsTls
        ? {
          tls: {
            ...(tls.caFile === undefined ? {} : { caFile: tls.caFile }),
            ...(tls.certFile === undefined ? {} : { certFile: tls.certFile }),
            ...(tls.keyFile === undefined ? {} : { keyFile: tls.keyFile })
          }
        }
        : {})
    } satisfies ConnectionOptions
  })

/**
 * Connects for as long as the scope lives; closing it flushes what was
 * published (a reset telling peers the stream is over) and closes.
 */
export const connectScoped = (options: NatsConnectOptions): Effect.Effect<NatsConnection, NatsConnectError, Scope.Scope> =>
  Effect.flatMap(connectionOptions(options), (natsOptions) =>
    Effect.acquireRelease(
      Effect.tryPromise({
        try: () => connect(natsOptions),
        catch: (error) =>
          new NatsConnectError({
            reason: "connect",
            message: `cannot connect to NATS at ${options.servers.join(",")}: ${(error as Error).message}`
          })
      }),
      (connection) =>
        // Interruptible, or the timeout could not fire inside a finalizer (EFFECT-STACK.md).
        Effect.promise(() => connection.flush().catch(() => undefined)).pipe(
          Effect.interruptible,
          Effect.timeout("1 second"),
          Effect.ignore,
          Effect.andThen(Effect.promise(() => connection.close().catch(() => undefined)))
        )
    ))
