/**
 * The client library against the real server: in process and over a
 * WebSocket to a server in this process (over the stdio of a server it
 * spawns, and a server killed under it: clientProcess.test.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, References } from "effect"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as Transport from "../../src/jsonrpc/Transport.js"
import * as WebSocketTransport from "../../src/listeners/WebSocketTransport.js"
import { clientContract } from "../support/clientContract.js"

const inProcess = InProcessClient.layer().pipe(
  Layer.provide(ExecServer.layerNodeServices),
  Layer.provide(ServerConfig.layer())
)

/** A client over a real WebSocket to a server embedded in this process on a free port. */
const overWebSocket = Layer.unwrap(
  Effect.gen(function*() {
    const { transport, url } = yield* WebSocketTransport.make({ host: "127.0.0.1", port: 0 })
    yield* ExecServer.run.pipe(
      Effect.provideService(Transport.ServerTransport, transport),
      Effect.provideService(References.MinimumLogLevel, "Warn"),
      Effect.forkScoped
    )
    return ExecServerClient.layerWebSocket({ url })
  })
).pipe(Layer.provide(ExecServer.layerNodeServices), Layer.provide(ServerConfig.layer()))

clientContract("in-process", () => inProcess)
clientContract("over WebSocket", () => overWebSocket)

describe("client over WebSocket", () => {
  it.live("fails with ConnectTimeout or TransportClosed when nothing listens", () =>
    Effect.gen(function*() {
      const failure = yield* Layer.build(
        ExecServerClient.layerWebSocket({ url: "ws://127.0.0.1:9", connectTimeoutMs: 2000 })
      ).pipe(Effect.flip, Effect.scoped, Effect.timeout(Duration.seconds(5)))
      expect(["ExecServer/ConnectTimeout", "ExecServer/TransportClosed"]).toContain(failure._tag)
    }))
})
