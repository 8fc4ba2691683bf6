/**
 * The exec-server: serves every connection a listener accepts, each with
 * its own handshake, session and scope.
 */
import * as FileSystem from "effect/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Clock from "effect/Clock"
import * as Metrics from "../observability/metrics.js"
import { logAnnotated } from "../observability/logLine.js"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Spawner } from "../process/ChildProcess.js"
import { type ExpiryQueue, makeExpiryQueue } from "../process/ExpiryQueue.js"
import * as NodeSpawner from "../process/NodeSpawner.js"
import { OutputBuffers } from "../process/OutputBuffers.js"
import { ProcessReaper } from "../process/ProcessReaper.js"
import * as ProcessReaperModule from "../process/ProcessReaper.js"
import * as OutputBuffersModule from "../process/OutputBuffers.js"
import { ClientNotificationRpcs, ExecServerRpcs, type OrderingRule, RequestOrdering, RequiresHandshake } from "../protocol/rpcs.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import { NO_OPERATOR_LIMITS, ResourceLimits } from "../limits/ResourceLimits.js"
import * as NodeResourceLimits from "../limits/NodeResourceLimits.js"
import { PlaceholderGuard } from "../sandbox/placeholders.js"
import { SandboxedFs } from "../fs/SandboxedFs.js"
import { HttpRequests } from "../http/HttpRequests.js"
import * as HttpRequestsModule from "../http/HttpRequests.js"
import * as SandboxedFsModule from "../fs/SandboxedFs.js"
import * as SandboxModule from "../sandbox/Sandbox.js"
import { makeDispatcher } from "../jsonrpc/Dispatcher.js"
import type { RequestMessage } from "../wire/JsonRpc.js"
import { makeFiberGroup } from "../jsonrpc/FiberGroup.js"
import { type Ordering, serveConnection } from "../jsonrpc/JsonRpcServer.js"
import { MessagePool } from "../jsonrpc/Outbound.js"
import { type ConnectionSource, type FrameTransport, ServerTransport, type TransportError } from "../jsonrpc/Transport.js"
import { make as makeClientSession } from "./ClientSession.js"
import { ClientSession } from "./ClientSessionService.js"
import { serverHandlers } from "./serverHandlers.js"
import * as Surface from "./Surface.js"
import { ServerConfig } from "./ServerConfig.js"
import { SessionStore } from "./SessionStore.js"
import * as SessionStoreModule from "./SessionStore.js"

/**
 * What the server needs besides a listener. Every one is always there: a
 * composition that does without a feature provides its inert Layer
 * (`Sandbox.layerUnavailable`, `SandboxedFs.layerUnavailable`,
 * `ProcessReaper.layerNone`, `HttpRequests.layerUnavailable`), as
 * `TestServer.layer` does.
 */
export type ServerServices =
  | ServerConfig
  | SessionStore
  | Spawner
  | OutputBuffers
  | FileSystem.FileSystem
  | Sandbox
  | SandboxedFs
  | ProcessReaper
  | HttpRequests

const CONCURRENT: Ordering = { _tag: "Concurrent" }
const SEQUENTIAL: Ordering = { _tag: "Sequential" }

/** Each method's ordering rule, from the `RequestOrdering` annotation of its Rpc. */
const orderingRules = new Map<string, OrderingRule>(
  [...ExecServerRpcs.requests.values()].flatMap((rpc) =>
    Option.match(Context.getOption(rpc.annotations, RequestOrdering), {
      onNone: () => [],
      onSome: (rule) => [[rpc._tag, rule] as const]
    })
  )
)

/**
 * How a request runs against the others of its connection, by its Rpc's
 * ordering rule: the handshake alone; commands to one process in its lane,
 * in arrival order; a read after the commands sent before it; requests to
 * one file handle in its lane; everything else (and a request without a
 * usable `processId` or `handleId`) concurrently.
 */
export const orderingOf = (request: RequestMessage): Ordering => {
  const rule = orderingRules.get(request.method)
  if (rule === undefined) return CONCURRENT
  if (rule._tag === "Alone") return SEQUENTIAL
  const params = request.params
  const field = rule._tag === "PerProcess" ? "processId" : "handleId"
  const id = typeof params === "object" && params !== null && field in params
    ? (params as Record<string, unknown>)[field]
    : undefined
  if (typeof id !== "string") return CONCURRENT
  // Processes and file handles have lanes of their own, whatever their ids.
  if (rule._tag === "PerFileHandle") return { _tag: "Lane", key: `handle\u0000${id}` }
  return rule.waitOnly ? { _tag: "After", key: id } : { _tag: "Lane", key: id }
}

/**
 * The surface the server's connections are served: the protocol's methods,
 * and those of the `ProtocolExtension` in the context.
 */
export const protocolSurface: Effect.Effect<Surface.Surface, never, ServerServices> = Effect.gen(function*() {
  const protocol = Surface.make({
    name: Surface.PROTOCOL_SURFACE,
    requests: ExecServerRpcs,
    notifications: ClientNotificationRpcs,
    handlers: yield* serverHandlers
  })
  return Surface.merge(protocol, yield* Surface.ProtocolExtension, Surface.PROTOCOL_SURFACE)
})

/**
 * The handshake deadlines of a server's connections, in the order they fall
 * due (every connection of a server has the same period): one fiber for
 * all of them, where a sleeping fiber per connection cost about 30 KB of
 * each.
 */
export const makeHandshakeDeadlines: Effect.Effect<ExpiryQueue, never, Scope.Scope> = Effect.map(
  Effect.zip(Effect.context<never>(), Effect.scope),
  ([context, scope]) => makeExpiryQueue(context, scope)
)

/**
 * Serves one client connection until it closes; its processes are terminated
 * then. `surface` is what it is served (the server's `protocolSurface` unless
 * given, built for this connection alone); `messagePool` the server's, shared
 * by its connections (without it the connection has a small pool of its own);
 * `deadlines` the server's handshake deadlines (without them the connection
 * keeps its own).
 */
export const serveClient = (
  transport: FrameTransport,
  surface?: Surface.Surface,
  messagePool?: MessagePool,
  deadlines?: ExpiryQueue
): Effect.Effect<void, never, ServerServices> =>
  Effect.gen(function*() {
    const config = yield* ServerConfig
    const served = surface ?? (yield* protocolSurface)
    const peer = {
      transport: transport.peer?.transport ?? "unknown",
      ...(transport.peer?.address === undefined ? {} : { peer: transport.peer.address }),
      // Which connections see every session (the console's): an operator reads it in the log.
      ...(served.name === Surface.PROTOCOL_SURFACE ? {} : { surface: served.name })
    }
    const startedAt = yield* Clock.currentTimeMillis
    yield* logAnnotated("Info", "connection opened", peer)
    Metrics.bump(Metrics.connectionsTotal)
    Metrics.adjust(Metrics.connectionsOpen, 1)
    // Set once the dispatcher is made: whether the handshake was completed.
    let session: typeof ClientSession.Service | undefined
    let stopReading: (() => void) | undefined
    let handshakeMissed = false
    let forgetDeadline: (() => void) | undefined
    // However the connection ends (the server stopping interrupts it). Not the
    // finalizer of a scope of serveClient's own: `Effect.scoped` makes a scope
    // and a copy of the context per connection (on Effect 3 that cost more
    // than the rest of this).
    const closed = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      forgetDeadline?.()
      Metrics.adjust(Metrics.connectionsOpen, -1)
      const warning = handshakeMissed
        ? logAnnotated("Warn", "connection closed: no initialize in time", { ...peer, handshakeTimeoutMs: config.handshakeTimeoutMs })
        : Effect.void
      return Effect.andThen(warning, logAnnotated("Info", "connection closed", { ...peer, durationMs: now - startedAt }))
    })
    yield* Effect.ensuring(
      Effect.gen(function*() {
        // A connection that never completes `initialize` is closed at the deadline: it would otherwise
        // hold a place of the server's (a connection, a NATS stream) for ever. stdio is its client's own.
        // Without the server's deadlines, a child fiber that sleeps (on Effect's clock) and stops the
        // reading, ended with this fiber: racing it against the whole connection cost two fibers more.
        if (transport.peer?.transport !== "stdio") {
          const expire = () => {
            if (session?.sessionId() !== undefined) return
            handshakeMissed = true
            stopReading?.()
          }
          if (deadlines !== undefined) forgetDeadline = deadlines.add(startedAt + config.handshakeTimeoutMs, expire)
          else yield* Effect.forkChild(Effect.andThen(Effect.sleep(Duration.millis(config.handshakeTimeoutMs)), Effect.sync(expire)))
        }
        yield* serveConnection({
          transport,
          maxMessageBytes: config.maxMessageBytes,
          maxInflightRequests: config.maxInflightRequests,
          maxInflightRequestBytes: config.maxInflightRequestBytes,
          outboundHighWaterMark: config.outboundHighWaterMarkBytes,
          messagePool,
          ordering: orderingOf,
          whileReading: (stop) => {
            stopReading = stop
            if (handshakeMissed) stop()
          },
          makeDispatcher: (connection, scope, context) => {
            const addOn = served.perConnection()
            const made = makeClientSession({ connection, scope, context, peer: transport.peer, surface: served.name, outputWindow: addOn.outputWindow })
            return Effect.map(made, (made) => {
              session = made
              return makeDispatcher({
                requests: served.requests,
                notifications: served.notifications,
                handlers: served.handlers,
                connection,
                // Each request's handler finds its connection's session beside the connection, and the
                // methods that need the handshake (RequiresHandshake) are checked against that session.
                requestContext: Context.make(ClientSession, made).pipe(
                  Context.add(RequiresHandshake, (effect) => Effect.andThen(made.requireReady, effect)),
                  Context.merge(addOn.context)
                ),
                fiberContext: context,
                traced: config.tracing === true
              })
            })
          }
        })
      }),
      closed
    )
  })

/**
 * Serves every connection of the stream or listener with `surface`, each a
 * fiber of its own, until no more can come and they have all closed. The
 * server's own connections are served by `run`; an application on top of
 * the server serves its own (the web console's) with this.
 */
export const serveAll = <E>(
  connections: Stream.Stream<FrameTransport, E> | ConnectionSource<E>,
  surface: Surface.Surface
): Effect.Effect<void, E, ServerServices> =>
  Effect.gen(function*() {
    // One pool for every connection: the free buffers it keeps bound the server, not each connection.
    const messagePool = new MessagePool()
    const deadlines = yield* makeHandshakeDeadlines
    // Each connection is a fiber of this group, forked as it is accepted:
    // from the listener's callback where it has one (`accept`), which spares
    // the queue's take and the stream's steps per connection (about 30 KB of
    // a short connection's 300 with the FiberSet this was).
    const served = makeFiberGroup(Effect.runForkWith(yield* Effect.context<ServerServices>()))
    yield* Effect.addFinalizer(() => served.interruptAll)
    const serve = (connection: FrameTransport): void => {
      served.run(serveClient(connection, surface, messagePool, deadlines))
    }
    const source: ConnectionSource<E> = Stream.isStream(connections) ? { connections } : connections
    yield* source.accept === undefined
      ? Stream.runForEach(source.connections, (connection) => Effect.sync(() => serve(connection)))
      : source.accept(serve)
    yield* served.awaitEmpty
  }).pipe(Effect.scoped)

/** Serves every connection of the listener (`ServerTransport`), until it stops accepting and they have all closed. */
export const run: Effect.Effect<void, TransportError, ServerTransport | ServerServices> = Effect.gen(function*() {
  const listener = yield* ServerTransport
  yield* serveAll(listener, yield* protocolSurface)
})

/** The bubblewrap sandbox with the operator's policy from the config. */
const makeSandbox: Effect.Effect<Sandbox["Service"], never, ServerConfig | PlaceholderGuard> = Effect.flatMap(
  ServerConfig,
  (config) =>
    SandboxModule.make({
      operatorPolicy: config.sandboxPolicy,
      bwrap: config.bwrapPath,
      secretFiles: config.secretFiles,
      networkRefusal: config.sandboxNetworkRefusal
    })
)

/** The bubblewrap sandbox with the operator's policy from the config; the reaper removes its placeholders. */
export const layerSandbox: Layer.Layer<Sandbox, never, ServerConfig | ProcessReaper> = Layer.effect(Sandbox, makeSandbox).pipe(
  Layer.provide(ProcessReaperModule.layerPlaceholderGuard)
)

/**
 * Everything the server needs but its config and listener: the session
 * store, the Node spawners, the in-memory output buffer and Node's
 * filesystem, and the reaper that kills the process groups if the server
 * dies hard.
 *
 * One layer that makes each service in turn, not a graph of each module's
 * layer: Effect builds every node of a graph through its memo map (a scope
 * and a deferred each; on Effect 3 also a synchronized ref, a diff of the
 * fiber refs and a fiber per branch of a merge, about a hundred runtime
 * steps per node), run once per start by a process whose code is not
 * compiled yet (see docs/PERFORMANCE.md). Each module's own layer stays for compositions of
 * their own. Made in the order they depend on one another, and released in
 * the reverse: the store (its processes) first, the reaper, which outlives
 * them all, last. Resource limits (limits/) are cgroups where the host
 * gives them, else unavailable (`ResourceLimits` is a reference: a
 * composition without them has them unavailable).
 */
export const layerNodeServices: Layer.Layer<
  | SessionStore
  | Spawner
  | OutputBuffers
  | FileSystem.FileSystem
  | ProcessReaper
  | Sandbox
  | SandboxedFs
  | HttpRequests,
  never,
  ServerConfig
> = Layer.effectContext(Effect.gen(function*() {
  const reaper = yield* ProcessReaperModule.makeNode
  const sandbox = yield* Effect.provideService(makeSandbox, PlaceholderGuard, ProcessReaperModule.placeholderGuardOf(reaper))
  // Before the store: its sessions' cgroups are gone before the server's root is removed.
  const limits = yield* NodeResourceLimits.make((yield* ServerConfig).operatorLimits ?? NO_OPERATOR_LIMITS)
  const processServices = Context.make(ProcessReaper, reaper).pipe(
    Context.add(ResourceLimits, limits),
    Context.add(Sandbox, sandbox),
    Context.add(Spawner, NodeSpawner.make()),
    Context.add(OutputBuffers, OutputBuffersModule.memory)
  )
  const store = yield* Effect.provide(SessionStoreModule.make, processServices)
  const sandboxedFs = yield* Effect.provideService(SandboxedFsModule.make, Sandbox, sandbox)
  // Layer.build adds its memo map to what it built: the file system alone is kept.
  const fileSystem = Context.pick(FileSystem.FileSystem)(yield* Layer.build(NodeFileSystem.layer))
  const httpRequests = yield* HttpRequestsModule.makeNode
  return Context.merge(processServices, fileSystem).pipe(
    Context.add(SessionStore, store),
    Context.add(SandboxedFs, sandboxedFs),
    Context.add(HttpRequests, httpRequests)
  )
}))

/**
 * Runs the server for as long as the layer lives, so a larger Effect program
 * can host it next to its own services.
 */
export const layer: Layer.Layer<never, never, ServerTransport | ServerServices> = Layer.effectDiscard(
  Effect.forkScoped(Effect.catchCause(run, (cause) => Effect.logError("exec-server stopped", cause)))
)
