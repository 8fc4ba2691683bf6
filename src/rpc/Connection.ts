/**
 * The per-connection service handlers use to talk back to their client:
 * push notifications and defer work until after the current response is
 * written.
 */
import type * as Rpc from "@effect/rpc/Rpc"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Schema from "effect/Schema"
import type { FlowControl } from "./FlowControl.js"
import { encodeNotification, type OutgoingMessage } from "./JsonRpc.js"

/** A client connection as seen by a handler. */
export interface ConnectionService {
  /** Process-unique id of the connection; handlers receive it as `clientId`. */
  readonly id: number
  /**
   * Enqueues an already-serialized message for the client, in call order.
   * Never blocks: it is called on the output hot path and from callbacks.
   */
  readonly send: (message: OutgoingMessage) => void
  /** Says when the client is behind and producers should pause. */
  readonly flow: FlowControl
}

/** The connection a handler is serving. */
export class Connection extends Context.Tag("effect-exec-server/Connection")<Connection, ConnectionService>() {}

const encoders = new WeakMap<Rpc.Any, (payload: unknown) => unknown>()

/**
 * Serializes a notification with its Rpc's payload schema. Encoding a value
 * of the schema's own type cannot fail, so a failure is a defect.
 */
export const encodeNotificationOf = <R extends Rpc.Any>(rpc: R, payload: Rpc.Payload<R>): string => {
  let encode = encoders.get(rpc)
  if (encode === undefined) {
    const schema = (rpc as unknown as Rpc.AnyWithProps).payloadSchema as Schema.Schema<unknown, unknown>
    encode = Schema.encodeSync(schema)
    encoders.set(rpc, encode)
  }
  return encodeNotification(rpc._tag, encode(payload))
}

/** Sends a notification to the current connection. */
export const notify = <R extends Rpc.Any>(rpc: R, payload: Rpc.Payload<R>): Effect.Effect<void, never, Connection> =>
  Effect.map(Connection, (connection) => connection.send(encodeNotificationOf(rpc, payload)))

/**
 * Effects to run once the response of the current request has been enqueued.
 * The dispatcher installs a fresh list per request.
 */
export const afterResponseRef: FiberRef.FiberRef<Array<Effect.Effect<void>> | undefined> = FiberRef.unsafeMake<
  Array<Effect.Effect<void>> | undefined
>(undefined)

/**
 * Runs `effect` right after the response of the current request is enqueued,
 * so that, for example, a process's first notification never overtakes the
 * `process/start` response. Outside a request it runs at once.
 */
export const afterResponse = (effect: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(afterResponseRef), (pending) => {
    if (pending === undefined) return effect
    pending.push(effect)
    return Effect.void
  })
