/**
 * The state of one client connection: where it is in the handshake, and the
 * session it is attached to once `initialize` created or resumed one. When
 * the connection's scope closes the session is released: closed (its
 * processes terminated) or detached, as the client asked.
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { ProcessEvent } from "../process/ProcessActor.js"
import { InvalidRequest } from "../protocol/errors.js"
import { extensionNotifications } from "../protocol/rpcs.js"
import { PROTOCOL_VERSION } from "../protocol/schema.js"
import type { ConnectionService } from "../jsonrpc/Connection.js"
import { notificationOf } from "./processNotifications.js"
import * as Metrics from "../observability/metrics.js"
import { ServerConfig } from "./ServerConfig.js"
import { type Attachment, type SessionPeer, SessionStore } from "./SessionStore.js"
import type { ClientSessionShape, ConnectionResource } from "./ClientSessionService.js"
import { type AckWindow, eitherPaused } from "../jsonrpc/FlowControl.js"
import type { FrameTransport } from "../jsonrpc/Transport.js"

/** Where a connection is in the handshake. */
export type HandshakeState = "awaitingInitialize" | "awaitingInitialized" | "ready"

/** How the connection came and what it is served. */
export interface ConnectionOptions {
  /** The connection whose handshake and session these are. */
  readonly connection: ConnectionService
  /** The connection's scope: the session is released when it closes. */
  readonly scope: Scope.Scope
  /** The connection fiber's context, which the session's log lines from callbacks run in. */
  readonly context: Context.Context<never>
  /** For the session's listing. */
  readonly peer?: FrameTransport["peer"]
  /** The name of the surface it is served: a session it makes is listed as made by it. */
  readonly surface?: string | undefined
  /**
   * Output its client has not acknowledged yet (see `Surface.ConnectionAddOn`):
   * above the window its session's processes pause.
   */
  readonly outputWindow?: AckWindow | undefined
}

/** A connection's handshake state, released with its scope. */
export const make = (options: ConnectionOptions): Effect.Effect<
  ClientSessionShape,
  never,
  ServerConfig | SessionStore
> => Effect.gen(function*() {
  const config = yield* ServerConfig
  const connection = options.connection
  const store = yield* SessionStore
  let state: HandshakeState = "awaitingInitialize"
  let attachment: Attachment | undefined
  const runLog = Effect.runForkWith(options.context)
  const window = options.outputWindow
  const peer: SessionPeer = {
    connectionId: connection.id,
    sink: (event: ProcessEvent) => {
      if (event._tag === "Output") {
        Metrics.bump(Metrics.outputBytes, event.bytes.byteLength, Metrics.STREAM_LABELS[event.stream])
        window?.sent(event.bytes.byteLength)
      }
      connection.send(notificationOf(event, connection.allocate))
    },
    notify: connection.notify,
    request: connection.request,
    flow: window === undefined ? connection.flow : eitherPaused([connection.flow, window]),
    log: (effect: Effect.Effect<void>) => void runLog(effect),
    transport: options.peer?.transport,
    address: options.peer?.address
  }
  const scope = options.scope
  // Scope.addFinalizer: the finalizer needs nothing of this fiber's context.
  yield* Scope.addFinalizer(scope, Effect.suspend(() => attachment?.release ?? Effect.void))

  const resources = new Map<ConnectionResource<unknown>, Deferred.Deferred<unknown>>()
  const resource = <A>(key: ConnectionResource<A>, make: Effect.Effect<A, never, Scope.Scope>): Effect.Effect<A> =>
    Effect.suspend(() => {
      const existing = resources.get(key)
      if (existing !== undefined) return Deferred.await(existing) as Effect.Effect<A>
      // Claimed before anything yields: a concurrent request waits for this one's.
      const made = Deferred.makeUnsafe<unknown>()
      resources.set(key, made)
      return Effect.uninterruptible(Effect.tap(Scope.provide(make, scope), (value) => Deferred.succeed(made, value)))
    })

  const notReady = (): InvalidRequest =>
    new InvalidRequest({
      message: state === "awaitingInitialize"
        ? "client must call initialize before using exec methods"
        : "client must send initialized before using exec methods",
      reason: "notInitialized"
    })

  // Each a single step where a `map` of `session` takes four: every request goes through one.
  const sessionWith = <A>(f: (session: Attachment["session"]) => A): Effect.Effect<A, InvalidRequest> =>
    Effect.suspend(() => state === "ready" && attachment !== undefined ? Effect.succeed(f(attachment.session)) : Effect.fail(notReady()))
  const processes = sessionWith((current) => current.processes)
  return {
    initialize: (params) =>
      Effect.gen(function*() {
        if (state !== "awaitingInitialize") {
          return yield* new InvalidRequest({ message: "initialize may only be sent once per connection", reason: "alreadyInitialized" })
        }
        attachment = params.resumeSessionId !== undefined
          ? yield* store.resume(peer, {
            sessionId: params.resumeSessionId,
            detachTtlMs: params.detachTtlMs,
            clientName: params.clientName
          })
          : yield* store.create(peer, {
            // Codex reconnects a dropped WebSocket and resumes; its server keeps the session meanwhile, unasked.
            detachTtlMs: params.detachTtlMs ?? (options.peer?.transport === "websocket" ? config.droppedSessionTtlMs : 0),
            clientName: params.clientName,
            madeBy: options.surface
          })
        state = "awaitingInitialized"
        // The extension notifications asked for that this server has: sent on this connection only.
        const granted = params.notifications?.filter((method) => extensionNotifications.has(method))
        for (const method of granted ?? []) connection.extensions.add(method)
        return {
          protocolVersion: PROTOCOL_VERSION,
          sessionId: attachment.session.sessionId,
          serverInfo: { name: config.serverName, version: config.serverVersion },
          limits: { maxMessageBytes: config.maxMessageBytes },
          // What was granted, which may be less than asked: a client can say so.
          detachTtlMs: attachment.detachTtlMs,
          ...(granted === undefined ? {} : { notifications: granted })
        }
      }).pipe(
        // A session attached must reach `attachment`, which the connection's finalizer releases.
        Effect.uninterruptible
      ),
    initialized: Effect.sync(() => {
      if (state === "awaitingInitialized") state = "ready"
    }),
    processes,
    files: sessionWith((current) => current.files),
    requireReady: sessionWith(() => undefined),
    scope,
    resource,
    sessionId: () => attachment?.session.sessionId,
    grants: options.peer?.grants ?? []
  }
})
