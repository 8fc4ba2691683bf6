/**
 * The state of one client connection: where it is in the handshake, and its
 * session — the processes it started. Closing the connection's scope closes
 * the session, which terminates its processes.
 */
import { Context, Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { InvalidRequest } from "../protocol/errors.js"
import { ProcessClosed, ProcessExited, ProcessOutput } from "../protocol/rpcs.js"
import { PROTOCOL_VERSION } from "../protocol/schema.js"
import type { InitializeParams } from "../protocol/schema.js"
import { makeProcessTable, type ProcessTable } from "../process/ProcessTable.js"
import type { ProcessEvent } from "../process/ProcessActor.js"
import { Connection, encodeNotificationOf } from "../rpc/Connection.js"
import { ServerConfig } from "./ServerConfig.js"

/** Where a connection is in the handshake. */
export type HandshakeState = "awaitingInitialize" | "awaitingInitialized" | "ready"

/** One connection's handshake and session. */
export interface ClientSessionShape {
  readonly sessionId: string
  readonly handshake: Effect.Effect<HandshakeState>
  /** Answers `initialize`; only the first call succeeds. */
  readonly initialize: (
    params: typeof InitializeParams.Type
  ) => Effect.Effect<{
    readonly protocolVersion: string
    readonly sessionId: string
    readonly serverInfo: { readonly name: string; readonly version: string }
  }, InvalidRequest>
  /** Handles the `initialized` notification. */
  readonly initialized: Effect.Effect<void>
  /** Fails with -32600 unless the handshake is complete. */
  readonly requireReady: Effect.Effect<void, InvalidRequest>
  readonly processes: ProcessTable
}

/** The current connection's handshake and session. */
export class ClientSession extends Context.Tag("effect-exec-server/ClientSession")<ClientSession, ClientSessionShape>() {}

/** Encodes a process event as its notification. */
export const notificationOf = (event: ProcessEvent): string => {
  switch (event._tag) {
    case "Output":
      return encodeNotificationOf(ProcessOutput, {
        processId: event.processId,
        seq: event.seq,
        stream: event.stream,
        chunk: event.bytes
      })
    case "Exited":
      return encodeNotificationOf(ProcessExited, {
        processId: event.processId,
        seq: event.seq,
        exitCode: event.exitCode,
        signal: event.signal
      })
    case "Closed":
      return encodeNotificationOf(ProcessClosed, { processId: event.processId, seq: event.seq })
  }
}

/** A fresh session for the current connection, closed with the layer's scope. */
export const layer = Layer.scoped(
  ClientSession,
  Effect.gen(function*() {
    const config = yield* ServerConfig
    const connection = yield* Connection
    let state: HandshakeState = "awaitingInitialize"
    const sessionId = randomUUID()
    const processes = yield* makeProcessTable({
      graceMs: config.graceMs,
      retainedOutputBytes: config.retainedOutputBytes,
      retentionMs: config.retentionMs,
      emit: (event) => connection.send(notificationOf(event))
    })
    const session: ClientSessionShape = {
      sessionId,
      handshake: Effect.sync(() => state),
      initialize: (params) =>
        Effect.suspend(() => {
          if (state !== "awaitingInitialize") {
            return Effect.fail(new InvalidRequest({ message: "initialize may only be sent once per connection" }))
          }
          if (params.resumeSessionId !== undefined) {
            return Effect.fail(
              new InvalidRequest({ message: `unknown session id ${params.resumeSessionId}: nothing to resume` })
            )
          }
          state = "awaitingInitialized"
          return Effect.succeed({
            protocolVersion: PROTOCOL_VERSION,
            sessionId,
            serverInfo: { name: config.serverName, version: config.serverVersion }
          })
        }),
      initialized: Effect.sync(() => {
        if (state === "awaitingInitialized") state = "ready"
      }),
      requireReady: Effect.suspend(() => {
        switch (state) {
          case "ready":
            return Effect.void
          case "awaitingInitialize":
            return Effect.fail(
              new InvalidRequest({ message: "client must call initialize before using exec methods" })
            )
          case "awaitingInitialized":
            return Effect.fail(
              new InvalidRequest({ message: "client must send initialized before using exec methods" })
            )
        }
      }),
      processes
    }
    return session
  })
)
