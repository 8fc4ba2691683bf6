/**
 * An application's own test, which the smoke test (otherNode.test.ts) runs
 * under vitest on the other Node: the server from ExecServer's Layers in
 * the test's process (the native addon and node-pty loaded there), on a
 * WebSocket on a free port, and the client library, its Effect API and its
 * Promise API, running a pipe process and a terminal on it.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ClientTransport, ExecServer, ExecServerClient, PromiseClient, ServerConfig, Transport, WebSocketTransport } from "../../../src/index.js"
import { nativeUse } from "../../../src/native/addon.js"

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()

it.live("an application's server from the Layers runs a pipe process and a terminal for both client APIs", () =>
  Effect.gen(function*() {
    // The Node the smoke test runs this on, not the one that started the smoke test.
    expect(process.versions.node).toBe(process.env["SMOKE_NODE_VERSION"])
    const { transport, url } = yield* WebSocketTransport.make({ host: "127.0.0.1", port: 0 })
    yield* ExecServer.run.pipe(Effect.provideService(Transport.ServerTransport, transport), Effect.forkScoped)
    const client = yield* ExecServerClient.make(ClientTransport.webSocket({ url }))

    const pipe = yield* client.exec(["/bin/sh", "-c", "echo pipe; exit 3"], { encoding: "utf8" })
    expect([pipe.stdout, pipe.exitCode]).toEqual(["pipe\n", 3])

    const terminal = yield* client.start({ argv: ["/bin/sh", "-c", "test -t 1 && echo terminal"], tty: true })
    const output = yield* terminal.events.pipe(
      Stream.runFold(() => "", (seen, event) => event._tag === "Output" ? seen + text(event.bytes) : seen)
    )
    expect(output.replace(/\r/g, "")).toBe("terminal\n")
    expect((yield* terminal.exited).exitCode).toBe(0)

    const promised = yield* Effect.promise(async () => {
      await using promiseClient = await PromiseClient.connect(url, { clientName: "smoke-app" })
      return await promiseClient.exec(["/bin/echo", "promise"], { encoding: "utf8" })
    })
    expect([promised.stdout, promised.exitCode]).toEqual(["promise\n", 0])

    // The pipe child above was started and read by the addon, the terminal read by its thread.
    expect(nativeUse()).toMatchObject({ addon: "loaded", spawn: "posix_spawn", output: "addon", terminal: "addon" })
  }).pipe(
    Effect.scoped,
    Effect.provide(ExecServer.layerNodeServices),
    Effect.provide(ServerConfig.layer({ graceMs: 1000 }))
  ), 60_000)
