/**
 * The client's way to an environment by id through NATS: a `Connector` of
 * the client (`ExecServerClient.make(NatsConnector.make({...}))`). Each
 * connect dials the cluster, subscribes its end of a new stream, and opens
 * the stream with a request on `exec.<env>.open`; NATS answers "no
 * responders" at once when no executor serves the environment, which is
 * `EnvironmentNotFound`. The stream then carries one JSON-RPC message per
 * message, as a WebSocket does.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { bearerTokenOf, type BearerTokenOptions } from "../client/bearerToken.js"
import { ConnectTimeout, TransportClosed } from "../client/ClientError.js"
import { type ClientTransport, INBOX_FRAMES } from "../client/ClientTransport.js"
import type { Frame } from "../wire/JsonRpc.js"
import { bytesOf } from "../wire/writers.js"
import * as ExecServerClient from "../client/ExecServerClient.js"
import * as PromiseClient from "../client/PromiseClient.js"
import type { Connector } from "../client/JsonRpcPeer.js"
import * as NatsConnect from "./natsConnect.js"
import type { NatsConnectOptions } from "./natsOptions.js"
import { environmentIdProblem } from "./natsUrl.js"
import * as Inbound from "./inbound.js"
import * as OpenStream from "./openStream.js"
import type * as RS from "./ReliableStream.js"

/**
 * How to reach an environment. `token` or `tokenFile` (read at every
 * connect, as for a WebSocket) is the bearer token the open frame carries,
 * for an executor that asks for one.
 */
export interface NatsConnectorOptions extends NatsConnectOptions, BearerTokenOptions {
  /** The environment's id (one subject token: 1-64 of A-Z a-z 0-9 _ -). */
  readonly environmentId: string
  /** How long the executor may take to answer an open (ms, default 5000). */
  readonly openTimeoutMs?: number | undefined
  /** Tuning of the stream's reliability layer (tests shorten its timers). */
  readonly streamOptions?: Partial<Omit<RS.StreamOptions, "streamId">> | undefined
}

export { parseUrl } from "./natsUrl.js"

const textDecoder = new TextDecoder()

/** A connector to the environment: each evaluation opens a new stream, closed (and its NATS connection) with the scope. */
export const make = (options: NatsConnectorOptions): Connector =>
  Effect.gen(function*() {
    const env = options.environmentId
    const where = `environment ${env} at ${options.servers.join(",")}`
    const problem = environmentIdProblem(env)
    if (problem !== undefined) return yield* new TransportClosed({ message: problem })
    const token = yield* bearerTokenOf(options)
    const connection = yield* NatsConnect.connectScoped(options).pipe(
      Effect.mapError((error) =>
        error.reason === "connect" && /timeout/i.test(error.message)
          ? new ConnectTimeout({ message: error.message })
          : new TransportClosed({ message: error.message })
      )
    )
    const closed = (error: { readonly reason: string; readonly byPeer: boolean }) =>
      new TransportClosed({
        message: error.byPeer ? `the executor of ${where} ended the stream: ${error.reason}` : `stream to ${where} ended: ${error.reason}`
      })
    // Each message is decoded into the inbox on the link's callback; a client that does not take its frames gives the executor no credit.
    const inbound = yield* Inbound.make<Frame, TransportClosed>({
      capacity: INBOX_FRAMES,
      frameOf: (bytes) => ({ _tag: "Text", text: textDecoder.decode(bytes) }),
      errorOf: closed
    })
    const channel = yield* OpenStream.open(connection, { ...options, where, token, deliver: inbound.deliver })
    yield* inbound.endWith(yield* Effect.scope)
    return {
      frames: inbound.frames,
      // In order: at once within the executor's credit, else as its credit comes (no fiber waits).
      write: (messages, done) => {
        channel.sendAll(messages.map(bytesOf), (reset) => done(reset === undefined ? undefined : closed(reset)))
      },
      // The stream ends with the scope (the executor is told); until then the connector keeps it.
      close: Effect.void,
      peer: { transport: "nats", address: where }
    } satisfies ClientTransport
  })

/** A client of the environment (reconnecting, and resuming a detachable session, through new streams). */
export const layer = (
  options: NatsConnectorOptions & ExecServerClient.ClientOptions
): Layer.Layer<ExecServerClient.ExecServerClient, Effect.Error<ReturnType<typeof ExecServerClient.make>>> =>
  Layer.effect(ExecServerClient.ExecServerClient, ExecServerClient.make(make(options), options))

/** The Promise API's client of the environment (`PromiseClient.connect`, by id). */
export const connectPromise = (
  options: NatsConnectorOptions & ExecServerClient.ClientOptions & PromiseClient.Abortable
): Promise<PromiseClient.Client> => PromiseClient.connectWith(make(options), options)
