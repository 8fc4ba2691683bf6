/**
 * The heap stays flat over many process lifecycles: the server runs in this
 * test process (in-process client), and the heap is measured after forced
 * garbage collections (vitest runs this file's worker with --expose-gc).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, References } from "effect"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"

const gc = (globalThis as { gc?: () => void }).gc

const heapAfterGc = Effect.promise(async () => {
  for (let i = 0; i < 3; i++) {
    gc!()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
})

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
})
