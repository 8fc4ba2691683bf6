/**
 * Serves one JSON-RPC connection over any frame transport: reads frames,
 * answers each request exactly once, keeps per-key order among concurrent
 * requests, and writes responses and notifications through one outbound
 * queue so that what is sent first is written first.
 *
 * Not effect/rpc's `RpcServer` with `RpcSerialization.jsonRpc`: that one
 * makes request ids numbers (string ids come back changed, id 0 is lost),
 * encodes failures as a `Cause` instead of `{code, message, data}`, cannot
 * push notifications outside a streaming response, and knows nothing of
 * per-process ordering, batches or flow control (see docs/ARCHITECTURE.md).
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Pull from "effect/Pull"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import { startupSnapshot } from "node:v8"
import { ClientRequestFailed } from "./clientMessages.js"
import { type ConnectionService, notifier } from "./Connection.js"
import { makeFiberGroup } from "./FiberGroup.js"
import { makeFlowMeter } from "./FlowControl.js"
import { Lanes } from "./Lanes.js"
import * as Outbound from "./Outbound.js"
import type { FrameTransport } from "./Transport.js"
import type { Dispatched, Dispatcher } from "./Dispatcher.js"
import {
  encodeRequest,
  encodeResponse,
  type Frame,
  type IncomingMessage,
  busyBytesError,
  busyError,
  DEFAULT_MAX_INFLIGHT_REQUEST_BYTES,
  oversizedError,
  parseFrame,
  type RequestMessage,
  type ResponseMessage
} from "../wire/JsonRpc.js"

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
  /**
   * Builds the connection's dispatcher; `scope` is the connection's, closed
   * when it ends, and `context` its fiber's (what runs from its callbacks).
   */
  readonly makeDispatcher: (
    connection: ConnectionService,
    scope: Scope.Scope,
    context: Context.Context<never>
  ) => Effect.Effect<Dispatcher, never, R>
  /** How long to let in-flight requests finish after the peer stops sending. */
  readonly drainTimeoutMs?: number
  /** Bytes queued for the client above which producers are paused (default 8 MiB); they resume below a quarter of it. */
  readonly outboundHighWaterMark?: number
  /** The pool outgoing message buffers come from, shared by a server's connections (default: one of the connection's own). */
  readonly messagePool?: Outbound.MessagePool | undefined
  /**
   * Requests in flight (running, or waiting for their turn in a lane) above
   * which a new one is answered at once with a retryable -32001, so that a
   * client cannot pin unbounded fibers and memory (default 4096).
   */
  readonly maxInflightRequests?: number
  /**
   * Bytes of request messages in flight on a connection (requests waiting
   * for their turn in a lane included), beyond which a new one is answered at
   * once with a retryable -32001: large requests that wait (slow upstreams of
   * http/request, a lane held up) must not grow the server without bound
   * (default 64 MiB; a request alone is always taken).
   */
  readonly maxInflightRequestBytes?: number
  /**
   * Called once the connection is read, with a function that stops reading
   * it as the peer's end of frames would: requests in flight get their
   * moment, then the connection closes (a handshake deadline calls it).
   */
  readonly whileReading?: ((stopReading: () => void) => void) | undefined
}

let nextConnectionId = 1
// A server started from the startup snapshot numbers its connections from 1 too, not after the rehearsal's.
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.addSerializeCallback(() => void (nextConnectionId = 1))

/**
 * Serves a connection until its frames end or its writes fail, then lets
 * in-flight requests finish (bounded), closes the dispatcher's scope (which
 * ends the connection's sessions and processes) and flushes what is left to
 * write.
 */
export const serveConnection = <R>(
  options: ServeConnectionOptions<R>
): Effect.Effect<void, never, R> =>
  // The connection's scope is given to what needs it, not provided: nothing
  // of the connection asks for a Scope in its context, and Effect.scoped
  // would wrap the connection in an acquire-use-release.
  Effect.flatMap(Scope.make(), (scope) => Effect.onExit(Effect.gen(function*() {
    const { transport } = options
    const highWaterMark = options.outboundHighWaterMark ?? 8 * 1024 * 1024
    const flow = makeFlowMeter({ highWaterMark, lowWaterMark: Math.floor(highWaterMark / 4) })
    const outbound = Outbound.make({ write: transport.write, flow, pool: options.messagePool })
    const enqueue = outbound.send
    // Run after the dispatcher's finalizers, last to first: the last
    // notifications of the connection's processes are written, then the
    // transport is let go.
    // (On the scope itself: these need nothing of this fiber's context.)
    yield* Scope.addFinalizer(scope, transport.close)
    // Interruptible, or the timeout could not end the wait inside the
    // finalizer: a client that stopped reading would hold the server up.
    // Nothing left to write is the common case, and needs no timer.
    const stallMs = transport.closeFlushStallMs
    // Written while the peer takes a batch at least every `stallMs`.
    const flushWhileRead = (stallMs: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        const written = outbound.batchesWritten
        return outbound.close.pipe(
          Effect.timeout(stallMs),
          Effect.catchTag("TimeoutError", () => outbound.batchesWritten > written ? flushWhileRead(stallMs) : Effect.void)
        )
      })
    yield* Scope.addFinalizer(
      scope,
      Effect.suspend(() =>
        outbound.idle
          ? outbound.close
          : Effect.interruptible(
            stallMs === undefined ? Effect.ignore(Effect.timeout(outbound.close, "2 seconds")) : flushWhileRead(stallMs)
          )
      )
    )

    // The server's own requests (network/policyRequest), by their ids, until answered.
    const asked = new Map<number, Deferred.Deferred<unknown, ClientRequestFailed>>()
    let nextRequestId = 1
    let reading = true
    const request = (method: string, params: unknown): Effect.Effect<unknown, ClientRequestFailed> =>
      Effect.suspend(() => {
        if (!reading) return Effect.fail(new ClientRequestFailed({ reason: "noClient" }))
        const id = nextRequestId++
        const answer = Deferred.makeUnsafe<unknown, ClientRequestFailed>()
        asked.set(id, answer)
        enqueue(encodeRequest(id, method, params))
        return Effect.ensuring(Deferred.await(answer), Effect.sync(() => asked.delete(id)))
      })
    const answered = (message: Extract<IncomingMessage, { readonly _tag: "ClientResponse" }>): Effect.Effect<void> => {
      const answer = typeof message.id === "number" ? asked.get(message.id) : undefined
      if (answer === undefined) return Effect.logDebug("ignoring a response to no request of ours")
      asked.delete(message.id as number)
      Deferred.doneUnsafe(
        answer,
        message.error === undefined
          ? Exit.succeed(message.result)
          : Exit.fail(new ClientRequestFailed({ reason: "answeredError", error: message.error }))
      )
      return Effect.void
    }

    const extensions = new Set<string>()
    const connection: ConnectionService = {
      id: nextConnectionId++,
      send: enqueue,
      allocate: outbound.allocate,
      flow,
      request,
      notify: notifier(enqueue, extensions),
      extensions
    }
    // Taken once: the dispatcher's session and the requests' fibers share it.
    const context = yield* Effect.context<never>()
    const dispatcher = yield* options.makeDispatcher(connection, scope, context)
    // Requests start at once, in the reading fiber's turn, instead of waiting
    // for a scheduler tick; they are tracked in `inflight`. Each fiber is
    // forked in the handlers' context where they share one (the dispatcher
    // adds the request's hooks to it).
    const inflight = makeFiberGroup(Effect.runForkWith(dispatcher.handlerContext ?? context))
    yield* Scope.addFinalizer(scope, inflight.interruptAll)
    const runFork = inflight.run
    const lanes = new Lanes()

    const send = (response: ResponseMessage) => enqueue(encodeResponse(response))

    const maxInflight = options.maxInflightRequests ?? 4096
    const maxInflightBytes = options.maxInflightRequestBytes ?? DEFAULT_MAX_INFLIGHT_REQUEST_BYTES
    let inflightRequests = 0
    let inflightBytes = 0
    /** Claims a place for a request of `bytes`; the refusal to answer when the connection is at a limit. */
    const admit = (id: RequestMessage["id"], bytes: number): ResponseMessage | undefined => {
      if (inflightRequests >= maxInflight) return busyError(id, maxInflight)
      if (inflightBytes > 0 && inflightBytes + bytes > maxInflightBytes) return busyBytesError(id, maxInflightBytes)
      inflightRequests++
      inflightBytes += bytes
      return undefined
    }
    // An admitted request's place is given back when its fiber ends, however
    // it ends (an observer costs less than an `ensuring` on every request).
    const releaseOf = (bytes: number) => () => {
      inflightRequests--
      inflightBytes -= bytes
    }

    // Starts a request's fiber now or, in a lane, when its turn comes (its
    // place is claimed now, in arrival order).
    const start = (ordering: Ordering, effect: Effect.Effect<void>, bytes: number): void => {
      const release = releaseOf(bytes)
      if (ordering._tag === "Lane" || ordering._tag === "After") {
        lanes.enter(ordering.key, ordering._tag === "Lane", (done) => {
          runFork(effect, () => {
            release()
            done()
          })
        })
      } else {
        runFork(effect, release)
      }
    }

    // Runs the dispatcher's work in a fiber of its own (see `Dispatcher`) and waits for it.
    const runAlone = <A>(effect: Effect.Effect<A>): Effect.Effect<A> => Effect.flatten(Fiber.await(runFork(effect)))
    const runAdmittedAlone = <A>(effect: Effect.Effect<A>, bytes: number): Effect.Effect<A> =>
      Effect.flatten(Fiber.await(runFork(effect, releaseOf(bytes))))

    // Handles a frame that holds one message. Returns the work that must be
    // done before the next frame is handled (the handshake, a notification).
    const handleSingle = (message: IncomingMessage, bytes: number): Effect.Effect<void> | undefined => {
      switch (message._tag) {
        case "Invalid":
          send({ id: message.id, error: message.error })
          return undefined
        case "ClientResponse":
          return answered(message)
        case "Notification":
          return runAlone(dispatcher.handleNotification(message))
        case "Request": {
          const refusal = admit(message.id, bytes)
          if (refusal !== undefined) {
            send(refusal)
            return undefined
          }
          const ordering = options.ordering(message)
          const effect = dispatcher.answerRequest(message, send)
          if (ordering._tag === "Sequential") return runAdmittedAlone(effect, bytes)
          start(ordering, effect, bytes)
          return undefined
        }
      }
    }

    // One message of a batch: requests run (forked unless sequential) and are
    // answered in the batch's array; the rest is handled inline.
    type Outcome =
      | { readonly _tag: "Answer"; readonly response: ResponseMessage }
      | { readonly _tag: "Done"; readonly dispatched: Dispatched }
      | { readonly _tag: "Pending"; readonly dispatched: Effect.Effect<Dispatched> }
      | undefined
    const handleBatchMessage = (message: IncomingMessage, bytes: number): Effect.Effect<Outcome> => {
      switch (message._tag) {
        case "Invalid":
          return Effect.succeed({ _tag: "Answer", response: { id: message.id, error: message.error } })
        case "ClientResponse":
        case "Notification":
          // Handled as in a frame of their own; they add nothing to the answer.
          return Effect.as(handleSingle(message, bytes) ?? Effect.void, undefined)
        case "Request": {
          const refusal = admit(message.id, bytes)
          if (refusal !== undefined) return Effect.succeed({ _tag: "Answer", response: refusal })
          const ordering = options.ordering(message)
          const effect = dispatcher.handleRequest(message)
          if (ordering._tag === "Sequential") {
            return Effect.map(runAdmittedAlone(effect, bytes), (dispatched) => ({ _tag: "Done", dispatched }))
          }
          const result = Deferred.makeUnsafe<Dispatched>()
          start(ordering, Deferred.into(effect, result), bytes)
          return Effect.succeed({ _tag: "Pending", dispatched: Deferred.await(result) })
        }
      }
    }

    // A batch: one array of responses, in the order of the requests.
    const handleBatch = (messages: ReadonlyArray<IncomingMessage>, bytes: number): Effect.Effect<void> =>
      Effect.gen(function*() {
        // Each message of a batch is counted as its share of the frame.
        const share = Math.ceil(bytes / Math.max(1, messages.length))
        const outcomes = yield* Effect.forEach(messages, (message) => handleBatchMessage(message, share))
        runFork(Effect.gen(function*() {
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
          yield* Effect.forEach(dispatched, (result) => result.afterResponse, { discard: true })
        }))
      })

    const handleFrame = (frame: Frame): Effect.Effect<void> | undefined => {
      const bytes = frame._tag === "Oversized" ? frame.bytes : Buffer.byteLength(frame.text)
      if (frame._tag === "Oversized" || bytes > options.maxMessageBytes) {
        send(oversizedError(bytes, options.maxMessageBytes))
        return undefined
      }
      if (frame.text.trim() === "") return undefined
      const parsed = parseFrame(frame.text)
      // The text's length stands for its bytes (JSON is mostly ASCII; the limit is a bound, not a meter).
      return parsed._tag === "Single" ? handleSingle(parsed.message, frame.text.length) : handleBatch(parsed.messages, frame.text.length)
    }

    // Until the frames end (`Cause.Done`, after the last of them) or fail.
    const readFrames = Effect.gen(function*() {
      while (true) {
        const frames = yield* Queue.takeAll(transport.frames)
        for (const frame of frames) {
          const inline = handleFrame(frame)
          if (inline !== undefined) yield* inline
        }
      }
    }).pipe(Pull.catchDone(() => Effect.void))

    // Read in a fiber of its own, which a failed write (the connection is
    // gone) or `whileReading`'s caller interrupts: one fork, where racing
    // each condition against the reading cost two fibers apiece.
    const reader = yield* Effect.forkChild(readFrames.pipe(
      Effect.catchCause((cause) => Effect.logDebug("connection read failed; closing it", cause))
    ))
    const stopReading = () => reader.interruptUnsafe()
    outbound.onFailed(stopReading)
    options.whileReading?.(stopReading)
    yield* Fiber.await(reader)
    // Nobody is left to answer what the server asked.
    reading = false
    for (const answer of asked.values()) Deferred.doneUnsafe(answer, Exit.fail(new ClientRequestFailed({ reason: "noClient" })))
    asked.clear()
    // Requests still running get a moment to answer (none is the common case).
    if (inflightRequests > 0) {
      yield* inflight.awaitEmpty.pipe(
        Effect.timeout(options.drainTimeoutMs ?? 1000),
        Effect.ignore
      )
    }
  }), (exit) => Scope.close(scope, exit)))
