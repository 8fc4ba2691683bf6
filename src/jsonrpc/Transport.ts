/**
 * The server's side of the transport contract (`wire/FrameTransport.ts`,
 * the one both ends implement): what a server's connection says besides,
 * and a listener (`ServerTransport`) that accepts connections.
 * `serveConnection` and the server consume them and know nothing else of
 * the listeners.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { FrameTransport as Connection } from "../wire/FrameTransport.js"

export type { WriteBatch } from "../wire/writers.js"


/**
 * One connection of the server: a `FrameTransport` of the contract (its
 * `close` lets the channel go once the connection is over; its listeners are
 * detached by then or by the constructor's finalizer), and how long its last
 * messages may take.
 */
export interface FrameTransport extends Connection {
  /**
   * The connection's last messages (its processes' ends among them) are
   * written within 2 s of its end, or given up. With this set, they are
   * written for as long as the peer takes some at least this often (ms):
   * for a peer that goes on reading after it stopped sending (stdio: its
   * stdin closed, its stdout still read), however slowly, while one that
   * stopped reading still cannot hold the server.
   */
  readonly closeFlushStallMs?: number | undefined
}

/** A failure of a transport as a whole (not of one connection), such as an address in use. */
export class TransportError extends Data.TaggedError("TransportError")<{ readonly message: string }> {}

/** Where a server's connections come from: a transport's, or an application's beside it. */
export interface ConnectionSource<E> {
  /** The connections, as they are accepted; ends when no more can come. */
  readonly connections: Stream.Stream<FrameTransport, E>
  /**
   * The same connections handed to `serve` as they are accepted, from the
   * transport's own callbacks, while the effect runs (it ends or fails when
   * `connections` would). Optional: the server pulls `connections` from a
   * source without it. Pulling a stream costs a queue's take and the
   * stream's steps per connection, a tenth of what a short connection
   * allocates. One consumer at a time: the stream or this. A source made
   * from another with its `connections` changed (filtered, wrapped) must
   * change or leave out `accept` too: the server takes `accept` first.
   */
  readonly accept?: ((serve: (connection: FrameTransport) => void) => Effect.Effect<void, E>) | undefined
}

/** Accepts client connections: one for stdio, many for a socket server. */
export class ServerTransport extends Context.Service<ServerTransport, ConnectionSource<TransportError> & {
  /** Where clients connect: `stdio://` or `ws://IP:PORT`. */
  readonly url: string
}>()("effect-exec-server/ServerTransport") {}

/**
 * How a transport hands over what it accepts: `offer`ed items wait here until
 * a consumer takes them, as the `stream` or straight to `accept`'s callback
 * (what waited is handed over first). Taking the stream, or `accept`
 * running, makes that the consumer, in place of any other.
 */
export interface Handoff<A> {
  readonly offer: (item: A) => void
  readonly stream: Stream.Stream<A>
  /** Hands every item to `serve` until interrupted. */
  readonly accept: (serve: (item: A) => void) => Effect.Effect<never>
}

export const makeHandoff = <A>(): Effect.Effect<Handoff<A>> =>
  Effect.map(Queue.unbounded<A>(), (queue) => {
    /** What arrived while no consumer was there. */
    let waiting: Array<A> = []
    let consumer: ((item: A) => void) | undefined
    const consumeWith = (take: (item: A) => void) => {
      consumer = take
      const early = waiting
      waiting = []
      for (const item of early) take(item)
    }
    return {
      offer: (item) => {
        if (consumer === undefined) waiting.push(item)
        else consumer(item)
      },
      stream: Stream.unwrap(Effect.sync(() => {
        consumeWith((item) => Queue.offerUnsafe(queue, item))
        return Stream.fromQueue(queue)
      })),
      accept: (serve) =>
        Effect.callback<never>(() => {
          consumeWith(serve)
          return Effect.sync(() => {
            if (consumer === serve) consumer = undefined
          })
        })
    }
  })
