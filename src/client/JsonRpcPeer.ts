/**
 * The client's JSON-RPC peer of exec-server: one link to the server at a
 * time, the requests waiting for their answers (settled by
 * `pendingRequests.ts`), each request encoded and its answer decoded with
 * its Rpc's codecs, server notifications handed to their subscribers
 * (`serverNotifications.ts`), the server's own requests
 * (`network/policyRequest`) handed to their handlers (`serverRequests.ts`);
 * and, for a session that may detach, the link made again after a drop (one
 * backoff `Schedule`) with the session resumed. It performs the handshake
 * but knows no feature: processes, fs and http are built on it.
 */
import type * as Rpc from "effect/rpc/Rpc"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import type { InitializeResult } from "../protocol/schema.js"
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/JsonRpc.js"
import { codecOf, type RpcCodec } from "../wire/RpcCodecs.js"
import {
  type ClientError,
  type ConnectError,
  type ConnectionLost,
  InitializeTimeout,
  ProtocolError,
  RequestTooLarge,
  TransportClosed
} from "./ClientError.js"
import * as ClientTransport from "./ClientTransport.js"
import {
  decodeResult,
  initialized,
  type Method,
  MethodTable,
  type RequestGroup,
  type NotificationMethod,
  type NotificationOf,
  requestCodec,
  type ResultOf,
  type RpcOf,
  type ServerRequestHandler,
  type ServerRequestMethod
} from "./methods.js"
import { type PendingRequest, type PendingRequests, type ResponseMessage, settleResponse } from "./pendingRequests.js"
import {
  backoff,
  type ConnectFailure,
  isHeldElsewhere,
  type ReconnectEvent,
  type ReconnectOptions,
  reconnectWithBackoff
} from "./reconnect.js"
import { ServerNotifications } from "./serverNotifications.js"
import { ServerRequests } from "./serverRequests.js"

/** How to reach the server: each evaluation makes a new connection, closed with its scope. */
export type Connector = Effect.Effect<ClientTransport.ClientTransport, ConnectError, Scope.Scope>

/** What the peer needs of the client's options. */
export interface PeerOptions {
  readonly clientName?: string
  readonly initializeTimeoutMs?: number
  readonly detachTtlMs?: number
  readonly resumeSessionId?: string
  /** How long the first resume waits for a session another connection still holds (default 10 s). */
  readonly resumeWaitMs?: number
  readonly reconnect?: false | ReconnectOptions
  readonly maxMessageBytes?: number
  /** Told of each step of getting a dropped connection back (for a person waiting on it). */
  readonly onReconnect?: (event: ReconnectEvent) => void
  /** The extension notifications to ask for in every `initialize` (`initialize`'s `notifications`). */
  readonly notifications?: ReadonlyArray<NotificationMethod>
  /** The application's own requests, beside the protocol's (see `ExecServerClient.OwnRpcs`). */
  readonly rpcs?: RequestGroup | undefined
}

/** What a feature built on the peer hears of the connection. */
export interface LinkListener {
  /**
   * The link dropped (resumed or not), or the peer shut down: what lived as
   * long as the server's connection (a watch, a streamed body) is gone.
   */
  readonly linkLost?: (error: ClientError) => void
  /** The session is back on a new link. */
  readonly resumed?: () => void
  /** Nothing more can be done: every call fails with `error` from now on. */
  readonly shutDown?: (error: ConnectionLost) => void
}

/** A connection the peer has, or had. */
interface Link {
  readonly transport: ClientTransport.ClientTransport
  readonly generation: number
  readonly scope: Scope.Closeable
}

/** The peer: requests out, answers and notifications in, the server's requests served, the link kept up. */
export class JsonRpcPeer {
  private readonly pending: PendingRequests = new Map()
  private readonly notifications = new ServerNotifications()
  private readonly serverRequests: ServerRequests
  private readonly methods: MethodTable
  private readonly listeners: Array<LinkListener> = []
  private readonly detachTtlMs: number
  private readonly reconnectOptions: ReconnectOptions | undefined
  private readonly initializeTimeoutMs: number
  private link: Link | undefined
  private generation = 0
  private nextId = 1
  private closedBy: ConnectionLost | undefined
  private currentSessionId: string | undefined
  private messageLimit: number
  /** What the reader waits for before it takes the next message (a consumer with no room). */
  private readonly holds: Array<Effect.Effect<void>> = []

  constructor(
    private readonly connector: Connector,
    private readonly options: PeerOptions,
    /** Where each link's scope is made: closed after the client's close. */
    private readonly linksScope: Scope.Scope,
    /** Runs an effect in the client's scope. */
    readonly fork: (effect: Effect.Effect<void>) => void
  ) {
    this.detachTtlMs = options.detachTtlMs ?? 0
    this.reconnectOptions = options.reconnect === false || this.detachTtlMs <= 0 ? undefined : options.reconnect ?? {}
    this.initializeTimeoutMs = options.initializeTimeoutMs ?? 10_000
    this.messageLimit = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    this.currentSessionId = options.resumeSessionId
    this.serverRequests = new ServerRequests(fork)
    this.methods = new MethodTable(options.rpcs)
  }

  /** Why the peer shut down; undefined while it works. */
  get closed(): ConnectionLost | undefined {
    return this.closedBy
  }

  /** The session's id, once the first handshake is done. */
  get sessionId(): string | undefined {
    return this.currentSessionId
  }

  /** The largest message the server takes (as far as the peer knows). */
  get maxMessageBytes(): number {
    return this.messageLimit
  }

  /**
   * Hands each `method` notification, decoded with its Rpc's schema, to
   * `handler` (beside the method's other handlers, in the order they
   * subscribed), until the returned function is called.
   */
  subscribe<Tag extends NotificationMethod>(method: Tag, handler: (payload: Rpc.Payload<NotificationOf<Tag>>) => void): () => void {
    return this.notifications.subscribe(method, handler)
  }

  /** Serves the server's `method` requests with `handler`, concurrently (see `ServerRequests.serve`). */
  serve<Tag extends ServerRequestMethod>(method: Tag, handler: ServerRequestHandler<Tag>): void {
    this.serverRequests.serve(method, handler)
  }

  /**
   * Stops reading the connection until `until` completes: called while a
   * message is handled, it holds the next one back. The transport then stops
   * reading (see `ClientTransport.ClientTransport`) and the server's flow control
   * stops reading the processes of the session, so a slow consumer slows
   * their output rather than losing it.
   */
  holdReading(until: Effect.Effect<void>): void {
    this.holds.push(until)
  }

  /** The holds placed while the last message was handled, all of them awaited. */
  private readonly awaitHolds: Effect.Effect<void> = Effect.suspend(() => {
    if (this.holds.length === 0) return Effect.void
    const holds = this.holds.splice(0)
    return Effect.all(holds, { discard: true })
  })

  /** Tells `listener` of drops, resumes and the shutdown, until the returned function is called. */
  listen(listener: LinkListener): () => void {
    this.listeners.push(listener)
    return () => {
      const at = this.listeners.indexOf(listener)
      if (at >= 0) this.listeners.splice(at, 1)
    }
  }

  /** Sends a request of the protocol, typed by its Rpc: params encoded and the result decoded with its schemas. */
  call<Tag extends Method>(method: Tag, params: Rpc.Payload<RpcOf<Tag>>): Effect.Effect<ResultOf<Tag>, ClientError> {
    return this.send(method, params) as Effect.Effect<ResultOf<Tag>, ClientError>
  }

  /**
   * Sends a request of the protocol or of the application's own group, by
   * its Rpc's schemas: the params encoded, the result decoded, and the
   * failure its Rpc declares decoded (what the caller's types name).
   */
  send(method: string, params: unknown): Effect.Effect<unknown, unknown> {
    return this.sendWith(method, (codec) =>
      Result.mapError(codec.encodePayload(params), (error) => new ProtocolError({ message: `cannot encode ${method} params: ${error.message}` })))
  }

  /**
   * Sends a request of the protocol or of the application's own group with
   * its params in their wire form, as given: not encoded, so the message
   * carries exactly the fields given, and the server fills in the defaults
   * and refuses what its schema does not take (-32602, as it would any
   * client's); the result and a declared failure are decoded as `send`
   * decodes them.
   */
  sendWire(method: string, params: unknown): Effect.Effect<unknown, unknown> {
    return this.sendWith(method, () => Result.succeed(params))
  }

  /** Sends `method` with the params `toWire` makes with its Rpc's codec, and decodes the result. */
  private sendWith(method: string, toWire: (codec: RpcCodec) => Result.Result<unknown, ProtocolError>): Effect.Effect<unknown, unknown> {
    return Effect.suspend(() => {
      const rpc = this.methods.rpc(method)
      if (rpc === undefined) return Effect.fail(new ProtocolError({ message: `${method}: no such method in the protocol or the client's rpcs` }))
      const codec = codecOf(rpc)
      const params = toWire(codec)
      if (Result.isFailure(params)) return Effect.fail(params.failure)
      return Effect.flatMap(this.request(method, params.success), (result) => decodeResult(method, codec, result))
    })
  }

  /** Sends encoded params, on the link or once one is up. */
  private request(method: string, params: unknown): Effect.Effect<unknown, unknown> {
    if (this.closedBy !== undefined) return Effect.fail(this.closedBy)
    const id = this.nextId++
    const text = JSON.stringify({ id, method, params })
    // Exact: the server's id-less refusal of an oversized message names its size.
    const bytes = Buffer.byteLength(text)
    if (bytes > this.messageLimit) {
      return Effect.fail(
        new RequestTooLarge({
          method,
          bytes,
          limit: this.messageLimit,
          message: `${method}: a message of ${bytes} bytes exceeds the server's limit of ${this.messageLimit} bytes; nothing was sent`
        })
      )
    }
    const reply = Deferred.makeUnsafe<unknown, unknown>()
    const entry: PendingRequest = { method, text, bytes, reply, sentOn: undefined }
    this.pending.set(id, entry)
    if (this.link !== undefined) this.sendOn(this.link, [entry])
    return Deferred.await(reply).pipe(Effect.onInterrupt(() => Effect.sync(() => this.pending.delete(id))))
  }

  // --- incoming -------------------------------------------------------------

  private onText(text: string, current: Link): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return
    }
    if (Array.isArray(parsed)) for (const message of parsed) this.onMessage(message, current)
    else this.onMessage(parsed, current)
  }

  private onMessage(message: unknown, current: Link): void {
    if (typeof message !== "object" || message === null) return
    const m = message as { readonly id?: unknown; readonly method?: unknown; readonly params?: unknown }
    if (typeof m.method !== "string") {
      return settleResponse(this.pending, this.methods, message as ResponseMessage, (limit) => {
        this.messageLimit = Math.min(this.messageLimit, limit - 1)
      })
    }
    // A method with an id is a request of the server's: it is owed an answer, on the link it came on.
    if (m.id !== undefined) return this.serverRequests.answer(current, m.id, m.method, m.params)
    this.notifications.deliver(m.method, m.params)
  }

  // --- the link ---------------------------------------------------------------

  /** Nothing more can be done: every call and what the features hold fail with `error`. */
  private shutDown(error: ConnectionLost): void {
    if (this.closedBy !== undefined) return
    this.closedBy = error
    for (const request of this.pending.values()) Deferred.doneUnsafe(request.reply, Exit.fail(error))
    this.pending.clear()
    for (const listener of this.listeners) listener.shutDown?.(error)
    for (const listener of this.listeners) listener.linkLost?.(error)
  }

  private sendOn(current: Link, requests: ReadonlyArray<PendingRequest>): void {
    for (const request of requests) request.sentOn = current.generation
    // A failed write is the drop the link's reader reports: nothing to do here.
    this.fork(Effect.ignore(ClientTransport.send(current.transport, requests.map((request) => request.text))))
  }

  /** The link `current` is gone (its reader ended). */
  private onDrop(current: Link, reason: string): void {
    if (this.link !== current) return
    this.link = undefined
    this.fork(Scope.close(current.scope, Exit.void))
    if (this.closedBy !== undefined) return
    const lost = new TransportClosed({ message: `${reason}; what the connection held on the server ended with it` })
    for (const listener of this.listeners) listener.linkLost?.(lost)
    if (this.reconnectOptions === undefined || this.currentSessionId === undefined) {
      this.shutDown(new TransportClosed({ message: reason }))
      return
    }
    for (const [id, request] of this.pending) {
      if (request.sentOn !== current.generation) continue
      if (this.methods.retrySafe(request.method)) {
        request.sentOn = undefined
        continue
      }
      this.pending.delete(id)
      Deferred.doneUnsafe(
        request.reply,
        Exit.fail(new TransportClosed({ message: `${reason}, with ${request.method} in flight: its outcome is unknown` }))
      )
    }
    this.fork(this.reconnect(reason, this.reconnectOptions))
  }

  /**
   * The reader of a link: every message in; the drop once it ends. Frames
   * are taken one at a time, so that while a hold keeps the next ones in the
   * transport's inbox none wait here besides: what the client holds of a
   * connection is the inbox's bound (taking all that waited at once held up
   * to twice as much: 11 MB of a stream's frames under a slow reader).
   */
  private read(current: Link): Effect.Effect<void> {
    const frames = current.transport.frames
    const readOn: Effect.Effect<void, TransportClosed | Cause.Done> = Effect.flatMap(Queue.take(frames), (frame) => {
      if (frame._tag === "Text") this.onText(frame.text, current)
      return this.holds.length > 0 ? Effect.andThen(this.awaitHolds, readOn) : readOn
    })
    return readOn.pipe(
      Effect.match({
        onFailure: (error) => Cause.isDone(error) ? "the server closed the connection" : error.message,
        onSuccess: () => "the server closed the connection"
      }),
      Effect.flatMap((reason) =>
        Effect.sync(() => {
          if (this.link === current) return this.onDrop(current, reason)
          // Dropped during its handshake: the handshake fails, and the caller decides.
          for (const [id, request] of this.pending) {
            if (request.sentOn !== current.generation) continue
            this.pending.delete(id)
            Deferred.doneUnsafe(request.reply, Exit.fail(new TransportClosed({ message: reason })))
          }
          this.fork(Scope.close(current.scope, Exit.void))
        })
      )
    )
  }

  /** `initialize` on a link that is not the peer's yet. */
  private initialize(current: Link): Effect.Effect<InitializeResult, ClientError | InitializeTimeout> {
    const codec = requestCodec("initialize")
    return Effect.suspend(() => {
      const encoded = codec.encodePayload({
        clientName: this.options.clientName ?? "effect-exec-server-client",
        ...(this.currentSessionId === undefined ? {} : { resumeSessionId: this.currentSessionId }),
        // Said even when 0: a server keeps a dropped WebSocket's session for a while unless told (as
        // Codex's does), and this client's sessions end with their connection unless asked otherwise.
        // A resume without one keeps the session's own.
        ...(this.detachTtlMs > 0 || this.options.detachTtlMs !== undefined || this.currentSessionId === undefined
          ? { detachTtlMs: this.detachTtlMs }
          : {}),
        ...(this.options.notifications === undefined ? {} : { notifications: this.options.notifications })
      })
      if (Result.isFailure(encoded)) {
        return Effect.fail(new ProtocolError({ message: `cannot encode initialize params: ${encoded.failure.message}` }))
      }
      const id = this.nextId++
      const text = JSON.stringify({ id, method: "initialize", params: encoded.success })
      const reply = Deferred.makeUnsafe<unknown, unknown>()
      this.pending.set(id, { method: "initialize", text, bytes: Buffer.byteLength(text), reply, sentOn: current.generation })
      return ClientTransport.send(current.transport, [text]).pipe(
        Effect.andThen(Deferred.await(reply)),
        Effect.ensuring(Effect.sync(() => this.pending.delete(id)))
      )
    }).pipe(
      Effect.timeoutOrElse({
        duration: this.initializeTimeoutMs,
        orElse: () => Effect.fail(new InitializeTimeout({ message: `no initialize response within ${this.initializeTimeoutMs} ms` }))
      }),
      Effect.flatMap((raw) => decodeResult("initialize", codec, raw))
    ) as Effect.Effect<InitializeResult, ClientError | InitializeTimeout>
  }

  /** Connects and performs the handshake (a resume once the session exists); the link becomes the peer's. */
  private readonly connect: Effect.Effect<InitializeResult, ConnectFailure> = Effect.gen({ self: this }, function*() {
    const scope = yield* Scope.fork(this.linksScope, "sequential")
    const opened = yield* Effect.exit(
      Effect.gen({ self: this }, function*() {
        const transport = yield* Scope.provide(this.connector, scope)
        const current: Link = { transport, generation: ++this.generation, scope }
        // Read from the start, so that the handshake's answer is seen.
        this.fork(this.read(current))
        const result = yield* this.initialize(current)
        yield* ClientTransport.send(current.transport, [initialized])
        return { current, result }
      })
    )
    if (Exit.isFailure(opened)) {
      yield* Scope.close(scope, Exit.void)
      return yield* Effect.failCause(opened.cause)
    }
    const { current, result } = opened.value
    this.currentSessionId = result.sessionId
    if (result.limits !== undefined && this.options.maxMessageBytes === undefined) {
      this.messageLimit = result.limits.maxMessageBytes
    }
    this.link = current
    // What waited for a link goes out now, in the order it was asked.
    this.sendOn(current, [...this.pending.values()].filter((request) => request.sentOn === undefined))
    return result
  })

  /**
   * The first connection. A session another client just let go may still be
   * held on the server for a moment (its close is on the way): a resume
   * tries again then.
   */
  readonly open: Effect.Effect<InitializeResult, ConnectFailure> = Effect.flatMap(
    Clock.currentTimeMillis,
    (now) =>
      Effect.retry(this.connect, {
        while: (error) => this.options.resumeSessionId !== undefined && isHeldElsewhere(error),
        // Capped delays: the wait lasts as long as it says, rather than stopping at the first doubling past it.
        schedule: backoff({
          initialDelayMs: 50,
          maxDelayMs: 1_000,
          maxAttempts: Infinity,
          deadline: now + (this.options.resumeWaitMs ?? 10_000)
        })
      })
  )

  /** Connects again after a drop (see `reconnectWithBackoff`); shuts down when that fails. */
  private reconnect(reason: string, settings: ReconnectOptions): Effect.Effect<void> {
    return Effect.flatMap(
      reconnectWithBackoff({
        connect: this.connect,
        settings,
        reason,
        sessionId: this.currentSessionId ?? "",
        withinMs: this.detachTtlMs,
        stopped: () => this.closedBy !== undefined,
        onReconnect: this.options.onReconnect
      }),
      (failed) =>
        Effect.sync(() => {
          if (failed !== undefined) return this.shutDown(failed)
          if (this.closedBy !== undefined) return
          for (const listener of this.listeners) listener.resumed?.()
        })
    )
  }

  /** Shuts down and closes the link: the client's scope is closing. */
  readonly close: Effect.Effect<void> = Effect.suspend(() => {
    const current = this.link
    this.shutDown(new TransportClosed({ message: "the client was closed" }))
    this.link = undefined
    return current === undefined ? Effect.void : Scope.close(current.scope, Exit.void)
  })
}

/** A peer, not connected yet (`open` connects), shut down with the scope. */
export const make = (connector: Connector, options: PeerOptions): Effect.Effect<JsonRpcPeer, never, Scope.Scope> =>
  Effect.gen(function*() {
    // The links' scopes close after the peer's close, not before it: a link
    // closed first would read as a drop, and start a reconnection.
    const linksScope = yield* Scope.fork(yield* Effect.scope, "sequential")
    const fibers = yield* FiberSet.make()
    const runFork = yield* FiberSet.runtime(fibers)<never>()
    const peer = new JsonRpcPeer(connector, options, linksScope, (effect) => void runFork(effect))
    yield* Effect.addFinalizer(() => peer.close)
    return peer
  })
