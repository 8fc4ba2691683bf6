/**
 * The handlers of every request and client notification, made with
 * `Group.toHandlersContext`, once per server: one module per group in
 * `handlers/` (handshake, process, fs, http), assembled here. What a
 * request needs of its connection (its `ClientSession`, the `Connection`,
 * the request's `ResponseHooks`) the dispatcher puts in each request's
 * context; exec methods are refused until the handshake is done.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { Connection, ResponseHooks } from "../jsonrpc/Connection.js"
import type { ClientSession } from "./ClientSession.js"
import { fsHandlers } from "./handlers/fs.js"
import { clientNotificationHandlers, handshakeHandlers } from "./handlers/handshake.js"
import { httpHandlers } from "./handlers/http.js"
import { processHandlers } from "./handlers/process.js"
import { consoleHandlers, consoleLinkHandlers, consoleNotificationHandlers } from "./handlers/console.js"
import * as Option from "effect/Option"
import { WebConsole } from "../console/WebConsole.js"

/** What the dispatcher puts in each request's context, so the handlers need none of it when they are built. */
export type PerRequest = ClientSession | Connection | ResponseHooks

/** Every handler of the protocol, as `Group.toHandlersContext` makes them, with what they need per request still asked. */
const protocolHandlers = Effect.map(
  Effect.all([handshakeHandlers, clientNotificationHandlers, processHandlers, fsHandlers, httpHandlers]),
  (groups) => Context.mergeAll(...groups)
)

/** The web console's handlers (`console/*`): built only on a server that has one. */
const webConsoleHandlers = Effect.map(
  Effect.all([consoleLinkHandlers, consoleHandlers, consoleNotificationHandlers]),
  (groups) => Context.mergeAll(...groups)
)

/**
 * The handlers of every method, as the dispatcher looks them up. A server
 * without the web console has none of the console's: its connections'
 * groups have none of its methods either.
 */
export type ServerHandlers = Context.Context<
  HandlersIn<Effect.Effect.Success<typeof protocolHandlers>> | HandlersIn<Effect.Effect.Success<typeof webConsoleHandlers>>
>

/** The handlers a context holds. */
type HandlersIn<C> = C extends Context.Context<infer Handlers> ? Handlers : never

const allHandlers: Effect.Effect<
  ServerHandlers,
  Effect.Effect.Error<typeof protocolHandlers>,
  Effect.Effect.Context<typeof protocolHandlers> | Exclude<Effect.Effect.Context<typeof webConsoleHandlers>, WebConsole>
> = Effect.gen(function*() {
  const protocol = yield* protocolHandlers
  const webConsole = yield* Effect.serviceOption(WebConsole)
  if (Option.isNone(webConsole)) return protocol as ServerHandlers
  return Context.merge(protocol, yield* Effect.provideService(webConsoleHandlers, WebConsole, webConsole.value))
})

/**
 * Builds every handler once per server, from the server's services (built per
 * connection they were a third of the runtime's work of opening one). What
 * they need per request the dispatcher provides, so the build does not ask
 * for it. The groups' handlers are made directly (`Group.toHandlersContext`)
 * rather than by building their layers.
 */
export const serverHandlers = allHandlers as Effect.Effect<
  ServerHandlers,
  Effect.Effect.Error<typeof allHandlers>,
  Exclude<Effect.Effect.Context<typeof allHandlers>, PerRequest>
>
