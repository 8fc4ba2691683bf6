/**
 * Sessions outlive connections when the client asks for it: a session owns
 * its process table in a scope of its own under the store. When its
 * connection closes it is either closed at once (the default: processes
 * terminated) or detached for `detachTtlMs`, keeping its processes and their
 * retained output until a new connection resumes it or the TTL passes.
 */
import { Context, Duration, Effect, ExecutionStrategy, Exit, Fiber, Layer, Scope } from "effect"
import { randomUUID } from "node:crypto"
import type { PipeSpawner, PtySpawner } from "../process/ChildProcess.js"
import type { OutputBuffer } from "../process/OutputBuffer.js"
import type { ProcessEvent } from "../process/ProcessActor.js"
import { makeProcessTable, type ProcessTable } from "../process/ProcessTable.js"
import { InvalidRequest } from "../protocol/errors.js"
import { ServerConfig } from "./ServerConfig.js"

/** A session: its id, its processes, and the connection it currently sends events to. */
export interface Session {
  readonly sessionId: string
  readonly processes: ProcessTable
}

interface SessionRecord extends Session {
  readonly scope: Scope.CloseableScope
  /** Where events go; undefined while detached (they are only retained). */
  sink: ((event: ProcessEvent) => void) | undefined
  holder: number | undefined
  detachTtlMs: number
  expiry: Fiber.RuntimeFiber<void> | undefined
}

/** What a connection attaches to: a new session or a resumed one. */
export interface Attachment {
  readonly session: Session
  /** Called when the connection closes: detaches or closes the session. */
  readonly release: Effect.Effect<void>
}

/** The server's sessions. */
export class SessionStore extends Context.Tag("effect-exec-server/SessionStore")<SessionStore, {
  /** Creates a session held by `connectionId`, sending its events to `sink`. */
  readonly create: (options: {
    readonly connectionId: number
    readonly detachTtlMs: number
    readonly sink: (event: ProcessEvent) => void
  }) => Effect.Effect<Attachment, never, PtySpawner | PipeSpawner | OutputBuffer>
  /** Takes over a detached session; -32600 when it is unknown, expired or held by another connection. */
  readonly resume: (options: {
    readonly sessionId: string
    readonly connectionId: number
    readonly detachTtlMs: number | undefined
    readonly sink: (event: ProcessEvent) => void
  }) => Effect.Effect<Attachment, InvalidRequest>
}>() {}

/** The store; closing it closes every session, attached or detached. */
export const layer: Layer.Layer<SessionStore, never, ServerConfig> = Layer.scoped(
  SessionStore,
  Effect.gen(function*() {
    const config = yield* ServerConfig
    const storeScope = yield* Effect.scope
    const sessions = new Map<string, SessionRecord>()

    const close = (record: SessionRecord) =>
      Effect.suspend(() => {
        sessions.delete(record.sessionId)
        return Scope.close(record.scope, Exit.void)
      })

    yield* Effect.addFinalizer(() =>
      Effect.forEach([...sessions.values()], close, { concurrency: "unbounded", discard: true })
    )

    const capTtl = (requested: number) => Math.max(0, Math.min(requested, config.maxDetachTtlMs))

    const attach = (record: SessionRecord, connectionId: number, sink: (event: ProcessEvent) => void): Attachment => {
      record.holder = connectionId
      record.sink = sink
      return {
        session: record,
        release: Effect.suspend(() => {
          if (record.holder !== connectionId) return Effect.void
          record.holder = undefined
          record.sink = undefined
          if (record.detachTtlMs <= 0) return close(record)
          // Released from a finalizer, which is uninterruptible: the timer must
          // not inherit that, or a resume could not cancel it.
          return Effect.sleep(Duration.millis(record.detachTtlMs)).pipe(
            Effect.zipRight(Effect.suspend(() => record.holder === undefined ? close(record) : Effect.void)),
            Effect.interruptible,
            Effect.forkIn(storeScope),
            Effect.map((fiber) => {
              record.expiry = fiber
            })
          )
        })
      }
    }

    return {
      create: ({ connectionId, detachTtlMs, sink }) =>
        Effect.gen(function*() {
          const scope = yield* Scope.fork(storeScope, ExecutionStrategy.sequential)
          const sessionId = randomUUID()
          // The record is filled in below; the table's emit reads its current sink.
          let record: SessionRecord | undefined
          const processes = yield* makeProcessTable({
            graceMs: config.graceMs,
            retainedOutputBytes: config.retainedOutputBytes,
            retentionMs: config.retentionMs,
            maxProcesses: config.maxProcesses,
            emit: (event) => record?.sink?.(event)
          }).pipe(Scope.extend(scope))
          record = {
            sessionId,
            processes,
            scope,
            sink: undefined,
            holder: undefined,
            detachTtlMs: capTtl(detachTtlMs),
            expiry: undefined
          }
          sessions.set(sessionId, record)
          return attach(record, connectionId, sink)
        }),
      resume: ({ connectionId, detachTtlMs, sessionId, sink }) =>
        Effect.gen(function*() {
          const record = sessions.get(sessionId)
          if (record === undefined) {
            return yield* new InvalidRequest({ message: `unknown or expired session id ${sessionId}` })
          }
          if (record.holder !== undefined) {
            return yield* new InvalidRequest({ message: `session ${sessionId} is held by another connection` })
          }
          if (record.expiry !== undefined) {
            const expiry = record.expiry
            record.expiry = undefined
            yield* Fiber.interrupt(expiry)
          }
          if (detachTtlMs !== undefined) record.detachTtlMs = capTtl(detachTtlMs)
          return attach(record, connectionId, sink)
        })
    }
  })
)
