/**
 * An executor on a real 1-node NATS cluster serving the client library by
 * environment id: the server embedded in this process behind
 * NatsServerTransport, clients through NatsConnector.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { Cause, Context, Effect, Exit, Fiber, Layer, Option, Queue, Scope, Stream } from "effect"
import * as ClientTransport from "../../../src/client/ClientTransport.js"
import * as ExecServerClient from "../../../src/client/ExecServerClient.js"
import * as PromiseClient from "../../../src/client/PromiseClient.js"
import * as Transport from "../../../src/jsonrpc/Transport.js"
import * as NatsConnector from "../../../src/remote/NatsConnector.js"
import * as NatsServerTransport from "../../../src/remote/NatsServerTransport.js"
import * as ExecServer from "../../../src/server/ExecServer.js"
import * as ServerConfig from "../../../src/server/ServerConfig.js"
import { type NatsCluster, startNatsCluster } from "../../support/natsCluster.js"
import { takeOverEntry } from "../../support/registryTakeover.js"

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
let cluster: NatsCluster
let dir: string

beforeAll(async () => {
  cluster = await startNatsCluster(1)
  dir = mkdtempSync(Path.join(tmpdir(), "nats-executor-"))
})
afterAll(async () => {
  await cluster?.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** An executor of `environmentId` in this process, for as long as the scope lives (on this file's cluster unless `options.servers` says). */
const executor = (environmentId: string, options: Partial<NatsServerTransport.NatsServerOptions> = {}) =>
  Effect.gen(function*() {
    // Built in the caller's scope: the services (the process table among them) live as long as the executor.
    const services = yield* Layer.build(ExecServer.layerNodeServices.pipe(Layer.provideMerge(ServerConfig.layer())))
    const transport = yield* NatsServerTransport.make({ servers: cluster.urls, environmentId, ...options })
    yield* ExecServer.run.pipe(Effect.provideService(Transport.ServerTransport, transport), Effect.provide(services), Effect.forkScoped)
    return transport
  })

const client = (environmentId: string, options: ExecServerClient.ClientOptions = {}, servers: ReadonlyArray<string> = cluster.urls) =>
  Layer.build(
    Layer.effect(ExecServerClient.ExecServerClient, ExecServerClient.make(NatsConnector.make({ servers, environmentId }), options))
  ).pipe(Effect.map(Context.get(ExecServerClient.ExecServerClient)))

const outputOf = (events: ReadonlyArray<ExecServerClient.ProcessEvent>) =>
  Buffer.concat(events.flatMap((event) => event._tag === "Output" ? [event.bytes] : []))

describe("an executor over NATS", () => {
  it.live("serves a client by environment id: initialize, exec of echo hi, output and exit", () =>
    Effect.gen(function*() {
      const transport = yield* executor("e1")
      expect(transport.url).toBe(`${cluster.urls[0]}/e1`)
      const c = yield* client("e1")
      expect(c.server.protocolVersion).toBe("exec-server.v0")
      const result = yield* c.exec(["echo", "hi"], { env, cwd: "/tmp" })
      expect(result.exitCode).toBe(0)
      expect(Buffer.from(result.stdout).toString()).toBe("hi\n")
    }).pipe(Effect.scoped))

  it.live("closing a detachable client is no drop: no Dropped event, no attempt to reconnect", () =>
    Effect.gen(function*() {
      yield* executor("e-close")
      const events: Array<string> = []
      const scope = yield* Scope.make()
      const c = yield* client("e-close", {
        detachTtlMs: 30_000,
        reconnect: { initialDelayMs: 1 },
        onReconnect: (event) => void events.push(event._tag)
      }).pipe(Scope.provide(scope))
      expect((yield* c.exec(["echo", "hi"], { env, cwd: "/tmp" })).exitCode).toBe(0)
      yield* Scope.close(scope, Exit.void)
      // Time for an attempt the 1 ms backoff would make (none is awaited: none should come).
      yield* Effect.sleep(200)
      expect(events).toEqual([])
    }).pipe(Effect.scoped))

  it.live("carries 2 MiB of output whole", () =>
    Effect.gen(function*() {
      const data = randomBytes(2 * 1024 * 1024)
      const file = Path.join(dir, "two-mib")
      writeFileSync(file, data)
      yield* executor("e2")
      const c = yield* client("e2")
      const result = yield* c.exec(["cat", file], { env, cwd: "/tmp" })
      expect(result.exitCode).toBe(0)
      expect(result.stdout.byteLength).toBe(data.byteLength)
      expect(createHash("sha256").update(result.stdout).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"))
    }).pipe(Effect.scoped))

  it.live("fails at once with EnvironmentNotFound for an environment nobody serves", () =>
    Effect.gen(function*() {
      const failure = yield* client("nobody-here").pipe(Effect.flip)
      // At once: EnvironmentNotFound comes of NATS's "no responders"; an open that waited for an answer
      // would end in ConnectTimeout. (Timed, a NATS connection included, it held on a quiet machine only.)
      expect(failure._tag).toBe("ExecServer/EnvironmentNotFound")
      expect(failure._tag === "ExecServer/EnvironmentNotFound" && failure.environmentId).toBe("nobody-here")
    }).pipe(Effect.scoped))

  it.live("a second client resumes a detached session: output and exit of a process it did not start", () =>
    Effect.gen(function*() {
      yield* executor("e3")
      const firstScope = yield* Scope.make()
      const first = yield* client("e3", { detachTtlMs: 30_000 }).pipe(Scope.provide(firstScope))
      const handle = yield* Effect.scoped(
        first.start({ argv: ["sh", "-c", "echo from-before; exit 3"], env, processId: "earlier", detached: true })
      )
      expect((yield* handle.exited).exitCode).toBe(3)
      yield* Scope.close(firstScope, Exit.void)

      const second = yield* client("e3", { resumeSessionId: first.sessionId, detachTtlMs: 30_000 })
      expect(second.sessionId).toBe(first.sessionId)
      const resumed = second.process("earlier")
      expect(yield* resumed.exited).toEqual({ exitCode: 3, signal: null, sandboxDenied: false })
      const events = [...(yield* Stream.runCollect(resumed.events))]
      expect(outputOf(events).toString()).toBe("from-before\n")
    }).pipe(Effect.scoped))

  it.live("refuses a stream beyond maxStreams with a clear reason", () =>
    Effect.gen(function*() {
      yield* executor("e4", { maxStreams: 1 })
      yield* client("e4")
      const failure = yield* client("e4", { reconnect: false }).pipe(Effect.flip)
      expect(failure._tag).toBe("ExecServer/TransportClosed")
      expect(failure.message).toContain("serves 1 streams at most")
    }).pipe(Effect.scoped))

  it.live("a client fails with TransportClosed, not a hang, when the executor stops", () =>
    Effect.gen(function*() {
      const executorScope = yield* Scope.make()
      yield* executor("e5").pipe(Scope.provide(executorScope))
      const c = yield* client("e5", { reconnect: false })
      const sleeper = yield* c.start({ argv: ["sleep", "30"], env })
      yield* Scope.close(executorScope, Exit.void)
      const failure = yield* Stream.runDrain(sleeper.events).pipe(Effect.flip)
      expect(failure._tag).toBe("ExecServer/TransportClosed")
    }).pipe(Effect.scoped))

  it.live("a server that does not take its messages stops crediting the client; then every message comes, in order", () =>
    Effect.gen(function*() {
      const transport = yield* NatsServerTransport.make({ servers: cluster.urls, environmentId: "slow-server", registry: false })
      const accepted = yield* Effect.forkChild(Stream.runHead(transport.connections))
      const sender = yield* NatsConnector.make({ servers: cluster.urls, environmentId: "slow-server" })
      const connection = Option.getOrThrow(yield* Fiber.join(accepted))
      // 4 MiB in 100 KiB messages against the stream's 1 MiB window and the server's mailbox of 4.
      const payload = "x".repeat(100 * 1024)
      const messages = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, payload }))
      const sending = yield* Effect.forkChild(ClientTransport.send(sender, messages))
      // Nothing is taken: the sends stop at the window (a negative, so it is watched for a while).
      yield* Effect.sleep("1 second")
      expect(sending.pollUnsafe()).toBeUndefined()
      const taken: Array<number> = []
      while (taken.length < messages.length) {
        const frames = yield* Queue.takeAll(connection.frames)
        for (const frame of frames) {
          if (frame._tag !== "Text") throw new Error(`unexpected ${frame._tag}`)
          const message = JSON.parse(frame.text) as { i: number; payload: string }
          expect(message.payload.length).toBe(payload.length)
          taken.push(message.i)
        }
      }
      expect(taken).toEqual(messages.map((_, i) => i))
      yield* Fiber.join(sending)
    }).pipe(Effect.scoped))

  it.live("stops accepting with a TransportError once another executor takes its environment over (through accept, as the server reads it)", () =>
    Effect.gen(function*() {
      const bucket = `takeover_${process.pid}`
      const transport = yield* NatsServerTransport.make({
        servers: cluster.urls,
        environmentId: "taken-over",
        registry: { bucket, heartbeatMs: 150 }
      })
      const accepting = yield* Effect.forkChild(transport.accept!(() => {}))
      yield* Effect.sleep("300 millis")
      expect(accepting.pollUnsafe()).toBeUndefined()
      // What a takeover by another executor that judged this one stale writes.
      yield* Effect.promise(async () => {
        const nc = await connect({ servers: [...cluster.urls] })
        try {
          await takeOverEntry(await new Kvm(nc).open(bucket), "taken-over")
        } finally {
          await nc.close()
        }
      })
      const exit = yield* Fiber.await(accepting).pipe(Effect.timeout("5 seconds"))
      expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toMatchObject({ _tag: "TransportError" })
    }).pipe(Effect.scoped))

  it.live("the Promise API reaches an environment by id, and rejects an unknown one with EnvironmentNotFound", () =>
    Effect.gen(function*() {
      yield* executor("e6")
      const result = yield* Effect.promise(async () => {
        const c = await NatsConnector.connectPromise({ servers: cluster.urls, environmentId: "e6" })
        try {
          return await c.exec(["echo", "hi"], { env, cwd: "/tmp" })
        } finally {
          await c.close()
        }
      })
      expect(Buffer.from(result.stdout).toString()).toBe("hi\n")
      const rejection = yield* Effect.promise(() =>
        NatsConnector.connectPromise({ servers: cluster.urls, environmentId: "nobody" }).then(() => undefined, (error: unknown) => error)
      )
      expect(PromiseClient.isClientError(rejection) && rejection._tag).toBe("ExecServer/EnvironmentNotFound")
    }).pipe(Effect.scoped))
})

describe("an executor over NATS whose cluster has a small max_payload", () => {
  let small: NatsCluster
  beforeAll(async () => {
    small = await startNatsCluster(1, { config: "max_payload: 16KB" })
  })
  afterAll(async () => {
    await small?.stop()
  })

  it.live("cuts segments to fit it: 2 MiB each way intact", () =>
    Effect.gen(function*() {
      yield* executor("small-payload", { servers: small.urls, registry: false })
      const c = yield* client("small-payload", {}, small.urls)
      const data = randomBytes(2 * 1024 * 1024)
      const file = Path.join(dir, "small-payload")
      yield* c.fs.writeFile(file, data)
      const result = yield* c.exec(["cat", file], { env, cwd: "/tmp" })
      expect(result.exitCode).toBe(0)
      expect(createHash("sha256").update(result.stdout).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"))
    }).pipe(Effect.scoped), 30_000)
})
