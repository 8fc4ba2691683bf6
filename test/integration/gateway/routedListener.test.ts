/**
 * The WebSocket listener's routing, which the gateway stands on: a route
 * decides before the upgrade, what it opens lives as long as the
 * connection, and with a bound on buffered frames a consumer that does not
 * keep up pauses the socket without losing or reordering a frame.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Option, Queue, Result, Stream } from "effect"
import { WebSocket } from "ws"
import * as Sandbox from "../../../src/sandbox/Sandbox.js"
import * as WebSocketTransport from "../../../src/listeners/WebSocketTransport.js"

/** Opens a WebSocket, or says with which status it was refused. */
const connect = (url: string) =>
  Effect.callback<WebSocket, number>((resume) => {
    const socket = new WebSocket(url)
    socket.once("open", () => resume(Effect.succeed(socket)))
    socket.once("unexpected-response", (_request, response) => resume(Effect.fail(response.statusCode ?? 0)))
    socket.once("error", () => resume(Effect.fail(0)))
  })

describe("WebSocketTransport.makeRouted", () => {
  it.live("routes by path before the upgrade; the route's scope closes with the socket; a full mailbox pauses the socket, nothing lost or reordered", () =>
    Effect.scoped(Effect.gen(function*() {
      const released = yield* Deferred.make<string>()
      const listener = yield* WebSocketTransport.makeRouted({
        host: "127.0.0.1",
        port: 0,
        maxBufferedFrames: 4,
        route: ({ path }) =>
          path === "/ok"
            ? Effect.as(Effect.addFinalizer(() => Deferred.succeed(released, path)), Result.succeed("routed to ok"))
            : Effect.succeed(Result.fail({ status: 404, reason: `nothing at ${path}` }))
      })
      expect(yield* Effect.flip(connect(`${listener.url}/elsewhere`))).toBe(404)

      const socket = yield* connect(`${listener.url}/ok`)
      const accepted = yield* Stream.runHead(listener.connections).pipe(Effect.map(Option.getOrThrow))
      expect(accepted.route).toBe("routed to ok")
      expect(accepted.transport.peer?.path).toBe("/ok")
      // Sent before anything is taken: all but 4 wait in the overflow, the socket paused.
      const count = 2000
      yield* Effect.callback<void>((resume) => {
        for (let i = 0; i < count; i++) socket.send(JSON.stringify({ n: i }), i === count - 1 ? () => resume(Effect.void) : undefined)
      })
      socket.close()
      const received: Array<number> = []
      // Every frame up to the end (Cause.Done), taken as they come.
      for (const frame of yield* Queue.collect(accepted.transport.frames)) {
        if (frame._tag === "Text") received.push((JSON.parse(frame.text) as { readonly n: number }).n)
      }
      expect(received).toEqual(Array.from({ length: count }, (_, i) => i))
      // The socket closed: what the route opened is released.
      expect(yield* Deferred.await(released)).toBe("/ok")
    }).pipe(Effect.provide(Sandbox.layerUnavailable))))
})
