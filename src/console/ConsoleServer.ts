/**
 * The web console on top of the server: its connections (`/console/ws`,
 * admitted by the listener's mount) are served the protocol and the
 * console's own methods, which see every session; every other connection
 * gets `console/createLink` as a `ProtocolExtension`.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as RpcGroup from "effect/rpc/RpcGroup"
import type * as Stream from "effect/Stream"
import { makeAckWindow } from "../jsonrpc/FlowControl.js"
import { type FrameTransport, ServerTransport, type TransportError } from "../jsonrpc/Transport.js"
import { CONSOLE_SURFACE, ConsoleLinkRpcs, ConsoleNotificationRpcs, ConsoleRpcs } from "../protocol/console.js"
import * as ExecServer from "../server/ExecServer.js"
import * as Surface from "../server/Surface.js"
import { consoleHandlers, consoleLinkHandlers, consoleNotificationHandlers, ConsoleWindow } from "./handlers.js"
import { WebConsole } from "./WebConsole.js"

/**
 * Unacknowledged output a console connection may have, and where it
 * resumes: xterm.js's flow-control guide pauses a producer at a few
 * hundred KB pending (its parser does 5-35 MB/s), ttyd at about 1 MB.
 */
export const CONSOLE_WINDOW = { highWaterMark: 512 * 1024, lowWaterMark: 128 * 1024 }

/** `console/createLink`, for every connection of the server. */
export const protocolExtension: Effect.Effect<Surface.Surface, never, WebConsole> = Effect.map(
  Surface.handlers()(consoleLinkHandlers),
  (handlers) => Surface.make({ name: Surface.PROTOCOL_SURFACE, requests: ConsoleLinkRpcs, notifications: RpcGroup.make(), handlers })
)

/** What a console's connection is served besides the protocol: the console's methods, and its acknowledgement window. */
const consoleSurface: Effect.Effect<Surface.Surface, never, ExecServer.ServerServices> = Effect.map(
  Surface.handlers<ConsoleWindow>()(Effect.all([consoleHandlers, consoleNotificationHandlers])),
  ([requests, notifications]) =>
    Surface.make({
      name: CONSOLE_SURFACE,
      requests: ConsoleRpcs,
      notifications: ConsoleNotificationRpcs,
      handlers: Context.merge(requests, notifications),
      perConnection: () => {
        const window = makeAckWindow(CONSOLE_WINDOW)
        return { context: Context.make(ConsoleWindow, window), outputWindow: window }
      }
    })
)

/**
 * Serves the server's listener with `console/createLink` on each
 * connection, and the console's `connections` with the console's methods
 * besides, until both end. The protocol's handlers are built once for both:
 * their server-wide budgets (HTTP requests in flight, watched directories)
 * count every connection, the console's too.
 */
export const serveBeside = (
  connections: Stream.Stream<FrameTransport>
): Effect.Effect<void, TransportError, ServerTransport | ExecServer.ServerServices | WebConsole> =>
  Effect.gen(function*() {
    const listener = yield* ServerTransport
    const protocol = yield* ExecServer.protocolSurface.pipe(Effect.provideServiceEffect(Surface.ProtocolExtension, protocolExtension))
    const consoleOwn = Surface.merge(protocol, yield* consoleSurface)
    yield* Effect.zip(ExecServer.serveAll(listener, protocol), ExecServer.serveAll(connections, consoleOwn), {
      concurrent: true
    })
  })
