/**
 * The executor's accept side: a `ServerTransport` whose connections are the
 * remote streams clients open on the environment through NATS. A client
 * sends a request on `exec.<env>.open` with an `open` frame; the executor
 * subscribes its end of the stream, then answers with an `open` frame (or a
 * `reset` frame saying why not: no or a wrong bearer token, too many
 * streams, a bad or duplicate id).
 * Each stream is then one JSON-RPC connection to the server, as a WebSocket
 * is: one message per JSON-RPC frame, both ways, over a ReliableChannel.
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Msg, NatsConnection } from "@nats-io/transport-node"
import { type FrameTransport, makeHandoff, ServerTransport, TransportError } from "../jsonrpc/Transport.js"
import { makeLogBudget } from "../observability/logBudget.js"
import { asksForToken, type BearerAuth, bearerAuthProblem, bearerRefusal } from "../listeners/bearerAuth.js"
import { DEFAULT_MAX_MESSAGE_BYTES, type Frame as JsonRpcFrame } from "../wire/JsonRpc.js"
import * as Frames from "./frames.js"
import * as Inbound from "./inbound.js"
import * as NatsConnect from "./natsConnect.js"
import type { NatsConnectOptions } from "./natsOptions.js"
import * as NatsLink from "./NatsLink.js"
import { makeOpenBudget, OPEN_BURST, OPENS_PER_SECOND, senderOf } from "./openBudget.js"
import { environmentIdProblem } from "./natsUrl.js"
import type { ReliableChannel, StreamReset } from "./ReliableChannel.js"
import * as Registry from "./Registry.js"
import * as RS from "./ReliableStream.js"
import { ArrivingBytes, defaultArrivingLimit } from "../wire/arrivingBytes.js"
import { bytesOf } from "../wire/writers.js"
import { oversizedFrameRead } from "../native/oversizedMemory.js"

/** The reference caps an executor at 128 sessions; one stream is one connection, so at most one session. */
export const DEFAULT_MAX_STREAMS = 128

/**
 * What the executor is told. `tokenSha256` or `signedBearer` (as the
 * WebSocket listener takes them) make every stream's open frame carry a
 * valid bearer token: NATS permissions decide who reaches the environment,
 * the token who may run commands on it.
 */
export interface NatsServerOptions extends NatsConnectOptions, BearerAuth {
  /** The environment this executor serves (one subject token). */
  readonly environmentId: string
  /** Streams open at once at most (default 128); one more is refused. */
  readonly maxStreams?: number | undefined
  /** Largest message taken from a client; a larger one is answered -32600, as on other transports (default 16 MiB). */
  readonly maxMessageBytes?: number | undefined
  /** Tuning of every stream's reliability layer (tests shorten its timers). */
  readonly streamOptions?: Partial<Omit<RS.StreamOptions, "streamId">> | undefined
  /** The registry entry: its bucket and heartbeat (`Registry`'s defaults), or `false` to not register. */
  readonly registry?: false | {
    readonly bucket?: string
    readonly replicas?: number
    readonly heartbeatMs?: number
  } | undefined
  /** This server's version, as the registry shows it. */
  readonly serverVersion?: string | undefined
}

/** Why an open was refused; the client reads the reason from the reset frame. */
class OpenRefused extends Data.TaggedError("RemoteOpenRefused")<{ readonly streamId: string; readonly reason: string }> {}

/** How long a closing stream waits for the peer to acknowledge what was written before it resets. */
const CLOSE_GRACE = "5 seconds"

/** A stream's incoming side (inbound.ts): a client message too large for the server is said as such, not decoded. */
const makeInbound = (maxMessageBytes: number) => {
  const decoder = new TextDecoder()
  return Inbound.make<JsonRpcFrame, StreamReset>({
    capacity: 4,
    frameOf: (bytes) => {
      if (bytes.byteLength <= maxMessageBytes) return { _tag: "Text", text: decoder.decode(bytes) }
      oversizedFrameRead()
      return { _tag: "Oversized", bytes: bytes.byteLength }
    },
    errorOf: (reset) => reset
  })
}

/**
 * One stream as a FrameTransport, living in `scope`: the inbound side
 * (`makeInbound`) feeds the server's queue of frames; writes go to the channel in
 * order, at once within the client's credit, else as the credit comes
 * (`sendAll`: no fiber per write, which a stream held by its client's
 * credit would wake for every message).
 */
const streamTransport = (
  channel: ReliableChannel,
  frames: Queue.Dequeue<JsonRpcFrame, StreamReset | Cause.Done>,
  scope: Scope.Closeable
): Effect.Effect<FrameTransport> =>
  Effect.sync(() => {
    let closing = false
    // What was written goes out and is acknowledged before the stream ends; a peer that is gone gets a reset.
    // Interruptible: `close` is called from the connection's finalizers, whose forks would inherit their
    // uninterruptibility, and the grace's timeout could then never end a wait for a peer that never acknowledges.
    const closeThenEnd = channel.close.pipe(
      Effect.timeout(CLOSE_GRACE),
      Effect.ignore,
      Effect.interruptible,
      Effect.ensuring(Scope.close(scope, Exit.void))
    )
    return {
      frames,
      write: (messages, done) => {
        // Writes that come after the end are failed, never left waiting: a server waits on `done`.
        if (closing) return done(new Error("the stream is closed"))
        channel.sendAll(
          messages.map(bytesOf),
          (reset) => done(reset === undefined ? undefined : new Error(`stream ${channel.streamId} reset: ${reset.reason}`))
        )
      },
      close: Effect.suspend(() => {
        if (closing) return Effect.void
        closing = true
        return Effect.asVoid(Effect.forkIn(closeThenEnd, scope))
      }),
      peer: { transport: "nats", address: channel.streamId }
    } satisfies FrameTransport
  })

/** The executor's listener, and its withdrawal from the environment ahead of a server that replaces it. */
export type NatsListener = typeof ServerTransport.Service & {
  /** Stops answering opens, deletes the registry entry and resets the open streams; the scope's end does the rest. */
  readonly withdraw: Effect.Effect<void>
}

/**
 * Serves the environment for as long as the scope lives: connects, answers
 * opens, and hands each stream to the server as a connection. Closing the
 * scope resets the open streams and closes the NATS connection.
 */
export const make = (
  options: NatsServerOptions
): Effect.Effect<NatsListener, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const env = options.environmentId
    const problem = environmentIdProblem(env)
    if (problem !== undefined) return yield* new TransportError({ message: problem })
    const authProblem = bearerAuthProblem(options)
    if (authProblem !== undefined) return yield* new TransportError({ message: authProblem })
    const auth: BearerAuth = { tokenSha256: options.tokenSha256, signedBearer: options.signedBearer }
    const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    // As on a WebSocket: messages between the limit and twice it are reassembled and answered -32600, larger ones
    // reset the stream; the messages being reassembled over all streams share a budget (see wire/arrivingBytes.ts).
    const maxReassembled = maxMessageBytes * 2 + 1024 * 1024
    const arriving = new ArrivingBytes(defaultArrivingLimit(maxMessageBytes))
    const connection: NatsConnection = yield* NatsConnect.connectScoped(options).pipe(
      Effect.mapError((error) => new TransportError({ message: error.message }))
    )
    const transportScope = yield* Effect.scope
    const reconnects = yield* NatsLink.watchReconnects(connection)
    const context = yield* Effect.context<never>()
    const accepted = yield* makeHandoff<FrameTransport>()
    /** Streams open now, by id, with their scopes: the cap, a duplicate id refused, and a withdrawal's resets. */
    const open = new Map<string, Scope.Closeable>()
    const opens = makeOpenBudget()
    const refusalLog = makeLogBudget()

    const accept = (message: Msg): Effect.Effect<void> =>
      Effect.gen(function*() {
        const request = Frames.decode(message.data)
        if (Result.isFailure(request) || request.success.kind !== "open") {
          return yield* new OpenRefused({ streamId: "invalid", reason: "not an open frame" })
        }
        const streamId = request.success.streamId
        const refuse = (reason: string) => new OpenRefused({ streamId: NatsLink.isToken(streamId) ? streamId : "invalid", reason })
        if (!NatsLink.isToken(streamId)) return yield* refuse(`stream id ${JSON.stringify(streamId)} is not a subject token`)
        // Before the token check and anything made for the stream: a loop of opens costs little.
        if (!opens.take(senderOf(message.reply))) {
          return yield* refuse(`too many opens from this sender (${OPENS_PER_SECOND} a second after the first ${OPEN_BURST}): retry later`)
        }
        // Checked at each open (a signed token's exp too), before anything is made for the stream.
        if (asksForToken(auth)) {
          const bearer = NatsLink.bearerOfOpen(request.success.payload)
          const why = Result.isFailure(bearer) ? bearer.failure : yield* Effect.promise(() => bearerRefusal(bearer.success, auth))
          if (why !== undefined) return yield* refuse(`${NatsLink.UNAUTHORIZED_PREFIX}${why}`)
        }
        if (open.has(streamId)) return yield* refuse(`stream ${streamId} is already open`)
        if (open.size >= maxStreams) return yield* refuse(`the executor of ${env} serves ${maxStreams} streams at most`)
        const scope = yield* Scope.fork(transportScope, "sequential")
        open.set(streamId, scope)
        yield* Scope.addFinalizer(scope, Effect.sync(() => open.delete(streamId)))
        const inbound = yield* makeInbound(maxMessageBytes)
        const channel = yield* NatsLink.open({
          connection,
          env,
          side: "executor",
          options: { ...RS.defaultOptions(streamId), maxMessage: maxReassembled, ...options.streamOptions, streamId },
          reconnects,
          deliver: inbound.deliver,
          arriving
        }).pipe(
          Scope.provide(scope),
          Effect.tapError(() => Scope.close(scope, Exit.void)),
          Effect.mapError((error) => refuse(error.message))
        )
        yield* inbound.endWith(scope)
        const transport = yield* streamTransport(channel, inbound.frames, scope)
        // Subscribed and flushed before the answer: the client's first frames find the stream.
        message.respond(NatsLink.controlFrame("open", streamId))
        accepted.offer(transport)
      }).pipe(
        Effect.catchTag("RemoteOpenRefused", ({ reason, streamId }) => {
          // Refusals cost a sender nothing: what one can make the executor log is bounded (see logBudget.ts).
          const heldBack = refusalLog.take(senderOf(message.reply))
          return Effect.andThen(
            heldBack === undefined
              ? Effect.void
              : Effect.logWarning("remote stream refused").pipe(Effect.annotateLogs({ environment: env, reason, ...heldBack })),
            Effect.sync(() => message.respond(NatsLink.controlFrame("reset", streamId, reason)))
          )
        })
      )

    // Claimed before the open subject is served: two executors answering the
    // opens of one id would each take half of its clients. Without JetStream
    // the environment is still served, unlisted and unguarded (said once).
    const registration = options.registry === false ? undefined : yield* Registry.register(connection, {
      ...options.registry,
      environmentId: env,
      name: options.name ?? env,
      serverVersion: options.serverVersion ?? "unknown",
      sessions: () => open.size
    }).pipe(
      Effect.catchTag("RemoteEnvironmentInUse", (error) => Effect.fail(new TransportError({ message: error.message }))),
      Effect.catchTag("RemoteRegistryError", (error) =>
        Effect.as(
          Effect.logWarning("environment not registered: it is served, but not listed nor guarded against a second executor").pipe(
            Effect.annotateLogs({ environment: env, reason: error.message })
          ),
          undefined
        ))
    )

    const subscription = yield* Effect.try({
      try: () =>
        connection.subscribe(NatsLink.openSubject(env), {
          callback: (error, message) => {
            // Effect 4 runs it at once, up to its first wait: opens are still taken in the order they came.
            if (error === null) Effect.runForkWith(context)(accept(message))
          }
        }),
      catch: (error) => new TransportError({ message: `cannot subscribe to ${NatsLink.openSubject(env)}: ${String(error)}` })
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => subscription.unsubscribe()))
    // The environment is reachable once the subscription is registered: an open from then on is answered.
    yield* Effect.tryPromise({
      try: () => connection.flush(),
      catch: (error) => new TransportError({ message: `NATS: ${String(error)}` })
    })
    // Another executor took the id over: this one stops serving it.
    const lost = registration === undefined
      ? undefined
      : Effect.mapError(registration.lost, (error) => new TransportError({ message: error.message }))
    return {
      url: `nats://${options.servers.map((server) => server.replace(/^nats:\/\//, "")).join(",")}/${env}`,
      connections: lost === undefined ? accepted.stream : accepted.stream.pipe(Stream.merge(Stream.fromEffect(lost))),
      accept: (serve) => lost === undefined ? accepted.accept(serve) : Effect.raceFirst(accepted.accept(serve), lost),
      // Opens go unanswered from now (no responders: the clients' attempts fail as retryable), the entry is
      // deleted so that the next executor claims it at once, and the open streams are reset, so their clients
      // come back without waiting for silence to tell them.
      withdraw: Effect.gen(function*() {
        subscription.unsubscribe()
        if (registration !== undefined) yield* registration.release
        yield* Effect.forEach([...open.values()], (scope) => Scope.close(scope, Exit.void), { concurrency: "unbounded", discard: true })
      })
    }
  })

/** Provides the executor's transport for as long as the layer lives. */
export const layer = (options: NatsServerOptions): Layer.Layer<ServerTransport, TransportError> =>
  Layer.effect(ServerTransport, make(options))
