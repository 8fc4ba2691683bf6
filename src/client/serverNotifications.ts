/**
 * The server's notifications handed to their subscribers: each method's
 * params decoded once with its `ServerNotificationRpcs` schema, for all the
 * method's listeners. Apart from the peer, as `serverRequests.ts` is: the
 * peer routes notifications here and knows none of their methods.
 */
import type * as Rpc from "effect/rpc/Rpc"
import * as Result from "effect/Result"
import { ServerNotificationRpcs } from "../protocol/rpcs.js"
import { codecOf } from "../wire/RpcCodecs.js"
import type { NotificationMethod, NotificationOf } from "./methods.js"

/** Each notification's listeners, by method. */
export class ServerNotifications {
  /** Each notification's listeners, by method: the params are decoded once, for all of them. */
  private readonly subscribers = new Map<string, { readonly decode: (params: unknown) => Result.Result<unknown, unknown>; readonly listeners: Set<(payload: unknown) => void> }>()

  /**
   * Hands each `method` notification, decoded with its Rpc's schema, to
   * `handler` (beside the method's other handlers, in the order they
   * subscribed), until the returned function is called.
   */
  subscribe<Tag extends NotificationMethod>(method: Tag, handler: (payload: Rpc.Payload<NotificationOf<Tag>>) => void): () => void {
    let subscriber = this.subscribers.get(method)
    if (subscriber === undefined) {
      const decode = codecOf(ServerNotificationRpcs.requests.get(method) as unknown as Rpc.AnyWithProps).decodePayload
      subscriber = { decode, listeners: new Set() }
      this.subscribers.set(method, subscriber)
    }
    const listener = handler as (payload: unknown) => void
    // Wrapped: the same handler subscribed twice is two listeners.
    const entry = (payload: unknown) => listener(payload)
    subscriber.listeners.add(entry)
    const listeners = subscriber.listeners
    return () => void listeners.delete(entry)
  }

  /** Hands a notification of the server's to its method's listeners. */
  deliver(method: string, params: unknown): void {
    const subscriber = this.subscribers.get(method)
    if (subscriber === undefined || subscriber.listeners.size === 0) return
    const payload = subscriber.decode(params)
    // A notification that does not fit its schema is dropped.
    if (Result.isFailure(payload)) return
    for (const listener of subscriber.listeners) listener(payload.success)
  }
}
