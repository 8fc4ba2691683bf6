/**
 * Serves one JSON-RPC connection over any frame transport: reads frames,
 * answers each request exactly once, keeps per-key order among concurrent
 * requests, and writes responses and notifications through one outbound
 * mailbox so that what is enqueued first is written first.
 */
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ConnectionService } from "./Connection.js"
import { makeFlowMeter } from "./FlowControl.js"
import type { Dispatched, Dispatcher } from "./Dispatcher.js"
import {
  encodeResponse,
  type Frame,
  type IncomingMessage,
  messageSize,
  type OutgoingMessage,
  oversizedError,
  parseFrame,
  type RequestMessage,
  type ResponseMessage
} from "./JsonRpc.js"

/** A bidirectional channel of frames (stdio lines, WebSocket messages). */
export interface FrameTransport {
  /** Incoming frames; the stream ends when the peer closes the connection. */
  readonly frames: Stream.Stream<Frame, unknown>
  /** Writes a batch of serialized messages, in order. */
  readonly write: (messages: ReadonlyArray<OutgoingMessage>) => Effect.Effect<void, unknown>
}

/**
 * How a request is scheduled relative to the others of its connection:
 * `Concurrent`; in the `Lane` of a key (requests with the same key run one
 * after the other, in arrival order); `After` the lane's requests that
 * arrived before it, without holding up those that come later (a long-poll
 * read); or `Sequential` (nothing after it is read until it is done — for
 * the handshake).
 */
export type Ordering =
  | { readonly _tag: "Concurrent" }
  | { readonly _tag: "Lane"; readonly key: string }
  | { readonly _tag: "After"; readonly key: string }
  | { readonly _tag: "Sequential" }

/** Options of `serveConnection`. */
export interface ServeConnectionOptions<R> {
  readonly transport: FrameTransport
  /** Frames larger than this many bytes are answered with -32600 and dropped. */
  readonly maxMessageBytes: number
  readonly ordering: (request: RequestMessage) => Ordering
  /** Builds the connection's dispatcher; its scope is the connection's. */
  readonly makeDispatcher: (connection: ConnectionService) => Effect.Effect<Dispatcher, never, R | Scope.Scope>
  /** How long to let in-flight requests finish after the peer stops sending. */
  readonly drainTimeoutMs?: number
  /** Bytes queued for the client above which producers are paused (default 8 MiB); they resume below a quarter of it. */
  readonly outboundHighWaterMark?: number
  /** Called with each batch once the transport has written it (the messages may be reused then). */
  readonly onWritten?: (messages: ReadonlyArray<OutgoingMessage>) => void
}

let nextConnectionId = 1

/**
 * Serves a connection until its frames end or its writes fail, then lets
 * in-flight requests finish (bounded), closes the dispatcher's scope (which
 * ends the connection's sessions and processes) and flushes what is left to
 * write.
 */
export const serveConnection = <R>(
  options: ServeConnectionOptions<R>
): Effect.Effect<void, never, Exclude<R, Scope.Scope>> =>
  Effect.scoped(Effect.gen(function*() {
    const { transport } = options
    const outbound = yield* Mailbox.make<OutgoingMessage>()
    const highWaterMark = options.outboundHighWaterMark ?? 8 * 1024 * 1024
    const flow = makeFlowMeter({ highWaterMark, lowWaterMark: Math.floor(highWaterMark / 4) })
    const enqueue = (message: OutgoingMessage) => {
      if (outbound.unsafeOffer(message)) flow.queued(messageSize(message))
    }
    const writeFailed = yield* Deferred.make<void>()
    const writer = yield* Effect.gen(function*() {
      while (true) {
        const [messages, done] = yield* outbound.takeAll
        if (messages.length > 0) {
          const batch = Chunk.toReadonlyArray(messages)
          yield* transport.write(batch)
          let bytes = 0
          for (const message of batch) bytes += messageSize(message)
          flow.written(bytes)
          options.onWritten?.(batch)
        }
        if (done) return
      }
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.zipRight(
          Effect.logDebug("connection write failed; closing it", cause),
          Deferred.succeed(writeFailed, undefined)
        )
      ),
      Effect.forkScoped
    )
    // Runs after the dispatcher's finalizers: the last notifications of the
    // connection's processes are written before the transport is let go.
    yield* Effect.addFinalizer(() =>
      outbound.end.pipe(
        Effect.zipRight(writer.await),
        Effect.timeout("2 seconds"),
        Effect.ignore
      )
    )

    const connection: ConnectionService = {
      id: nextConnectionId++,
      send: enqueue,
      flow
    }
    const dispatcher = yield* options.makeDispatcher(connection)
    const inflight = yield* FiberSet.make()
    const lanes = new Map<string, Deferred.Deferred<void>>()

    const send = (response: ResponseMessage) => enqueue(encodeResponse(response))
    const runAfter = (dispatched: ReadonlyArray<Dispatched>) =>
      Effect.forEach(dispatched, (d) => Effect.all(d.afterResponse, { discard: true }), { discard: true })

    // Claims the request's place in its lane now (arrival order) and returns
    // the effect that waits for its turn, then runs it.
    const scheduled = (request: RequestMessage, ordering: Ordering): Effect.Effect<Dispatched> => {
      const run = dispatcher.handleRequest(request)
      if (ordering._tag !== "Lane" && ordering._tag !== "After") return run
      const previous = lanes.get(ordering.key)
      if (ordering._tag === "After") return previous === undefined ? run : Effect.zipRight(Deferred.await(previous), run)
      const mine = Deferred.unsafeMake<void>(FiberId.none)
      lanes.set(ordering.key, mine)
      const release = Effect.sync(() => {
        Deferred.unsafeDone(mine, Exit.void)
        if (lanes.get(ordering.key) === mine) lanes.delete(ordering.key)
      })
      return (previous === undefined ? run : Effect.zipRight(Deferred.await(previous), run)).pipe(
        Effect.ensuring(release)
      )
    }

    // Handles one message of a frame: a request is dispatched (forked unless
    // sequential), everything else is handled inline.
    type Outcome =
      | { readonly _tag: "Answer"; readonly response: ResponseMessage }
      | { readonly _tag: "Done"; readonly dispatched: Dispatched }
      | { readonly _tag: "Pending"; readonly dispatched: Effect.Effect<Dispatched> }
      | undefined
    const respond = (dispatched: Dispatched) =>
      Effect.zipRight(Effect.sync(() => send(dispatched.response)), runAfter([dispatched]))

    // `alone`: the message is a frame by itself, so a concurrent request can
    // answer as soon as it is done, in the one fiber that runs it.
    const handleMessage = (message: IncomingMessage, alone: boolean): Effect.Effect<Outcome> => {
      switch (message._tag) {
        case "Invalid":
          return Effect.succeed({ _tag: "Answer", response: { id: message.id, error: message.error } })
        case "ClientResponse":
          return Effect.as(Effect.logDebug("ignoring a response sent by the client"), undefined)
        case "Notification":
          return Effect.as(dispatcher.handleNotification(message), undefined)
        case "Request": {
          const ordering = options.ordering(message)
          const effect = scheduled(message, ordering)
          if (ordering._tag === "Sequential") {
            return Effect.map(effect, (dispatched) => ({ _tag: "Done", dispatched }))
          }
          if (alone) return Effect.as(FiberSet.run(inflight, Effect.flatMap(effect, respond)), undefined)
          return Effect.map(FiberSet.run(inflight, effect), (fiber) => ({ _tag: "Pending", dispatched: fiber.await.pipe(
            Effect.flatMap((exit) => exit)
          ) }))
        }
      }
    }

    const handleFrame = (frame: Frame): Effect.Effect<void> => {
      if (frame._tag === "Oversized") {
        return Effect.sync(() => send(oversizedError(frame.bytes, options.maxMessageBytes)))
      }
      const bytes = Buffer.byteLength(frame.text)
      if (bytes > options.maxMessageBytes) {
        return Effect.sync(() => send(oversizedError(bytes, options.maxMessageBytes)))
      }
      if (frame.text.trim() === "") return Effect.void
      const parsed = parseFrame(frame.text)
      if (parsed._tag === "Single") {
        return Effect.flatMap(handleMessage(parsed.message, true), (outcome) => {
          if (outcome === undefined) return Effect.void
          switch (outcome._tag) {
            case "Answer":
              return Effect.sync(() => send(outcome.response))
            case "Done":
              return respond(outcome.dispatched)
            case "Pending":
              return outcome.dispatched.pipe(Effect.flatMap(respond), FiberSet.run(inflight), Effect.asVoid)
          }
        })
      }
      // A batch: one array of responses, in the order of the requests.
      return Effect.gen(function*() {
        const outcomes = yield* Effect.forEach(parsed.messages, (message) => handleMessage(message, false))
        const collect = Effect.gen(function*() {
          const responses: Array<ResponseMessage> = []
          const dispatched: Array<Dispatched> = []
          for (const outcome of outcomes) {
            if (outcome === undefined) continue
            if (outcome._tag === "Answer") {
              responses.push(outcome.response)
              continue
            }
            const result = outcome._tag === "Done" ? outcome.dispatched : yield* outcome.dispatched
            responses.push(result.response)
            dispatched.push(result)
          }
          if (responses.length > 0) enqueue(JSON.stringify(responses))
          yield* runAfter(dispatched)
        })
        yield* FiberSet.run(inflight, collect)
      })
    }

    yield* transport.frames.pipe(
      Stream.runForEach(handleFrame),
      Effect.catchAllCause((cause) => Effect.logDebug("connection read failed; closing it", cause)),
      Effect.raceFirst(Deferred.await(writeFailed))
    )
    yield* FiberSet.awaitEmpty(inflight).pipe(
      Effect.timeout(options.drainTimeoutMs ?? 1000),
      Effect.ignore
    )
  }))
