/**
 * What a connection is served: the methods its dispatcher knows, their
 * handlers, and what each of its connections adds of its own. The server
 * serves its transport's connections with the protocol's surface, widened
 * by the `ProtocolExtension` an application provides; an application on
 * top of the server (the web console) serves its own connections with a
 * wider surface still, through `ExecServer.serveAll`.
 */
import type * as Rpc from "effect/rpc/Rpc"
import * as RpcGroup from "effect/rpc/RpcGroup"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { AckWindow } from "../jsonrpc/FlowControl.js"
import type { PerRequest } from "./serverHandlers.js"

/** What one connection of a surface has that others do not. */
export interface ConnectionAddOn {
  /** What its requests' handlers find in their context besides the connection and its session. */
  readonly context: Context.Context<never>
  /**
   * Output of its session's processes that its client has not acknowledged
   * yet: above the window they pause, as when its socket is full (a browser
   * takes frames off its socket at once, so the socket alone never shows a
   * terminal that cannot keep up).
   */
  readonly outputWindow?: AckWindow | undefined
}

/** The methods a connection is served, with their handlers. */
export interface Surface {
  /**
   * Which surface: in the connection's log lines, and the sessions its
   * connections make are listed as made by it.
   */
  readonly name: string
  readonly requests: RpcGroup.RpcGroup<Rpc.Any>
  readonly notifications: RpcGroup.RpcGroup<Rpc.Any>
  readonly handlers: Context.Context<never>
  /** Made once per connection, when it opens. */
  readonly perConnection: () => ConnectionAddOn
}

/** The name of the protocol's surface (and of an extension of it): what the server's own connections are served. */
export const PROTOCOL_SURFACE = "protocol"

const NO_ADD_ON: ConnectionAddOn = { context: Context.empty() }
const noAddOn = (): ConnectionAddOn => NO_ADD_ON

/** A surface of these groups, its handlers checked against them. */
export const make = <Requests extends Rpc.Any, Notifications extends Rpc.Any>(options: {
  readonly name: string
  readonly requests: RpcGroup.RpcGroup<Requests>
  readonly notifications: RpcGroup.RpcGroup<Notifications>
  readonly handlers: Context.Context<Rpc.ToHandler<Requests> | Rpc.ToHandler<Notifications>>
  readonly perConnection?: (() => ConnectionAddOn) | undefined
}): Surface => ({
  name: options.name,
  // The dispatcher looks methods up by name: what the types checked above, it needs no more.
  requests: options.requests as unknown as RpcGroup.RpcGroup<Rpc.Any>,
  notifications: options.notifications as unknown as RpcGroup.RpcGroup<Rpc.Any>,
  handlers: options.handlers as Context.Context<never>,
  perConnection: options.perConnection ?? noAddOn
})

/**
 * A build of handlers (`Group.toHandlers`) as it needs only what it
 * is built with: what its handlers ask of each request (the connection, its
 * session, the response hooks) the dispatcher provides, and what they ask
 * of their connection (`PerConnection`, say the window of
 * `ConnectionAddOn.context`) the surface's `perConnection` does:
 * `Surface.handlers<MyWindow>()(MyRpcs.toHandlers({...}))`.
 */
export const handlers = <PerConnection = never>() =>
<A, E, R>(build: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, PerRequest | PerConnection>> =>
  build as Effect.Effect<A, E, Exclude<R, PerRequest | PerConnection>>

/** No methods: what the protocol is extended by when no application extends it. */
export const empty: Surface = make({
  name: PROTOCOL_SURFACE,
  requests: RpcGroup.make(),
  notifications: RpcGroup.make(),
  handlers: Context.empty()
})

/**
 * `base`'s methods and `wider`'s (a method in both is `wider`'s), named
 * `name`; each connection gets both add-ons (`wider`'s window, if it has one).
 */
export const merge = (base: Surface, wider: Surface, name: string = wider.name): Surface => ({
  name,
  requests: base.requests.merge(wider.requests) as unknown as RpcGroup.RpcGroup<Rpc.Any>,
  notifications: base.notifications.merge(wider.notifications) as unknown as RpcGroup.RpcGroup<Rpc.Any>,
  handlers: Context.merge(base.handlers, wider.handlers),
  perConnection: base.perConnection === noAddOn
    ? wider.perConnection
    : wider.perConnection === noAddOn
    ? base.perConnection
    : () => {
      const first = base.perConnection()
      const second = wider.perConnection()
      return { context: Context.merge(first.context, second.context), outputWindow: second.outputWindow ?? first.outputWindow }
    }
})

/**
 * Methods every connection of the server is served beside the protocol's
 * (the console's `console/createLink`); none by default.
 */
export const ProtocolExtension: Context.Reference<Surface> = Context.Reference<Surface>("effect-exec-server/ProtocolExtension", {
  defaultValue: () => empty
})
