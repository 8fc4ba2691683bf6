/**
 * The client library against the real server: over WebSocket, over the stdio
 * of a server it spawns, and in-process.
 */
import { describe, expect, it } from "@effect/vitest"
import { expectTypeOf } from "vitest"
import { Context, Duration, Effect, Fiber, Layer, References, Result, Stream } from "effect"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as Transport from "../../src/jsonrpc/Transport.js"
import * as WebSocketTransport from "../../src/listeners/WebSocketTransport.js"
import { startWebSocketServer } from "../support/WebSocketServer.js"

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

const inProcess = InProcessClient.layer().pipe(
  Layer.provide(ExecServer.layerNodeServices),
  Layer.provide(ServerConfig.layer())
)

/** The behaviours every way of connecting must show. */
const clientContract = (name: string, layer: () => Layer.Layer<ExecServerClient.ExecServerClient, unknown>) =>
  describe(`client ${name}`, () => {
    it.live("exec runs a pipe command and collects exit code, stdout and stderr", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        expect(client.server.protocolVersion).toBe("exec-server.v0")
        const result = yield* client.exec(["bash", "-c", "echo out; echo err >&2; exit 4"], { env, cwd: "/tmp" })
        expect(result.exitCode).toBe(4)
        expect(text(result.stdout)).toBe("out\n")
        expect(text(result.stderr)).toBe("err\n")
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("exec with encoding utf8 gives the output as text, a character split between writes whole", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const argv = ["sh", "-c", "printf 'caf\\303'; sleep 0.05; printf '\\251\\n'; printf 'bad \\377' >&2"]
        const result = yield* client.exec(argv, { env, cwd: "/tmp", encoding: "utf8" })
        expectTypeOf(result.stdout).toEqualTypeOf<string>()
        expect(result).toMatchObject({ exitCode: 0, stdout: "café\n", stderr: "bad \uFFFD" })
        const bytes = yield* client.exec(argv, { env, cwd: "/tmp" })
        expectTypeOf(bytes.stdout).toEqualTypeOf<Uint8Array>()
        expect(bytes.stdout).toBeInstanceOf(Uint8Array)
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("drives a PTY through its event stream", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const proc = yield* client.start({
          argv: ["bash", "-c", "printf 'ready\\n'; read -r line; printf 'echo:%s\\n' \"$line\""],
          tty: true,
          env,
          cwd: "/tmp"
        })
        const seen: Array<string> = []
        const all = yield* proc.events.pipe(
          Stream.tap((event) =>
            event._tag === "Output"
              ? Effect.gen(function*() {
                seen.push(text(event.bytes))
                if (seen.join("").includes("ready") && !seen.join("").includes("hello")) {
                  yield* proc.write("hello\n")
                }
              })
              : Effect.void
          ),
          Stream.runCollect
        )
        expect(seen.join("")).toContain("echo:hello")
        expect(all.map((event) => event.seq)).toEqual(all.map((_, i) => i + 1))
        expect(all.at(-1)?._tag).toBe("Closed")
        expect(yield* client.wait(proc.processId)).toEqual({ exitCode: 0, signal: null, sandboxDenied: false })
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("communicate feeds stdin and collects the output", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const proc = yield* client.start({ argv: ["cat"], pipeStdin: true, env, cwd: "/tmp" })
        const result = yield* client.communicate(proc.processId, "through cat")
        expect(text(result.stdout)).toBe("through cat")
        expect(result.exitCode).toBe(0)
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("notifications(method) streams each of the server's notifications of the method from when it runs, decoded and typed", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        // A pull listens from the moment it is made.
        const exited = yield* Stream.toPull(client.notifications("process/exited"))
        const closed = yield* Stream.toPull(client.notifications("process/closed"))
        const proc = yield* client.start({ argv: ["sh", "-c", "echo hi; exit 7"], env, cwd: "/tmp" })
        const [exit] = yield* exited
        expectTypeOf(exit!.signal).toEqualTypeOf<string | null>()
        expect(exit).toMatchObject({ processId: proc.processId, exitCode: 7, signal: null, sandboxDenied: false })
        expect(yield* closed).toEqual([{ processId: proc.processId, seq: exit!.seq + 1 }])
        // The handle heard them too.
        expect(yield* proc.exited).toEqual({ exitCode: 7, signal: null, sandboxDenied: false })
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("reports server errors as the protocol's tagged errors", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const failure = yield* client.start({ argv: ["no-such-binary-xyz"], env, cwd: "/tmp" }).pipe(Effect.flip)
        expect(failure._tag).toBe("ExecServer/SpawnNotFound")
        expect(failure._tag === "ExecServer/SpawnNotFound" && [failure.code, failure.errno, failure.missing, failure.path])
          .toEqual([-32603, "ENOENT", "program", "no-such-binary-xyz"])
        const where = yield* client.start({ argv: ["true"], env, cwd: "/no/such/dir" }).pipe(
          Effect.as("started"),
          Effect.catchTag("ExecServer/SpawnNotFound", (error) => Effect.succeed(`${error.missing} ${error.path}`))
        )
        expect(where).toBe("cwd /no/such/dir")
      }).pipe(Effect.scoped, Effect.provide(layer())))
  })

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

  it.live("fails with ConnectTimeout or TransportClosed when nothing listens", () =>
    Effect.gen(function*() {
      const failure = yield* Layer.build(
        ExecServerClient.layerWebSocket({ url: "ws://127.0.0.1:9", connectTimeoutMs: 2000 })
      ).pipe(Effect.flip, Effect.scoped, Effect.timeout(Duration.seconds(5)))
      expect(["ExecServer/ConnectTimeout", "ExecServer/TransportClosed"]).toContain(failure._tag)
    }))
})
