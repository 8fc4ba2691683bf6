/**
 * The handlers of our `console/*` extension, on a server with the web
 * console only: `console/createLink` on any of its connections; the rest on
 * a console's own connections (the dispatcher of other connections does
 * not know them), where they see every session of the server.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { AckWindow } from "../jsonrpc/FlowControl.js"
import { ConsoleLinkRpcs, ConsoleNotificationRpcs, ConsoleRpcs } from "../protocol/console.js"
import { InvalidRequest } from "../protocol/errors.js"
import { ClientSession } from "../server/ClientSessionService.js"
import { sessionsOf } from "../server/handlers/common.js"
import { CONSOLE_CLAIM } from "../wire/FrameTransport.js"
import { ServerConfig } from "../server/ServerConfig.js"
import { type Session, SessionStore } from "../server/SessionStore.js"
import { loginLinkPath, WebConsole } from "./WebConsole.js"

/** A console connection's window of unacknowledged output, in its requests' context (`console/ack`). */
export class ConsoleWindow extends Context.Service<ConsoleWindow, AckWindow>()("effect-exec-server/ConsoleWindow") {}

/** Why a connection may not mint console links: a link shows every session of the server, not only the caller's. */
export const CREATE_LINK_REFUSAL = "console/createLink is the operator's: a console link shows every session of this server. " +
  "Present the console key (exec-server console-url reads it from the server's key file, docs/CONSOLE.md), " +
  `or connect with a signed bearer token carrying "${CONSOLE_CLAIM}": true`

/** `console/createLink`: for the holder of the operator's console key, or of a credential that grants the console. */
export const consoleLinkHandlers = ConsoleLinkRpcs.toHandlers(Effect.gen(function*() {
  const { auth } = yield* WebConsole
  return {
    "console/createLink": ({ consoleKey }) =>
      Effect.flatMap(ClientSession, (session) => {
        if (!auth.isOperatorKey(consoleKey) && !session.grants.includes("console")) {
          return Effect.fail(new InvalidRequest({ message: CREATE_LINK_REFUSAL }))
        }
        const link = auth.issueLink()
        return Effect.succeed({ path: loginLinkPath(link.secret), expiresAtMs: link.expiresAtMs })
      })
  }
}))

/** `console/sessions`, `console/processes`, `console/read`, `console/signal`, `console/terminate`. */
export const consoleHandlers = ConsoleRpcs.toHandlers(Effect.gen(function*() {
  const config = yield* ServerConfig
  const store = yield* SessionStore
  const sessionOf = (sessionId: string) =>
    Effect.suspend(() => {
      const session = store.find(sessionId)
      return session === undefined
        ? Effect.fail(new InvalidRequest({ message: `unknown or closed session id ${sessionId}`, reason: "unknownSession" }))
        : Effect.succeed(session)
    })
  const everySession: Effect.Effect<ReadonlyArray<Session>, InvalidRequest> = Effect.sync(store.all)
  const processOf = (sessionId: string, processId: string) =>
    Effect.flatMap(sessionOf(sessionId), (session) => session.processes.get(processId))
  return {
    "console/sessions": () => sessionsOf(store),
    "console/processes": ({ sessionId }) =>
      (sessionId === undefined ? everySession : Effect.map(sessionOf(sessionId), (session): ReadonlyArray<Session> => [session])).pipe(
        Effect.flatMap((sessions) =>
          Effect.forEach(
            sessions.flatMap((session) => session.processes.actors().map((actor) => ({ sessionId: session.sessionId, actor }))),
            ({ actor, sessionId }) => Effect.map(actor.details, (details) => ({ sessionId, ...details }))
          )),
        Effect.map((processes) => ({ processes }))
      ),
    "console/read": ({ afterSeq, maxBytes, processId, sessionId, waitMs }) =>
      Effect.flatMap(processOf(sessionId, processId), (actor) =>
        Effect.map(actor.read({ afterSeq, maxBytes, waitMs }), (result) => {
          const first = result.chunks[0]?.seq ?? afterSeq + 1
          const last = result.chunks[result.chunks.length - 1]?.seq ?? first
          return { ...result, sizes: actor.sizes?.between(first, last) ?? [] }
        })),
    "console/signal": ({ processId, sessionId, signal }) =>
      Effect.flatMap(processOf(sessionId, processId), (actor) =>
        Effect.map(actor.signal(signal), (delivered) => ({ delivered }))),
    "console/terminate": ({ mode, processId, sessionId }) =>
      Effect.flatMap(processOf(sessionId, processId), (actor) =>
        Effect.map(actor.terminate(mode, config.graceMs), (running) => ({ running })))
  }
}))

/** `console/ack`. */
export const consoleNotificationHandlers = ConsoleNotificationRpcs.toHandlers({
  "console/ack": ({ bytes }) => Effect.flatMap(ConsoleWindow, (window) => Effect.sync(() => window.acknowledged(bytes)))
})
