/**
 * Carries one remote stream's frames over core NATS (no JetStream): each
 * direction is one subject, and NATS does the routing.
 *
 *   exec.<env>.<stream>.to-executor   frames from the client to the executor
 *   exec.<env>.<stream>.to-client     frames from the executor to the client
 *
 * Core NATS may lose frames (nats.js drops what is published while it
 * reconnects); the ReliableChannel on top retransmits them, and a reconnect
 * of this end's connection asks the peer to resume. The connection is the
 * caller's; docs/PROTOCOL.md says which of its options matter (reconnect for
 * ever, a short connect `timeout`, pings).
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Frames from "./frames.js"
import { isToken } from "./natsUrl.js"
import type { NatsConnection } from "@nats-io/transport-node"
import type { ArrivingBytes } from "../wire/arrivingBytes.js"
import * as ReliableChannel from "./ReliableChannel.js"
import type { StreamOptions } from "./ReliableStream.js"

/** Which end of a stream this is. */
export type Side = "client" | "executor"

/** Why a link could not be opened. */
export class NatsLinkError extends Data.TaggedError("RemoteNatsLinkError")<{
  readonly reason: "bad-name" | "subscribe"
  readonly message: string
}> {}


/** The subject a side's frames are published on. */
export const subjectTo = (env: string, streamId: string, to: Side): string => `exec.${env}.${streamId}.to-${to}`

/**
 * The subject a client opens a stream on: a NATS request carrying an `open`
 * frame of the new stream, answered by the executor with an `open` frame
 * (accepted, its end subscribed) or a `reset` frame whose payload says why
 * not. No executor serving the environment: NATS answers "no responders" at once.
 */
export const openSubject = (env: string): string => `exec.${env}.open`

/** A control frame of a stream (no seq): the `open` of the open handshake, or the `reset` refusing it with a reason. */
export const controlFrame = (kind: "open" | "reset", streamId: string, text = ""): Uint8Array =>
  Frames.encode({
    kind,
    streamId,
    seq: 0,
    ack: 0,
    ackBits: 0,
    credit: 0,
    segmentIndex: 0,
    segmentCount: 1,
    payload: new TextEncoder().encode(text)
  })

/**
 * What a client's `open` frame carries: a JSON object, `{"bearer": TOKEN}`
 * when it has a bearer token, empty otherwise. An object (not the bare
 * token) so that later fields can be added; unknown ones are ignored.
 */
const OpenPayload = Schema.fromJsonString(Schema.Struct({ bearer: Schema.optional(Schema.String) }))

const decodeOpenPayload = Schema.decodeUnknownResult(OpenPayload)

/** A client's `open` frame of a new stream, with its bearer token if it has one. */
export const openRequest = (streamId: string, bearer: string | undefined): Uint8Array =>
  controlFrame("open", streamId, bearer === undefined ? "" : Schema.encodeSync(OpenPayload)({ bearer }))

/** The bearer token an `open` frame's payload carries (undefined: none), or why the payload is malformed. */
export const bearerOfOpen = (payload: Uint8Array): Result.Result<string | undefined, string> =>
  payload.byteLength === 0
    ? Result.succeed(undefined)
    : decodeOpenPayload(new TextDecoder().decode(payload)).pipe(
      Result.map((open) => open.bearer),
      Result.mapError(() => "a malformed open payload")
    )

/**
 * How a refusal for want of credentials begins (`unauthorized: expired bearer
 * token`): the client tells it from other refusals, and reports it as such.
 */
export const UNAUTHORIZED_PREFIX = "unauthorized: "

export { isToken }

/** Stops nats.js's status iterator (a QueuedIterator, whose stop() is not in its public type) so the connection forgets it. */
const stopIterator = (iterable: AsyncIterable<unknown>) => {
  const stop = (iterable as { readonly stop?: unknown }).stop
  if (typeof stop === "function") stop.call(iterable)
}

/** Calls `onStatus` with the type of each status event of the connection (`reconnect`, `disconnect`, ...) for as long as the scope lives. */
export const watchStatuses = (connection: NatsConnection, onStatus: (type: string) => void): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    // The status iterator is read by hand: nats.js's ends only on its stop(); the return() that
    // for-await and Stream.fromAsyncIterable call on interruption waits for the next status, for ever
    // on a quiet connection. A pending next() is simply abandoned when the fiber is interrupted.
    const statuses = connection.status()
    const iterator = statuses[Symbol.asyncIterator]()
    yield* Effect.addFinalizer(() => Effect.sync(() => stopIterator(statuses)))
    yield* Effect.forkScoped(Effect.gen(function*() {
      for (;;) {
        const next = yield* Effect.promise(() => iterator.next())
        if (next.done === true) return
        onStatus(next.value.type)
      }
    }))
  })

/** The reconnects of one NATS connection, told to every stream on it by one status watcher. */
export interface Reconnects {
  /** Calls `listener` at each reconnect of the connection for as long as the scope lives. */
  readonly onReconnect: (listener: () => void) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * Watches a connection's reconnects for as long as the scope lives. One
 * watcher per connection, not per stream: an executor's 128 streams share
 * one, and so do a gateway's.
 */
export const watchReconnects = (connection: NatsConnection): Effect.Effect<Reconnects, never, Scope.Scope> =>
  Effect.gen(function*() {
    const listeners = new Set<() => void>()
    yield* watchStatuses(connection, (type) => {
      if (type === "reconnect") for (const listener of listeners) listener()
    })
    return {
      onReconnect: (listener) =>
        Effect.acquireRelease(Effect.sync(() => void listeners.add(listener)), () => Effect.sync(() => void listeners.delete(listener)))
    }
  })

/** The largest segment whose frame fits the server's max_payload (NATS's default is 1 MB). */
const fittingPayload = (connection: NatsConnection, streamId: string): number => {
  const limit = connection.info?.max_payload
  return limit === undefined ? Infinity : Math.max(1, limit - Frames.HEADER_BYTES - new TextEncoder().encode(streamId).length)
}

/**
 * Opens `side`'s end of stream `options.streamId` of environment `env` on a
 * connection; closing the scope unsubscribes. `reconnects` is the
 * connection's watcher when several streams share it (one is made otherwise).
 */
export const open = (params: {
  readonly connection: NatsConnection
  readonly env: string
  readonly side: Side
  readonly options: StreamOptions
  readonly reconnects?: Reconnects | undefined
  /** Takes what comes in as it comes, instead of `receive` (ReliableChannel.make). */
  readonly deliver?: ReliableChannel.Deliver | undefined
  /** The budget of messages being reassembled that this stream shares (an executor's streams). */
  readonly arriving?: ArrivingBytes | undefined
}): Effect.Effect<ReliableChannel.ReliableChannel, NatsLinkError, Scope.Scope> =>
  Effect.gen(function*() {
    const { connection, env, side, options } = params
    if (!isToken(env) || !isToken(options.streamId)) {
      return yield* new NatsLinkError({ reason: "bad-name", message: `environment ${env} or stream ${options.streamId} is not a subject token` })
    }
    const peer: Side = side === "client" ? "executor" : "client"
    const outbound = subjectTo(env, options.streamId, peer)
    // A cluster configured with a max_payload below the segment size would refuse every full frame: segments fit it.
    const maxPayload = Math.min(options.maxPayload, fittingPayload(connection, options.streamId))
    // nats.js copies what it publishes at its next flush (a microtask), so acknowledged frames can be reused.
    const channel = yield* ReliableChannel.make({ ...options, maxPayload, reuseFrames: true }, (frame) => {
      try {
        connection.publish(outbound, frame)
      } catch {
        // A closed connection or a frame over max_payload: lost like any other, the stream's retransmission and reset cover it.
      }
    }, params.deliver, params.arriving)
    const subscription = yield* Effect.try({
      try: () => connection.subscribe(subjectTo(env, options.streamId, side), {
        // A callback, not the iterator: the iterator buffers without limit; the credit window bounds what comes here.
        callback: (error, message) => {
          // A view into nats.js's read buffer: the stream copies what it keeps (ReliableStream's `kept`, reassembly).
          if (error === null) channel.onFrame(message.data)
        }
      }),
      catch: (error) => new NatsLinkError({ reason: "subscribe", message: String(error) })
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => subscription.unsubscribe()))
    // Registered with the server before the peer is told anything.
    yield* Effect.tryPromise({
      try: () => connection.flush(),
      catch: (error) => new NatsLinkError({ reason: "subscribe", message: String(error) })
    })
    const reconnects = params.reconnects ?? (yield* watchReconnects(connection))
    yield* reconnects.onReconnect(() => channel.reconnected())
    return channel
  })
