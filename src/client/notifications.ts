/**
 * The server's notifications as streams, one per method, typed by the
 * protocol's `ServerNotificationRpcs`: `client.notifications("fs/changed")`.
 * A notification the protocol gains is listened to this way with no change
 * here; the client's own APIs (process events, watches, bodies) subscribe
 * on the same peer beside it.
 */
import type * as Rpc from "effect/rpc/Rpc"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { extensionNotifications } from "../protocol/rpcs.js"
import type { InitializeResult } from "../protocol/schema.js"
import { type ClientError, ProtocolError } from "./ClientError.js"
import type { JsonRpcPeer } from "./JsonRpcPeer.js"
import type { NotificationMethod, NotificationOf } from "./methods.js"

/** A notification's params, decoded with its schema. */
export type NotificationPayload<Tag extends NotificationMethod> = Rpc.Payload<NotificationOf<Tag>>

/** How many notifications a stream holds for its consumer before the client stops reading the connection. */
export const NOTIFICATION_BUFFER = 1024

/**
 * Every `method` notification from the time the stream runs, in the order
 * they came, until the client shuts down (the stream then fails with why).
 * Nothing is dropped: a consumer `NOTIFICATION_BUFFER` behind holds the
 * connection's reading (the server then holds the session's output back)
 * until it takes one. Notifications sent while a dropped connection was
 * being made again are not sent again (a process's events are: read them
 * from its handle). An extension notification (`Extension` in the
 * protocol) comes only when the client asked for it (`notifications` in
 * its options) and the server granted it; otherwise the stream fails at
 * once, saying so.
 */
export const notificationsOf = <Tag extends NotificationMethod>(
  peer: JsonRpcPeer,
  server: InitializeResult,
  method: Tag
): Stream.Stream<NotificationPayload<Tag>, ClientError> => {
  if (extensionNotifications.has(method) && server.notifications?.includes(method) !== true) {
    return Stream.fail(
      new ProtocolError({
        message: `${method} is an extension notification the server sends only when asked: ` +
          `name it in the client's notifications option (the server ${
            server.notifications === undefined ? "was not asked for any" : "does not send it"
          })`
      })
    )
  }
  return Stream.callback<NotificationPayload<Tag>, ClientError>(
    (queue) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          if (peer.closed !== undefined) {
            Queue.failCauseUnsafe(queue, Cause.fail(peer.closed))
            return () => {}
          }
          const unsubscribe = peer.subscribe(method, (payload) => {
            // Full: the reader waits for room before it takes the next message.
            if (!Queue.offerUnsafe(queue, payload)) peer.holdReading(Effect.asVoid(Queue.offer(queue, payload)))
          })
          const unlisten = peer.listen({ shutDown: (error) => void Queue.failCauseUnsafe(queue, Cause.fail(error)) })
          return () => {
            unsubscribe()
            unlisten()
          }
        }),
        (stop) => Effect.sync(stop)
      ),
    { bufferSize: NOTIFICATION_BUFFER }
  )
}
