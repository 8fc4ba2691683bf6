/** What the handlers of every group share. */
import * as Effect from "effect/Effect"
import { CONSOLE_SURFACE } from "../../protocol/console.js"
import type { SessionSummary } from "../../protocol/schema.js"
import { ClientSession } from "../ClientSession.js"
import type { SessionDetails, SessionStore } from "../SessionStore.js"

type SessionStoreShape = typeof SessionStore.Service

/** A session as `session/list` and `console/sessions` show it. */
export const summaryOf = ({ address, detachExpiresAtMs, madeBy, ...details }: SessionDetails): SessionSummary => ({
  ...details,
  peer: address ?? null,
  detachExpiresAtMs: detachExpiresAtMs ?? null,
  console: madeBy === CONSOLE_SURFACE
})

/** Every session of the store, and the asking connection's own id (`session/list`, `console/sessions`). */
export const sessionsOf = (store: SessionStoreShape) =>
  Effect.map(ClientSession, (session) => ({ sessions: store.list().map(summaryOf), sessionId: session.sessionId() ?? null }))
