/**
 * The client library with the binary: the contract over the stdio of a
 * server it spawns (layerSpawnLocal starts the built binary), and a
 * WebSocket server killed under it (SIGKILL: no close frame, its process
 * gone). client.test.ts has the contract on servers in process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Result, Stream } from "effect"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import { clientContract } from "../support/clientContract.js"
import { startWebSocketServer } from "../support/WebSocketServer.js"

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

clientContract("over a spawned server's stdio", () => ExecServerClient.layerSpawnLocal({ stderr: "ignore" }))

describe("client over WebSocket", () => {
  it.live("runs exec and fails event streams with TransportClosed within a second when the server dies", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(
        Effect.promise(() => startWebSocketServer()),
        (server) => Effect.sync(() => server.stop())
      )
      const client = yield* Layer.build(ExecServerClient.layerWebSocket({ url: server.url })).pipe(
        Effect.map(Context.get(ExecServerClient.ExecServerClient))
      )
      const result = yield* client.exec(["echo", "over ws"], { env, cwd: "/tmp" })
      expect(text(result.stdout)).toBe("over ws\n")

      const proc = yield* client.start({ argv: ["sleep", "30"], env, cwd: "/tmp" })
      const streamed = yield* proc.events.pipe(Stream.runDrain, Effect.result, Effect.forkChild)
      const killedAt = Date.now()
      server.child.kill("SIGKILL")
      const outcome = yield* Fiber.join(streamed)
      expect(Result.isFailure(outcome) && outcome.failure._tag).toBe("ExecServer/TransportClosed")
      // Told by the socket's close, not by a missed heartbeat (which takes tens of seconds): a generous bound for a loaded machine.
      expect(Date.now() - killedAt).toBeLessThan(10_000)
      const later = yield* client.list.pipe(Effect.flip)
      expect(later._tag).toBe("ExecServer/TransportClosed")
    }).pipe(Effect.scoped))
})
