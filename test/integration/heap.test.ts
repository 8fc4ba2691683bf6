/**
 * The heap stays flat over many process lifecycles, and over everything
 * else a long connection does again and again (file handles, watches,
 * streamed HTTP requests, processes behind a managed proxy, resizes,
 * detach and resume): the server runs in this test process, and the heap
 * is measured after forced garbage collections (vitest runs this file's
 * worker with --expose-gc).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, References, Stream } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

const gc = (globalThis as { gc?: () => void }).gc

const heapUsedAfterGc = async () => {
  for (let i = 0; i < 3; i++) {
    gc!()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}
const heapAfterGc = Effect.promise(heapUsedAfterGc)

/** The heap's growth over `count` runs of `cycle` (numbered), after `warmUp` runs to compile and size what they use. */
const growthOver = <E, R>(warmUp: number, count: number, cycle: (i: number) => Effect.Effect<unknown, E, R>) =>
  Effect.gen(function*() {
    expect(gc, "run with --expose-gc").toBeDefined()
    for (let i = 0; i < warmUp; i++) yield* cycle(i)
    const before = yield* heapAfterGc
    for (let i = warmUp; i < warmUp + count; i++) yield* cycle(i)
    return (yield* heapAfterGc) - before
  })

const KiB = 1024

/** 1,000 `true` processes after 200 to warm up: the heap's growth over the thousand. */
const growthOver1000Cycles = Effect.gen(function*() {
  expect(gc, "run with --expose-gc").toBeDefined()
  const client = yield* ExecServerClient.ExecServerClient
  const cycle = (n: number) =>
    Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      (i) => client.exec(["true"], { env: {}, cwd: "/tmp", processId: `heap-${Math.random()}-${i}` }),
      { concurrency: 4, discard: true }
    )
  yield* cycle(200)
  const before = yield* heapAfterGc
  yield* cycle(1000)
  return (yield* heapAfterGc) - before
})

const inProcess = (config: Partial<ServerConfig.ServerConfigShape>) =>
  InProcessClient.layer().pipe(
    Layer.provide(ExecServer.layerNodeServices),
    Layer.provide(ServerConfig.layer(config))
  )

/**
 * Runs a test against a server in this process whose log lines below
 * warnings are dropped: it logs each closed process at INFO, 2,400 lines here.
 */
const withQuietServer =
  (config: Partial<ServerConfig.ServerConfigShape>) => <A, E>(test: Effect.Effect<A, E, ExecServerClient.ExecServerClient>) =>
    test.pipe(Effect.provide(inProcess(config)), Effect.provideService(References.MinimumLogLevel, "Warn"))

describe("memory", () => {
  it.live("1,000 closed processes kept for the retention period cost a few KiB each", () =>
    Effect.gen(function*() {
      // 37 KiB each when a record kept its actor, child and scope; ~5 KiB now,
      // of which the in-process client's own state per process is ~3 KiB.
      expect(yield* growthOver1000Cycles).toBeLessThan(8 * 1024 * 1024)
    }).pipe(withQuietServer({ retentionMs: 600_000 })), { timeout: 120_000 })

  it.live("1,000 start/exit cycles leave the heap flat", () =>
    Effect.gen(function*() {
      // A leak of even 10 KB per process would show as 10 MB here.
      expect(yield* growthOver1000Cycles).toBeLessThan(8 * 1024 * 1024)
    }).pipe(withQuietServer({ retentionMs: 0 })), { timeout: 120_000 })

  it.live("40 live processes that wrote 1 MiB each keep no more than --max-live-output-bytes of it in memory", () =>
    Effect.gen(function*() {
      expect(gc, "run with --expose-gc").toBeDefined()
      const client = yield* ExecServerClient.ExecServerClient
      const arrayBuffersAfterGc = Effect.andThen(heapAfterGc, Effect.sync(() => process.memoryUsage().arrayBuffers))
      /** Starts a process that writes 1 MiB and stays alive, and reads its output back until its end. */
      const writeMiB = (processId: string) =>
        Effect.gen(function*() {
          yield* client.call("process/start", {
            processId,
            argv: ["sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' x; echo END; exec sleep 60"],
            cwd: "/tmp",
            env: { PATH: "/usr/bin:/bin" },
            tty: false,
            pipeStdin: false
          })
          let afterSeq = 0
          while (true) {
            const read = yield* client.call("process/read", { processId, afterSeq, waitMs: 10_000 })
            afterSeq = read.nextSeq - 1
            if (read.chunks.some((chunk) => new TextDecoder().decode(chunk.chunk).includes("END"))) return
          }
        })
      yield* writeMiB("warm")
      const before = yield* arrayBuffersAfterGc
      for (let i = 0; i < 40; i++) yield* writeMiB(`w${i}`)
      // Each process's own cap is 1 MiB: 40 MiB without the server's bound.
      expect((yield* arrayBuffersAfterGc) - before).toBeLessThan(12 * 1024 * 1024)
      const list = yield* client.call("process/list", {})
      expect(list.processes.filter((process) => process.running)).toHaveLength(41)
    }).pipe(withQuietServer({ maxLiveOutputBytes: 4 * 1024 * 1024 })), { timeout: 120_000 })

  describe("what else a long connection does again and again", () => {
    const directory = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "heap-"))

    it.live("1,000 file handles opened, read and closed", () =>
      Effect.gen(function*() {
        const file = Path.join(directory(), "f")
        Fs.writeFileSync(file, "x".repeat(10_000))
        const client = yield* ExecServerClient.ExecServerClient
        const growth = yield* growthOver(100, 1_000, () =>
          Effect.scoped(Effect.flatMap(client.fs.open(file), (handle) => handle.readBlock(0, 4096))))
        expect(growth).toBeLessThan(1_000 * 2 * KiB)
      }).pipe(withQuietServer({})), { timeout: 120_000 })

    it.live("1,000 watches added and removed", () =>
      Effect.gen(function*() {
        const watched = directory()
        const client = yield* ExecServerClient.ExecServerClient
        const growth = yield* growthOver(100, 1_000, (i) =>
          Effect.andThen(
            client.call("fs/watch", { watchId: `w${i}`, path: watched, recursive: true }),
            client.call("fs/unwatch", { watchId: `w${i}` })
          ))
        expect(growth).toBeLessThan(1_000 * 2 * KiB)
      }).pipe(withQuietServer({})), { timeout: 120_000 })

    it.live("500 streamed http/request exchanges", () =>
      Effect.gen(function*() {
        const upstream = Http.createServer((_, response) => {
          response.writeHead(200, { "content-type": "text/plain" })
          response.write("a".repeat(1000))
          setImmediate(() => response.end("b".repeat(1000)))
        })
        yield* Effect.acquireRelease(
          Effect.callback<void>((resume) => void upstream.listen(0, "127.0.0.1", () => resume(Effect.void))),
          () => Effect.sync(() => upstream.close())
        )
        const { port } = upstream.address() as { readonly port: number }
        const client = yield* ExecServerClient.ExecServerClient
        const growth = yield* growthOver(50, 500, () =>
          Effect.scoped(Effect.gen(function*() {
            const response = yield* client.http.stream({ url: `http://127.0.0.1:${port}/` })
            const bytes = yield* Stream.runFold(response.body, () => 0, (total, chunk) => total + chunk.length)
            expect(bytes).toBe(2000)
          })))
        expect(growth).toBeLessThan(500 * 4 * KiB)
      }).pipe(Effect.scoped, withQuietServer({})), { timeout: 120_000 })

    it.live("200 processes behind a managed network proxy", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const growth = yield* growthOver(30, 200, () =>
          client.exec(["true"], { env: {}, cwd: "/tmp", networkProxy: { allow: ["localhost"] } }))
        expect(growth).toBeLessThan(200 * 10 * KiB)
      }).pipe(withQuietServer({ retentionMs: 0 })), { timeout: 120_000 })

    it.live("2,000 resizes of one terminal", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const terminal = yield* client.start({ argv: ["sleep", "120"], tty: true, env: {}, cwd: "/tmp" })
        const growth = yield* growthOver(300, 2_000, (i) => terminal.resize({ rows: 24 + (i % 2), cols: 80 + (i % 3) }))
        // Its size history is bounded (256 changes).
        expect(growth).toBeLessThan(1024 * KiB)
      }).pipe(Effect.scoped, withQuietServer({})), { timeout: 120_000 })
  })
})

describe("detach and resume", () => {
  const start = useInProcessWebSocketServers()

  it("300 cycles of a session detached and resumed leave the heap flat", async () => {
    expect(gc, "run with --expose-gc").toBeDefined()
    const server = await start(["--log-level", "warning"])
    const first = await RawWebSocketClient.connect(server.url)
    const opened = await first.request("initialize", { clientName: "heap", detachTtlMs: 60_000 })
    const sessionId = opened.result.sessionId as string
    first.send({ method: "initialized", params: {} })
    await first.request("process/start", { processId: "kept", argv: ["sleep", "120"], cwd: "/tmp", env: {}, tty: false })
    first.socket.terminate()
    const cycle = async () => {
      // The server may still be seeing the last socket go: a resume too soon is refused, and tried again.
      for (;;) {
        const client = await RawWebSocketClient.connect(server.url)
        const resumed = await client.request("initialize", { clientName: "heap", resumeSessionId: sessionId, detachTtlMs: 60_000 })
        if (resumed.result !== undefined) {
          client.send({ method: "initialized", params: {} })
          const list = await client.request("process/list", {})
          expect(list.result.processes).toHaveLength(1)
          client.socket.terminate()
          return
        }
        client.socket.terminate()
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    for (let i = 0; i < 50; i++) await cycle()
    const before = await heapUsedAfterGc()
    for (let i = 0; i < 300; i++) await cycle()
    expect((await heapUsedAfterGc()) - before).toBeLessThan(300 * 4 * KiB)
  }, 120_000)
})
