/** What the handlers of every group share. */
import * as Effect from "effect/Effect"
import { CONSOLE_SURFACE } from "../../protocol/console.js"
import type { SessionSummary } from "../../protocol/schema.js"
import { ClientSession } from "../ClientSessionService.js"
import type { SessionDetails, SessionStore } from "../SessionStore.js"

type SessionStoreShape = typeof SessionStore.Service

/**
 * A session as `session/list` and `console/sessions` show it, its fields in
 * the schema's order: Effect 4 sends a result whose schema changes nothing
 * as it is (Effect 3 encoded one with a refinement, in the schema's order).
 */
export const summaryOf = (details: SessionDetails): SessionSummary => ({
  sessionId: details.sessionId,
  clientName: details.clientName,
  attached: details.attached,
  transport: details.transport,
  peer: details.address ?? null,
  createdAtMs: details.createdAtMs,
  detachTtlMs: details.detachTtlMs,
  detachExpiresAtMs: details.detachExpiresAtMs ?? null,
  processes: details.processes,
  console: details.madeBy === CONSOLE_SURFACE
})

/** Every session of the store, and the asking connection's own id (`session/list`, `console/sessions`). */
export const sessionsOf = (store: SessionStoreShape) =>
  Effect.map(ClientSession, (session) => ({ sessions: store.list().map(summaryOf), sessionId: session.sessionId() ?? null }))
