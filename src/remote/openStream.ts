/**
 * Opening one remote stream to an environment on a NATS connection the
 * caller holds: the client's end subscribed, then the open handshake on
 * `exec.<env>.open`. NatsConnector (one connection per client) and the
 * gateway (one connection for all its clients) both open streams with it.
 * Internal: its signature names nats.js's connection type, which the public
 * modules' declarations avoid (see natsOptions.ts).
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { type NatsConnection, NoRespondersError, RequestError, TimeoutError } from "@nats-io/transport-node"
import { ConnectTimeout, EnvironmentNotFound, TransportClosed, CredentialsRefused } from "../client/ClientError.js"
import * as Frames from "./frames.js"
import * as NatsLink from "./NatsLink.js"
import { environmentIdProblem } from "./natsUrl.js"
import type { Deliver, ReliableChannel } from "./ReliableChannel.js"
import * as RS from "./ReliableStream.js"

/** Which stream to open, and how long to wait for the executor. */
export interface OpenStreamOptions {
  /** The environment's id (one subject token: 1-64 of A-Z a-z 0-9 _ -). */
  readonly environmentId: string
  /** How long the executor may take to answer an open (ms, default 5000). */
  readonly openTimeoutMs?: number | undefined
  /** Tuning of the stream's reliability layer (tests shorten its timers). */
  readonly streamOptions?: Partial<Omit<RS.StreamOptions, "streamId">> | undefined
  /** How errors name the environment (default `environment ID`). */
  readonly where?: string | undefined
  /** The bearer token the open frame carries, for an executor that asks for one. */
  readonly token?: string | undefined
  /** The connection's reconnect watcher when several streams share the connection (one is made otherwise). */
  readonly reconnects?: NatsLink.Reconnects | undefined
  /** Takes what comes in as it comes, instead of the channel's `receive` (ReliableChannel.make). */
  readonly deliver?: Deliver | undefined
}

const textDecoder = new TextDecoder()

/** Why the executor refused an open, from its reset frame. */
const refusalOf = (reply: Uint8Array): string | undefined => {
  const frame = Frames.decode(reply)
  if (Result.isFailure(frame)) return `a malformed answer: ${frame.failure.message}`
  if (frame.success.kind === "open") return undefined
  if (frame.success.kind === "reset") return textDecoder.decode(frame.success.payload)
  return `an unexpected ${frame.success.kind} frame`
}

/**
 * Opens a new stream to the environment: this end's channel, one message per
 * message, reset (if not done) and unsubscribed when the scope closes. No
 * executor serving the environment is `EnvironmentNotFound`, at once.
 */
export const open = (
  connection: NatsConnection,
  options: OpenStreamOptions
): Effect.Effect<ReliableChannel, EnvironmentNotFound | ConnectTimeout | TransportClosed | CredentialsRefused, Scope.Scope> =>
  Effect.gen(function*() {
    const env = options.environmentId
    const where = options.where ?? `environment ${env}`
    const problem = environmentIdProblem(env)
    if (problem !== undefined) return yield* new TransportClosed({ message: problem })
    // A stream id nobody else picks: a UUID is a subject token.
    const streamId = randomUUID()
    const channel = yield* NatsLink.open({
      connection,
      env,
      side: "client",
      options: { ...RS.defaultOptions(streamId), ...options.streamOptions, streamId },
      reconnects: options.reconnects,
      deliver: options.deliver
    }).pipe(Effect.mapError((error) => new TransportClosed({ message: error.message })))
    const openTimeoutMs = options.openTimeoutMs ?? 5000
    const reply = yield* Effect.tryPromise({
      try: () => connection.request(NatsLink.openSubject(env), NatsLink.openRequest(streamId, options.token), { timeout: openTimeoutMs }),
      catch: (error) =>
        error instanceof NoRespondersError ||
          (error instanceof RequestError && error.isNoResponders())
          ? new EnvironmentNotFound({ environmentId: env, message: `no executor serves ${where}` })
          : error instanceof TimeoutError
          ? new ConnectTimeout({ message: `the executor of ${where} did not answer within ${openTimeoutMs} ms` })
          : new TransportClosed({ message: `cannot open a stream to ${where}: ${String(error)}` })
    })
    const refusal = refusalOf(reply.data)
    if (refusal !== undefined) {
      const message = `the executor of ${where} refused the stream: ${refusal}`
      // As a WebSocket's HTTP 401: not retried, the token has to change first.
      return yield* refusal.startsWith(NatsLink.UNAUTHORIZED_PREFIX) ? new CredentialsRefused({ message }) : new TransportClosed({ message })
    }
    return channel
  })
