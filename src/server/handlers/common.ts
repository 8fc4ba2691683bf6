/** What the handlers of every group share. */
import * as Effect from "effect/Effect"
import { ClientSession } from "../ClientSession.js"
import type { SessionStore } from "../SessionStore.js"

type SessionStoreShape = typeof SessionStore.Service

/** Every session of the store, and the asking connection's own id (`session/list`, `console/sessions`). */
export const sessionsOf = (store: SessionStoreShape) =>
  Effect.map(ClientSession, (session) => ({ sessions: store.list(), sessionId: session.sessionId() ?? null }))
