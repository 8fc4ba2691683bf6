/**
 * Embedding: run exec-server inside your own Effect program, next to your
 * own services, with your own logger and config, then talk to it with the
 * typed client. Run: npx tsx scratch/embed-server.ts
 */
import { Context, Effect, Layer, Logger, References } from "effect"
import { ExecServer, ExecServerClient, ServerConfig, Transport, WebSocketTransport } from "../src/index.js"

/** A service of the host application, living beside the exec-server. */
class Greeting extends Context.Service<Greeting, { readonly text: string }>()("scratch/Greeting") {}

const program = Effect.gen(function*() {
  const { text } = yield* Greeting
  // The server's transport is listening on a free loopback port; find it.
  const { transport, url } = yield* WebSocketTransport.make({ host: "127.0.0.1", port: 0 })
  yield* Effect.logInfo(`embedded exec-server on ${url}`)
  yield* ExecServer.run.pipe(Effect.provideService(Transport.ServerTransport, transport), Effect.forkScoped)

  const client = yield* Layer.build(ExecServerClient.layerWebSocket({ url })).pipe(
    Effect.map(Context.get(ExecServerClient.ExecServerClient))
  )
  const result = yield* client.exec(["echo", text], { env: { PATH: "/usr/bin:/bin" }, cwd: "/tmp" })
  yield* Effect.logInfo(`echo said ${JSON.stringify(Buffer.from(result.stdout).toString())}, exit ${result.exitCode}`)
  if (Buffer.from(result.stdout).toString() !== `${text}\n`) return yield* Effect.die("unexpected output")
})

program.pipe(
  Effect.scoped,
  Effect.provide(ExecServer.layerNodeServices),
  Effect.provide(ServerConfig.layer({ graceMs: 500 })),
  Effect.provide(Layer.succeed(Greeting, { text: "hello from the host app" })),
  // Logs to stderr, like the server binary does.
  Effect.provide(Logger.layer([Logger.withConsoleError(Logger.formatLogFmt)])),
  Effect.provideService(References.MinimumLogLevel, "Info"),
  Effect.runPromise
).catch((error) => {
  console.error(error)
  process.exit(1)
})
