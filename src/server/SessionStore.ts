/**
 * Sessions outlive connections when the client asks for it: a session owns
 * its process table in a scope of its own under the store. When its
 * connection closes it is either closed at once (the default: processes
 * terminated) or detached for `detachTtlMs`, keeping its processes and their
 * retained output until a new connection resumes it or the TTL passes.
 *
 * The rule for shared state here (and across the server): a check and the
 * write it guards happen with no `yield*` between them, so no other fiber
 * can act on what the check saw.
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import { randomUUID } from "node:crypto"
import type { Spawner } from "../process/ChildProcess.js"
import type { Sandbox } from "../sandbox/Sandbox.js"
import type { OutputBuffers } from "../process/OutputBuffers.js"
import type { ProcessReaper } from "../process/ProcessReaper.js"
import type { ProcessEvent } from "../process/ProcessActor.js"
import { type FileHandleTable, makeFileHandleTableIn } from "../fs/FileHandleTable.js"
import * as ProcessObserver from "../process/ProcessObserver.js"
import { makeProcessTableIn, type ProcessTable } from "../process/ProcessTable.js"
import { LiveOutputBudget } from "../process/LiveOutputBudget.js"
import { RetentionBudget } from "../process/RetentionBudget.js"
import { Slots } from "../slots/Slots.js"
import { InvalidRequest, type ServerBusy, SessionHeld } from "../protocol/errors.js"
import type { FlowControl } from "../jsonrpc/FlowControl.js"
import { ClientRequestFailed } from "../jsonrpc/clientMessages.js"
import { Connection, type ConnectionService, ResponseHooks } from "../jsonrpc/Connection.js"
import { RequiresHandshake } from "../protocol/rpcs.js"
import * as Metrics from "../observability/metrics.js"
import { logAnnotated } from "../observability/logLine.js"
import { ServerConfig } from "./ServerConfig.js"
import { PROTOCOL_SURFACE } from "./Surface.js"
import { ClientSession } from "./ClientSessionService.js"
import { adoptSessions } from "./adoptSessions.js"
import { sessionKeyOf } from "../process/heldRecords.js"
import { UNCONFINED } from "../sandbox/policy.js"

/** A session: its id, its processes, and the connection it currently sends events to. */
export interface Session {
  readonly sessionId: string
  readonly processes: ProcessTable
  readonly files: FileHandleTable
}

/** The connection a session sends its events to. */
export interface SessionPeer {
  readonly connectionId: number
  readonly sink: (event: ProcessEvent) => void
  /** Sends a notification that is not a process event (a network decision): `ConnectionService.notify`. */
  readonly notify: ConnectionService["notify"]
  /** Sends the client a request of the server's (`Connection.request`). */
  readonly request: ConnectionService["request"]
  /** When the peer falls behind, the session's processes are paused. */
  readonly flow: FlowControl
  /** Runs a log effect from a callback, with the connection's logger. */
  readonly log: (effect: Effect.Effect<void>) => void
  /** The connection's transport and peer address, for the console's listing. */
  readonly transport?: string | undefined
  readonly address?: string | undefined
}

/** Who made or resumed a session, for the listing. */
export interface SessionClient {
  /** The `clientName` of its `initialize`. */
  readonly clientName?: string | undefined
  /** The surface of the connection that made it (`Surface.name`). */
  readonly madeBy?: string | undefined
}

/** A session as the store lists it. */
export interface SessionDetails {
  readonly sessionId: string
  readonly clientName: string
  /** Held by a connection (else detached). */
  readonly attached: boolean
  /** The holding (or last) connection's transport and peer address. */
  readonly transport: string
  readonly address: string | undefined
  readonly createdAtMs: number
  readonly detachTtlMs: number
  readonly detachExpiresAtMs: number | undefined
  /** Processes in its table, running or retained. */
  readonly processes: number
  /** The surface of the connection that made it. */
  readonly madeBy: string
}

interface SessionRecord extends Session {
  /** Adopted and not yet resumed: a name of the store's own until a client gives the id (its digest is `key`). */
  sessionId: string
  /** The digest of its id (`sessionKeyOf`): what kept processes' records name it by. */
  readonly key: string
  readonly scope: Scope.Closeable
  /** Where events go; undefined while detached (they are only retained). */
  sink: ((event: ProcessEvent) => void) | undefined
  /** The holding connection, for what the processes' network proxies ask and report; undefined while detached. */
  client: Pick<SessionPeer, "notify" | "request"> | undefined
  holder: number | undefined
  detachTtlMs: number
  expiry: Fiber.Fiber<void> | undefined
  /** When it was last detached (while it is), for its expiry. */
  detachedAtMs: number | undefined
  readonly createdAtMs: number
  readonly madeBy: string
  clientName: string
  transport: string
  address: string | undefined
}

/** What a connection attaches to: a new session or a resumed one. */
export interface Attachment {
  readonly session: Session
  /** How long the session outlives its connection: what the client asked, capped by `--max-detach-ttl-ms`. */
  readonly detachTtlMs: number
  /** Called when the connection closes: detaches or closes the session. */
  readonly release: Effect.Effect<void>
}

/** What a session's processes run on: the spawner, the output buffers, the sandbox and the reaper. */
export type ProcessServices = Spawner | OutputBuffers | Sandbox | ProcessReaper

/** The server's sessions. */
export class SessionStore extends Context.Service<SessionStore, {
  /** Creates a session held by `peer`; -32001 when the server has its most sessions (attached or detached). */
  readonly create: (
    peer: SessionPeer,
    options: { readonly detachTtlMs: number } & SessionClient
  ) => Effect.Effect<Attachment, ServerBusy>
  /** Takes over a detached session; -32600 when it is unknown or expired, -32010 while another connection holds it. */
  readonly resume: (
    peer: SessionPeer,
    options: { readonly sessionId: string; readonly detachTtlMs: number | undefined; readonly clientName?: string | undefined }
  ) => Effect.Effect<Attachment, InvalidRequest | SessionHeld>
  /** Every session, attached or detached, as the listings show it. */
  readonly list: () => ReadonlyArray<SessionDetails>
  /** Every session, attached or detached. */
  readonly all: () => ReadonlyArray<Session>
  /** The session with this id, attached or detached. */
  readonly find: (sessionId: string) => Session | undefined
  /**
   * The sessions are another server's from now (a handover, or a server
   * that ends leaving its kept processes): their processes are paused and
   * nothing ends them here, not a connection's close, a detach's expiry nor
   * the store's own end.
   */
  readonly freeze: () => void
}>()("effect-exec-server/SessionStore") {}

/** What a session's tables take from the fiber that creates it, over the store's: how it logs and traces. */
const CARRIED_REFERENCES: ReadonlyArray<Context.Key<never, unknown>> = [
  References.CurrentLoggers,
  References.MinimumLogLevel,
  References.CurrentLogLevel,
  References.CurrentLogAnnotations,
  Tracer.Tracer
]

/** The store, in the scope: closing it closes every session, attached or detached. */
export const make: Effect.Effect<SessionStore["Service"], never, ServerConfig | ProcessServices | Scope.Scope> =
  Effect.gen(function*() {
    const config = yield* ServerConfig
    // What a session's tables do not take from the fiber that creates it: its span and its connection's services.
    const connectionKeys = [Tracer.ParentSpan.key, Connection.key, ResponseHooks.key, ClientSession.key, RequiresHandshake.key]
    // Resolved once: a session's processes take them from here, and no method of the store asks for them.
    const processServices = yield* Effect.context<ProcessServices>()
    // What every session's tables run in: the store's services (the server's) and the processes', once.
    const baseServices = new Map((yield* Effect.context<never>()).mapUnsafe)
    for (const key of connectionKeys) baseServices.delete(key)
    for (const [key, service] of processServices.mapUnsafe) baseServices.set(key, service)
    const tableBase = Context.makeUnsafe<ProcessServices>(baseServices)
    const storeScope = yield* Effect.scope
    const sessions = new Map<string, SessionRecord>()

    const ATTACHED = Metrics.label("state", "attached")
    const DETACHED = Metrics.label("state", "detached")
    /** Handed over: nothing here ends a session (`freeze`). */
    let frozen = false
    const close = (record: SessionRecord, why: "connection closed" | "detach expired" | "server stopped") =>
      Effect.suspend(() => {
        if (frozen || !sessions.delete(record.sessionId)) return Effect.void
        if (adopted.get(record.key) === record) adopted.delete(record.key)
        sessionSlots.release()
        // A session released by its connection was counted attached until then.
        if (why !== "connection closed") Metrics.adjust(Metrics.sessions, -1, record.holder === undefined ? DETACHED : ATTACHED)
        return Effect.andThen(
          logAnnotated("Info", "session closed", { sessionId: record.sessionId, why }),
          Scope.close(record.scope, Exit.void)
        )
      })

    // Sessions' scopes are closed at once by the store's end, each with its
    // log line first; a frozen store leaves them open (not children of the
    // store's scope): their processes are their holders' and the next server's.
    const sessionsScope = yield* Scope.make("parallel")
    yield* Effect.addFinalizer(() =>
      frozen
        ? sessions.size === 0
          ? Effect.void
          : logAnnotated("Info", "processes left to their holders for the next server", { sessions: sessions.size })
        : Effect.andThen(
          Effect.forEach([...sessions.values()], (record) => close(record, "server stopped"), {
            concurrency: "unbounded",
            discard: true
          }),
          Scope.close(sessionsScope, Exit.void)
        )
    )

    // One budget of closed records for all sessions: what the operator bounds is the server.
    const retention = new RetentionBudget({
      maxRecords: config.maxRetainedProcesses,
      maxBytes: config.maxRetainedOutputBytes
    })

    // What the operator bounds over all sessions, attached and detached:
    // every session, process and file handle takes a slot of the server's.
    const sessionSlots = new Slots({ resource: "sessions", limit: config.maxSessions, setting: "--max-sessions" })
    const processSlots = new Slots({ resource: "liveProcesses", limit: config.maxLiveProcesses, setting: "--max-live-processes" })
    const handleSlots = new Slots({
      resource: "fileHandles",
      limit: config.maxServerFileHandles,
      setting: "--max-server-file-handles",
      gauge: Metrics.fileHandlesOpen
    })
    const liveOutput = new LiveOutputBudget(config.maxLiveOutputBytes)

    const capTtl = (requested: number) => Math.max(0, Math.min(requested, config.maxDetachTtlMs))

    // `--keep-processes`: sessions adopted from a server that is gone, by their key until a client resumes one.
    const keptProcesses = config.keptProcesses
    const adopted = new Map<string, SessionRecord>()
    const adoptedSession = (sessionId: string): SessionRecord | undefined => {
      if (adopted.size === 0) return undefined
      const key = sessionKeyOf(sessionId)
      const record = adopted.get(key)
      if (record === undefined || record.holder !== undefined) return undefined
      adopted.delete(key)
      sessions.delete(record.sessionId)
      record.sessionId = sessionId
      sessions.set(sessionId, record)
      return record
    }

    const attach = (record: SessionRecord, peer: SessionPeer): Attachment => {
      const connectionId = peer.connectionId
      record.holder = connectionId
      record.sink = peer.sink
      record.client = peer
      record.detachedAtMs = undefined
      record.transport = peer.transport ?? "unknown"
      record.address = peer.address
      record.processes.setPaused(peer.flow.paused())
      record.processes.setDetached(false)
      const unsubscribe = peer.flow.subscribe((paused) => {
        record.processes.setPaused(paused)
        if (paused) Metrics.bump(Metrics.backpressurePauses)
        peer.log(
          Effect.logDebug(paused ? "backpressure: output paused" : "backpressure: output resumed").pipe(
            Effect.annotateLogs({ sessionId: record.sessionId, connectionId })
          )
        )
      })
      return {
        session: record,
        detachTtlMs: record.detachTtlMs,
        release: Effect.suspend(() => {
          if (frozen || record.holder !== connectionId) return Effect.void
          unsubscribe()
          // Read to their end, so that they can exit and close.
          record.processes.setPaused(false)
          if (record.detachTtlMs <= 0) {
            // Ends with its connection: the processes are terminated while
            // the connection still hears of them (a stdio client that closed
            // its side reads on): every one's exited and closed, and the
            // output read meanwhile while the client keeps up (beyond the
            // connection's high watermark it is dropped, so that a flood
            // from a dying process cannot grow the server).
            const sink = peer.sink
            record.sink = (event) => {
              if (event._tag !== "Output" || !peer.flow.paused()) sink(event)
            }
            Metrics.adjust(Metrics.sessions, -1, ATTACHED)
            return close(record, "connection closed").pipe(
              Effect.ensuring(Effect.sync(() => {
                record.holder = undefined
                record.sink = undefined
                record.client = undefined
              }))
            )
          }
          record.holder = undefined
          record.sink = undefined
          record.client = undefined
          Metrics.adjust(Metrics.sessions, -1, ATTACHED)
          return detach(record)
        })
      }
    }

    /** Detached: kept `detachTtlMs` for a resume. */
    const detach = (record: SessionRecord) => {
      // Detached, output goes to the retained ring only: children block
      // only for the pauses that keep a flood from burning a core.
      record.processes.setDetached(true)
      record.detachedAtMs = Date.now()
      Metrics.adjust(Metrics.sessions, 1, DETACHED)
      // Released from a finalizer, which is uninterruptible: the timer must
      // not inherit that, or a resume could not cancel it.
      return logAnnotated("Info", "session detached", { sessionId: record.sessionId, detachTtlMs: record.detachTtlMs }).pipe(
        Effect.andThen(Effect.sleep(Duration.millis(record.detachTtlMs))),
        Effect.andThen(Effect.suspend(() => record.holder === undefined ? close(record, "detach expired") : Effect.void)),
        Effect.interruptible,
        Effect.forkIn(storeScope),
        Effect.map((fiber) => {
          record.expiry = fiber
        })
      )
    }

    /** A new session (held by `peer`, or adopted under `adopted`'s key), its slot already taken; registered detached. */
    const makeSession = (
      peer: Pick<SessionPeer, "connectionId" | "transport" | "address"> | undefined,
      detachTtlMs: number,
      client: SessionClient,
      adopted?: { readonly key: string }
    ) =>
      Effect.gen(function*() {
        const scope = yield* Scope.fork(sessionsScope, "sequential")
        const sessionId = adopted === undefined ? randomUUID() : `adopted-${adopted.key.slice(0, 16)}`
        const key = adopted?.key ?? (keptProcesses === undefined ? "" : sessionKeyOf(sessionId))
        // The record is filled in below; the table's emit reads its current sink.
        let record: SessionRecord | undefined
        // The tables are given the session's scope and services rather than
        // provided them: each service looked up is a runtime step. They are
        // the store's (`tableBase`) with the session's scope, and what the
        // creating fiber carries of its own (its loggers, log level and
        // annotations, its tracer) comes along, as Effect 3's runtime kept its
        // fiber refs; not its span nor its connection's services (a detached
        // session must not hold on to its first connection). Overlays on one
        // base per server: copying the creating fiber's services made 13.6 KB
        // of a short connection's 150.
        const current = yield* Effect.context<never>()
        let tableContext = Context.add(tableBase, Scope.Scope, scope)
        for (const key of CARRIED_REFERENCES) {
          const carried = Context.getUnsafe(current, key)
          if (carried !== Context.getUnsafe(tableContext, key)) tableContext = Context.add(tableContext, key, carried)
        }
        const processes = yield* makeProcessTableIn({
          graceMs: config.graceMs,
          retainedOutputBytes: config.retainedOutputBytes,
          retentionMs: config.retentionMs,
          retention,
          closeDrainMs: config.closeDrainMs,
          maxProcesses: config.maxProcesses,
          serverProcesses: processSlots,
          liveOutput,
          observer: ProcessObserver.make({ traced: config.tracing === true ? { sessionId } : undefined }),
          serverEnvironment: config.environment,
          tcpUpstream: config.tcpUpstreamProxy === undefined
            ? undefined
            : { proxy: config.tcpUpstreamProxy, privateIps: config.proxyPrivateIpsViaUpstream === true },
          kept: keptProcesses === undefined ? undefined : { sessionKey: key, detachTtlMs: () => record?.detachTtlMs ?? detachTtlMs },
          emit: (event) => record?.sink?.(event),
          client: {
            notify: (rpc, payload) => record?.client?.notify(rpc, payload),
            request: (method, params) =>
              Effect.suspend(() =>
                record?.client === undefined
                  ? Effect.fail(new ClientRequestFailed({ reason: "noClient" }))
                  : record.client.request(method, params)
              )
          }
        }, tableContext)
        const files = yield* makeFileHandleTableIn({ maxHandles: config.maxFileHandles, serverHandles: handleSlots }, scope)
        yield* logAnnotated("Info", adopted === undefined ? "session created" : "session adopted", {
          sessionId,
          connectionId: peer?.connectionId,
          detachTtlMs
        })
        record = {
          sessionId,
          key,
          processes,
          files,
          scope,
          sink: undefined,
          client: undefined,
          holder: undefined,
          detachTtlMs,
          expiry: undefined,
          detachedAtMs: undefined,
          createdAtMs: Date.now(),
          madeBy: client.madeBy ?? PROTOCOL_SURFACE,
          clientName: client.clientName ?? "",
          transport: peer?.transport ?? "unknown",
          address: peer?.address
        }
        // Registered last: from here its slot is given back when it closes.
        sessions.set(sessionId, record)
        return record
      })

    if (keptProcesses !== undefined) yield* adoptSessions(keptProcesses, (key, processes) =>
      Effect.gen(function*() {
        if (!sessionSlots.tryTake()) {
          return yield* logAnnotated("Warn", "a session left by a server that is gone is not adopted: --max-sessions", { key })
        }
        // A session that ended with its connection is kept for the orphan TTL: its client may resume it all the same.
        const recorded = Math.max(...processes.map(({ record }) => record.detachTtlMs))
        const record = yield* makeSession(undefined, recorded > 0 ? capTtl(recorded) : keptProcesses.orphanTtlMs, {}, { key })
        adopted.set(key, record)
        for (const { record: process, socketPath } of processes) {
          yield* record.processes.start({
            adopt: socketPath,
            params: { processId: process.processId, argv: [...process.argv], cwd: process.cwd, env: {}, tty: process.tty, pipeStdin: false },
            env: {},
            confinement: UNCONFINED
          }).pipe(
            // No start response to wait for: its events go out (to whoever resumes) as they come.
            Effect.flatMap((actor) => actor.release),
            Effect.catch((error) =>
              logAnnotated("Warn", "a kept process is not adopted", { processId: process.processId, socketPath, reason: error.message })
            )
          )
        }
        yield* detach(record)
      }))

    return {
      create: (peer, { detachTtlMs, ...client }) =>
        Effect.suspend(() => {
          // Claimed before anything yields; given back when the session closes, or here if it is not made.
          // Uninterruptible: a session made must reach its connection, which releases it.
          if (!sessionSlots.tryTake()) {
            return Effect.fail(sessionSlots.refusal(`the server already has ${sessionSlots.inUse} sessions, attached or detached`))
          }
          return Effect.onError(
            Effect.map(makeSession(peer, capTtl(detachTtlMs), client), (record) => {
              Metrics.adjust(Metrics.sessions, 1, ATTACHED)
              return attach(record, peer)
            }),
            () => Effect.sync(() => sessionSlots.release())
          )
        }).pipe(Effect.uninterruptible),
      resume: (peer, { clientName, detachTtlMs, sessionId }) =>
        Effect.gen(function*() {
          const record = sessions.get(sessionId) ?? adoptedSession(sessionId)
          if (record === undefined) {
            return yield* new InvalidRequest({ message: `unknown session id ${sessionId} (or expired)`, reason: "unknownSession" })
          }
          if (record.holder !== undefined) {
            return yield* new SessionHeld({ message: `session ${sessionId} is already attached to another connection` })
          }
          // Claimed before anything yields: a second resume in the same turn
          // finds the session held. The expiry fiber checks the holder too.
          if (detachTtlMs !== undefined) record.detachTtlMs = capTtl(detachTtlMs)
          if (clientName !== undefined) record.clientName = clientName
          const attachment = attach(record, peer)
          Metrics.adjust(Metrics.sessions, -1, DETACHED)
          Metrics.adjust(Metrics.sessions, 1, ATTACHED)
          const expiry = record.expiry
          record.expiry = undefined
          if (expiry !== undefined) yield* Fiber.interrupt(expiry)
          yield* logAnnotated("Info", "session resumed", { sessionId, connectionId: peer.connectionId })
          return attachment
        }),
      list: () =>
        [...sessions.values()].map((record): SessionDetails => ({
          sessionId: record.sessionId,
          clientName: record.clientName,
          attached: record.holder !== undefined,
          transport: record.transport,
          address: record.address,
          createdAtMs: record.createdAtMs,
          detachTtlMs: record.detachTtlMs,
          detachExpiresAtMs: record.detachedAtMs === undefined ? undefined : record.detachedAtMs + record.detachTtlMs,
          processes: record.processes.actors().length,
          madeBy: record.madeBy
        })),
      all: () => [...sessions.values()],
      find: (sessionId) => sessions.get(sessionId),
      freeze: () => {
        frozen = true
        for (const record of sessions.values()) record.processes.setPaused(true)
      }
    }
  })

/** The store; closing it closes every session, attached or detached. */
export const layer: Layer.Layer<SessionStore, never, ServerConfig | ProcessServices> = Layer.effect(SessionStore, make)
