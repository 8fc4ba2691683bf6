/**
 * The client library as a user relies on it, against real servers: it gets
 * its session back when the connection drops, its memory per process is
 * bounded with nothing lost that the server still retains, its handles are
 * scoped, oversized requests fail instead of hanging, ids may be reused, and
 * nothing of the client's own environment goes over the wire by default.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Result, Scope, Stream } from "effect"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as V8 from "node:v8"
import * as Vm from "node:vm"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import { startCuttableProxy } from "../support/CuttableProxy.js"
import { eventually, isAlive } from "../support/StdioServer.js"
import { startWebSocketServer } from "../support/WebSocketServer.js"

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()

V8.setFlagsFromString("--expose-gc")
const gc = Vm.runInNewContext("gc") as () => void
/** Heap and buffers in use after a full collection, in bytes. */
const memoryInUse = () => {
  gc()
  gc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

const webSocketServer = (args: ReadonlyArray<string> = []) =>
  Effect.acquireRelease(Effect.promise(() => startWebSocketServer(args)), (server) => Effect.sync(() => server.stop()))

const cuttableProxy = (url: string) =>
  Effect.acquireRelease(Effect.promise(() => startCuttableProxy(url)), (proxy) => Effect.promise(() => proxy.close()))

const buildClient = (layer: Layer.Layer<ExecServerClient.ExecServerClient, unknown>) =>
  Layer.build(layer).pipe(Effect.map(Context.get(ExecServerClient.ExecServerClient)))

/** `start` of a process that outlives the scope it is started in. */
const startDetached = (client: ExecServerClient.ExecServerClientShape, options: ExecServerClient.StartOptions) =>
  Effect.scoped(client.start({ ...options, detached: true }))

/** A server, a proxy in front of it that the test can cut, and a detachable client reconnecting through the proxy. */
const clientBehindProxy = (reconnect: ExecServerClient.ReconnectOptions) =>
  Effect.gen(function*() {
    const server = yield* webSocketServer()
    const proxy = yield* cuttableProxy(server.url)
    const client = yield* buildClient(ExecServerClient.layerWebSocket({ url: proxy.url, detachTtlMs: 30_000, reconnect }))
    return { server, proxy, client }
  })

/** Every event's seq is one past the one before (a `Gap` spans the seqs it stands for). */
const contiguous = (events: ReadonlyArray<ExecServerClient.ProcessEvent>) =>
  events.every((event, i) => {
    const first = event._tag === "Gap" ? event.fromSeq : event.seq
    return i === 0 ? first === 1 : first === events[i - 1]!.seq + 1
  })

const outputOf = (events: ReadonlyArray<ExecServerClient.ProcessEvent>) =>
  Buffer.concat(events.flatMap((event) => event._tag === "Output" ? [event.bytes] : [])).toString()

describe("client reconnect and resume", () => {
  it.live("gets its session back when the socket is cut under a running process: every byte once, in order", () =>
    Effect.gen(function*() {
      const { client, proxy } = yield* clientBehindProxy({ initialDelayMs: 20 })
      const sessionId = client.sessionId
      const handle = yield* client.start({
        argv: ["bash", "-c", "for i in $(seq 1 300); do echo line-$i; sleep 0.004; done"],
        env
      })
      const midway = yield* Deferred.make<void>()
      let seen = ""
      const collected = yield* handle.events.pipe(
        Stream.tap((event) =>
          Effect.sync(() => {
            if (event._tag === "Output") seen += text(event.bytes)
            if (seen.includes("line-40\n")) Deferred.doneUnsafe(midway, Effect.void)
          })
        ),
        Stream.runCollect,
        Effect.forkChild
      )
      yield* Deferred.await(midway)
      // The network fails, and stays down for the first attempts.
      proxy.refuse(true)
      proxy.cut()
      setTimeout(() => proxy.refuse(false), 300)
      const events = yield* Fiber.join(collected)
      const expected = Array.from({ length: 300 }, (_, i) => `line-${i + 1}\n`).join("")
      expect(outputOf(events)).toBe(expected)
      expect(events.some((event) => event._tag === "Gap")).toBe(false)
      expect(contiguous(events)).toBe(true)
      expect(events.at(-1)?._tag).toBe("Closed")
      expect(yield* handle.exited).toEqual({ exitCode: 0, signal: null, sandboxDenied: false })
      expect(proxy.accepted()).toBeGreaterThanOrEqual(2)
      expect(client.sessionId).toBe(sessionId)
      // The connection is the client's again: requests go through.
      expect(text((yield* client.exec(["echo", "after"], { env })).stdout)).toBe("after\n")
    }).pipe(Effect.scoped))

  it.live("re-sends a write in flight at the drop once, by its writeId, and a later write waits for the link", () =>
    Effect.gen(function*() {
      const { client, proxy } = yield* clientBehindProxy({ initialDelayMs: 20 })
      const cat = yield* client.start({ argv: ["cat"], pipeStdin: true, env })
      // Sent, and most likely unanswered, when the socket is cut.
      const first = yield* Effect.forkChild(cat.write("one\n"))
      yield* Effect.yieldNow
      proxy.cut()
      const b = yield* cat.write("two\n")
      const a = yield* Fiber.join(first)
      expect([a.status, b.status]).toEqual(["accepted", "accepted"])
      yield* cat.closeStdin
      const events = Stream.runCollect(cat.events)
      expect(outputOf([...(yield* events)])).toBe("one\ntwo\n")
    }).pipe(Effect.scoped))

  it.live("writes from two clients of one session both land (write ids never repeat across clients)", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer()
      const firstScope = yield* Scope.make()
      const first = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url, detachTtlMs: 30_000 })).pipe(
        Scope.provide(firstScope)
      )
      const cat = yield* startDetached(first, { argv: ["cat"], pipeStdin: true, env, processId: "cat" })
      yield* cat.write("one\n")
      yield* Scope.close(firstScope, Exit.void)
      const second = yield* buildClient(
        ExecServerClient.layerWebSocket({ url: server.url, resumeSessionId: first.sessionId, detachTtlMs: 30_000 })
      )
      const resumed = second.process("cat")
      expect((yield* resumed.write("two\n")).status).toBe("accepted")
      yield* resumed.closeStdin
      expect(outputOf([...(yield* Stream.runCollect(resumed.events))])).toBe("one\ntwo\n")
    }).pipe(Effect.scoped))

  it.live("gives up with ReconnectFailed after its attempts, failing calls and event streams", () =>
    Effect.gen(function*() {
      const { client, proxy } = yield* clientBehindProxy({ maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 })
      const handle = yield* client.start({ argv: ["sleep", "30"], env, detached: true })
      proxy.refuse(true)
      proxy.cut()
      const failure = yield* Stream.runDrain(handle.events).pipe(Effect.flip)
      expect(failure._tag).toBe("ExecServer/ReconnectFailed")
      expect(failure._tag === "ExecServer/ReconnectFailed" && failure.attempts).toBe(3)
      expect((yield* client.list.pipe(Effect.flip))._tag).toBe("ExecServer/ReconnectFailed")
    }).pipe(Effect.scoped))

  it.live("a new client resumes a detached session by id: output and exit of a process it did not start", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer()
      const firstScope = yield* Scope.make()
      const first = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url, detachTtlMs: 30_000 })).pipe(
        Scope.provide(firstScope)
      )
      const handle = yield* startDetached(first, { argv: ["sh", "-c", "echo from-before; exit 3"], env, processId: "earlier" })
      expect((yield* handle.exited).exitCode).toBe(3)
      yield* Scope.close(firstScope, Exit.void)

      const second = yield* buildClient(
        ExecServerClient.layerWebSocket({ url: server.url, resumeSessionId: first.sessionId, detachTtlMs: 30_000 })
      )
      expect(second.sessionId).toBe(first.sessionId)
      const resumed = second.process("earlier")
      expect(yield* resumed.exited).toEqual({ exitCode: 3, signal: null, sandboxDenied: false })
      const events = [...(yield* Stream.runCollect(resumed.events))]
      expect(events.map((event) => event._tag)).toEqual(["Output", "Exited", "Closed"])
      expect(outputOf(events)).toBe("from-before\n")
      const unknown = yield* second.wait("never-started").pipe(Effect.flip)
      expect(unknown._tag).toBe("ExecServer/UnknownProcess")
      const unknownEvents = yield* Stream.runDrain(second.process("never-started").events).pipe(Effect.flip)
      expect(unknownEvents._tag).toBe("ExecServer/UnknownProcess")
    }).pipe(Effect.scoped))
})

describe("client memory", () => {
  it.live("stays bounded under a 400 MB flood its consumer does not read; the backlog is consumable, with gaps marked", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer()
      const client = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url }))
      const before = memoryInUse()
      const flood = yield* client.start({ argv: ["head", "-c", "400000000", "/dev/zero"], env })
      // The consumer reads nothing until the process is done.
      expect((yield* flood.exited).exitCode).toBe(0)
      const grown = memoryInUse() - before
      expect(grown).toBeLessThan(64 * 1024 * 1024)
      const events = [...(yield* Stream.runCollect(flood.events))]
      expect(contiguous(events)).toBe(true)
      expect(events.some((event) => event._tag === "Gap")).toBe(true)
      expect(events.slice(-2).map((event) => event._tag)).toEqual(["Exited", "Closed"])
      // What survived eviction is the end of the output, whole.
      const lastOutput = events.filter((event) => event._tag === "Output").reduce((sum, event) => sum + event.bytes.byteLength, 0)
      expect(lastOutput).toBeGreaterThan(0)
    }).pipe(Effect.scoped), 60_000)

  it.live("loses nothing the server still retains: a consumer that lags behind a small client buffer gets every byte", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer(["--retained-output-bytes", String(64 * 1024 * 1024)])
      const client = yield* buildClient(
        ExecServerClient.layerWebSocket({ url: server.url, maxBufferedBytesPerProcess: 256 * 1024 })
      )
      const handle = yield* client.start({ argv: ["seq", "1", "1000000"], env })
      expect((yield* handle.exited).exitCode).toBe(0)
      let output = ""
      const events = [...(yield* handle.events.pipe(
        // A slow consumer: it yields between events.
        Stream.tap((event) => Effect.sync(() => event._tag === "Output" && (output += text(event.bytes)))),
        Stream.tap(() => Effect.yieldNow),
        Stream.runCollect
      ))]
      expect(events.some((event) => event._tag === "Gap")).toBe(false)
      expect(contiguous(events)).toBe(true)
      expect(output.length).toBe(6_888_896)
      expect(output.startsWith("1\n2\n3\n")).toBe(true)
      expect(output.endsWith("999999\n1000000\n")).toBe(true)
    }).pipe(Effect.scoped), 60_000)

  it.live("forgets a process once it closed: a thousand execs leave the client's memory flat, and ids can be reused", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer(["--retention-ms", "0", "--log-level", "warning"])
      // (Quiet: the harness keeps the server's stderr in this process's heap.)
      const client = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url }))
      const run = (count: number) =>
        Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) => client.exec(["true"], { env, processId: `p-${i}` }), {
          concurrency: 8,
          discard: true
        })
      // The first thousand pay for what is done once (compiled code, tables
      // grown to size: about 0.7 MB); measured after them, a thousand more
      // add a few hundred KB at most.
      yield* run(1000)
      const before = memoryInUse()
      yield* run(1000)
      expect(memoryInUse() - before).toBeLessThan(1024 * 1024)

      const first = yield* client.exec(["echo", "first"], { env, processId: "same" })
      // Ids are free once the server removed the record (--retention-ms 0: right after closed).
      yield* Effect.repeat(client.list, { until: (list) => !list.some((p) => p.processId === "same") })
      const second = yield* client.exec(["sh", "-c", "echo second; exit 5"], { env, processId: "same" })
      expect([text(first.stdout), first.exitCode]).toEqual(["first\n", 0])
      expect([text(second.stdout), second.exitCode]).toEqual(["second\n", 5])
    }).pipe(Effect.scoped), 60_000)
})

describe("client process ownership", () => {
  it.live("interrupting exec terminates the remote process", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer()
      const client = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url }))
      const outcome = yield* client.exec(["sleep", "30"], { env, processId: "slow" }).pipe(Effect.timeout("300 millis"), Effect.result)
      expect(Result.isFailure(outcome) && outcome.failure._tag).toBe("TimeoutError")
      const status = yield* client.wait("slow")
      expect(status).toMatchObject({ signal: "SIGTERM", exitCode: 143 })
    }).pipe(Effect.scoped))

  it.live("exec's timeout terminates the process and keeps what it wrote; input goes to its stdin", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer()
      const client = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url }))
      const timedOut = yield* client.exec(["sh", "-c", "echo partial; exec sleep 30"], { env, timeout: "1 second", processId: "t" })
        .pipe(Effect.flip)
      expect(timedOut._tag).toBe("ExecServer/ExecTimeout")
      expect(timedOut._tag === "ExecServer/ExecTimeout" && text(timedOut.stdout)).toBe("partial\n")
      expect((yield* client.wait("t")).signal).toBe("SIGTERM")
      const fed = yield* client.exec(["tr", "a-z", "A-Z"], { env, input: "through stdin" })
      expect(text(fed.stdout)).toBe("THROUGH STDIN")
    }).pipe(Effect.scoped))

  it.live("a started process ends with its scope unless detached", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer()
      const client = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url }))
      const pidOf = (processId: string) =>
        Effect.map(client.list, (list) => list.find((p) => p.processId === processId)!.pid)
      const owned = yield* Effect.scoped(
        Effect.flatMap(client.start({ argv: ["sleep", "30"], env, processId: "owned" }), () => pidOf("owned"))
      )
      const detached = yield* Effect.scoped(
        Effect.flatMap(client.start({ argv: ["sleep", "30"], env, processId: "free", detached: true }), () => pidOf("free"))
      )
      expect((yield* client.wait("owned")).signal).toBe("SIGTERM")
      expect(isAlive(owned)).toBe(false)
      expect(isAlive(detached)).toBe(true)
      expect(yield* client.process("free").terminate({ mode: "force" })).toBe(true)
      expect(yield* Effect.promise(() => eventually(() => !isAlive(detached)))).toBe(true)
    }).pipe(Effect.scoped))
})

describe("client limits and errors", () => {
  it.live("refuses a request larger than the server's limit before sending it, and the connection goes on", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer()
      const client = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url }))
      expect(client.server.limits?.maxMessageBytes).toBe(16 * 1024 * 1024)
      const failure = yield* client.call("fs/writeFile", { path: "/tmp/never-written", dataBase64: Buffer.alloc(13 * 1024 * 1024).toString("base64") })
        .pipe(Effect.flip)
      expect(failure._tag).toBe("ExecServer/RequestTooLarge")
      expect(failure._tag === "ExecServer/RequestTooLarge" && failure.limit).toBe(16 * 1024 * 1024)
      expect(text((yield* client.exec(["echo", "still here"], { env })).stdout)).toBe("still here\n")
    }).pipe(Effect.scoped))

  it.live("writes a file larger than one message in blocks, atomically, and streams it back", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer(["--max-message-bytes", String(4 * 1024 * 1024)])
      const client = yield* buildClient(ExecServerClient.layerWebSocket({ url: server.url }))
      const dir = realpathSync(mkdtempSync(Path.join(tmpdir(), "client-large-")))
      const target = Path.join(dir, "large.bin")
      const data = randomBytes(40 * 1024 * 1024)
      yield* client.fs.writeFile(target, data)
      expect(readdirSync(dir)).toEqual(["large.bin"])
      expect(readFileSync(target).equals(data)).toBe(true)
      const streamed = yield* Stream.runCollect(client.fs.readFileStream(target, { blockBytes: 2 * 1024 * 1024 }))
      expect(Buffer.concat([...streamed]).equals(data)).toBe(true)
      // A replacing handle its owner never closed is dropped with its scope.
      yield* Effect.scoped(Effect.flatMap(client.fs.open(target, { mode: "replace" }), (handle) => handle.writeBlock(0, "partial")))
      expect(readdirSync(dir)).toEqual(["large.bin"])
      expect(readFileSync(target).equals(data)).toBe(true)
      rmSync(dir, { recursive: true, force: true })
    }).pipe(Effect.scoped), 60_000)

  it.live("matches the server's id-less refusal of an oversized message to its request", () =>
    Effect.gen(function*() {
      const server = yield* webSocketServer(["--max-message-bytes", String(1024 * 1024)])
      // The client is told a larger limit than the server's, so the message goes out.
      const client = yield* buildClient(
        ExecServerClient.layerWebSocket({ url: server.url, maxMessageBytes: 64 * 1024 * 1024 })
      )
      const failure = yield* client.fs.writeFile("/tmp/never-written", new Uint8Array(2 * 1024 * 1024)).pipe(Effect.flip)
      expect(failure._tag).toBe("ExecServer/RequestTooLarge")
      expect(failure._tag === "ExecServer/RequestTooLarge" && failure.limit).toBe(1024 * 1024)
      expect(text((yield* client.exec(["echo", "still here"], { env })).stdout)).toBe("still here\n")
    }).pipe(Effect.scoped))

  it.live("fails with ConnectTimeout when a server accepts the connection but never answers the upgrade", () =>
    Effect.gen(function*() {
      const mute = yield* Effect.acquireRelease(
        Effect.callback<Net.Server>((resume) => {
          const server = Net.createServer(() => {})
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.sync(() => server.close())
      )
      const port = (mute.address() as Net.AddressInfo).port
      const failure = yield* Layer.build(
        ExecServerClient.layerWebSocket({ url: `ws://127.0.0.1:${port}`, connectTimeoutMs: 300 })
      ).pipe(Effect.flip, Effect.scoped, Effect.timeout("5 seconds"))
      expect(failure._tag).toBe("ExecServer/ConnectTimeout")
    }).pipe(Effect.scoped))

  it.live("reports a refused upgrade as Forbidden (403) or Unauthorized (401)", () =>
    Effect.gen(function*() {
      const refusing = yield* Effect.acquireRelease(
        Effect.callback<Http.Server>((resume) => {
          const server = Http.createServer()
          server.on("upgrade", (request, socket) => {
            const status = request.url === "/401" ? "401 Unauthorized" : "403 Forbidden"
            socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
          })
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const port = (refusing.address() as { port: number }).port
      const forbidden = yield* Layer.build(ExecServerClient.layerWebSocket({ url: `ws://127.0.0.1:${port}/403` })).pipe(
        Effect.flip,
        Effect.scoped
      )
      const unauthorized = yield* Layer.build(ExecServerClient.layerWebSocket({ url: `ws://127.0.0.1:${port}/401` })).pipe(
        Effect.flip,
        Effect.scoped
      )
      expect([forbidden._tag, unauthorized._tag]).toEqual(["ExecServer/ConnectionForbidden", "ExecServer/CredentialsRefused"])
    }).pipe(Effect.scoped))

  it.live("sends none of the client's environment by default: processes get the server's, secrets excluded, in its cwd", () =>
    Effect.gen(function*() {
      const serverDir = realpathSync(mkdtempSync(Path.join(tmpdir(), "server-cwd-")))
      process.env.CLIENT_ONLY_VARIABLE = "client-side"
      const client = yield* buildClient(ExecServerClient.layerSpawnLocal({
        stderr: "ignore",
        cwd: serverDir,
        env: { ...env, SERVER_ONLY_VARIABLE: "server-side", SERVER_API_TOKEN: "secret" }
      }))
      const result = yield* client.exec(["sh", "-c", "pwd; env"])
      const [cwd, ...variables] = text(result.stdout).trim().split("\n")
      expect(cwd).toBe(serverDir)
      expect(variables).toContain("SERVER_ONLY_VARIABLE=server-side")
      expect(variables.some((line) => line.startsWith("CLIENT_ONLY_VARIABLE="))).toBe(false)
      expect(variables.some((line) => line.startsWith("SERVER_API_TOKEN="))).toBe(false)
    }).pipe(
      Effect.ensuring(Effect.sync(() => delete process.env.CLIENT_ONLY_VARIABLE)),
      Effect.scoped
    ))
})
