/**
 * The handlers of every request and client notification, made with
 * `Group.toHandlers`, once per server: one module per group in
 * `handlers/` (handshake, process, fs, http, environmentConfig, capabilities), assembled here. What a
 * request needs of its connection (its `ClientSession`, the `Connection`,
 * the request's `ResponseHooks`) the dispatcher puts in each request's
 * context; exec methods are refused until the handshake is done.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { Connection, ResponseHooks } from "../jsonrpc/Connection.js"
import type { ClientSession } from "./ClientSessionService.js"
import { capabilityHandlers } from "./handlers/capabilityHandlers.js"
import { environmentConfigHandlers } from "./handlers/environmentConfigHandlers.js"
import { fsHandlers } from "./handlers/fsHandlers.js"
import { clientNotificationHandlers, handshakeHandlers } from "./handlers/handshakeHandlers.js"
import { httpHandlers } from "./handlers/httpHandlers.js"
import { processHandlers } from "./handlers/processHandlers.js"
import * as Surface from "./Surface.js"

/** What the dispatcher puts in each request's context, so the handlers need none of it when they are built. */
export type PerRequest = ClientSession | Connection | ResponseHooks

/** Every handler of the protocol, as `Group.toHandlers` makes them, with what they need per request still asked. */
const protocolHandlers = Effect.map(
  Effect.all([
    handshakeHandlers,
    clientNotificationHandlers,
    processHandlers,
    fsHandlers,
    httpHandlers,
    environmentConfigHandlers,
    capabilityHandlers
  ]),
  (groups) => Context.mergeAll(...groups)
)

/** The handlers of every method of the protocol. */
export type ServerHandlers = Effect.Success<typeof protocolHandlers>

/**
 * Builds every handler once per server, from the server's services (built per
 * connection they were a third of the runtime's work of opening one). What
 * they need per request the dispatcher provides, so the build does not ask
 * for it. The groups' handlers are made directly (`Group.toHandlers`)
 * rather than by building their layers.
 */
export const serverHandlers = Surface.handlers()(protocolHandlers)
