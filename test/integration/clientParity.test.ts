/**
 * The typed client's methods for what the reference grew (environment info,
 * canonicalize, walk, missing-path watches, HTTP), against the real server
 * in this process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schedule, Stream } from "effect"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import type * as Net from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"

const client = InProcessClient.layer().pipe(
  Layer.provide(ExecServer.layerNodeServices),
  Layer.provide(ServerConfig.layer())
)

const withDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => realpathSync(mkdtempSync(Path.join(tmpdir(), "client-parity-")))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

const upstream = Effect.acquireRelease(
  Effect.callback<Http.Server>((resume) => {
    const server = Http.createServer((request, response) => {
      if (request.url === "/stream") {
        response.write("one,")
        setTimeout(() => response.end("two"), 20)
        return
      }
      response.setHeader("x-seen-method", request.method!)
      response.end("body")
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
)

describe("client methods for the reference's additions", () => {
  it.live("environment, canonicalize and walk", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { environment, fs, server } = yield* ExecServerClient.ExecServerClient
        const info = yield* environment
        expect(info).toEqual(server.environmentInfo)
        expect(info.capabilities.fileWriteStreaming).toBe(true)
        mkdirSync(Path.join(dir, "a"))
        writeFileSync(Path.join(dir, "a", "f"), "")
        symlinkSync(Path.join(dir, "a"), Path.join(dir, "link"))
        expect(yield* fs.canonicalize(Path.join(dir, "link", "f"))).toBe(Path.join(dir, "a", "f"))
        const walked = yield* fs.walk(dir)
        expect(walked.entries.map((entry) => entry.kind)).toEqual(["directory", "file"])
        expect((yield* fs.walk(dir, { followDirectorySymlinks: true })).entries.length).toBe(3)
      }).pipe(Effect.provide(client))
    ))

  it.live("watchMissing: changed when the path appears; not watching when it exists already", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        writeFileSync(Path.join(dir, "there"), "")
        const existing = yield* fs.watchMissing([Path.join(dir, "there")])
        expect(existing.watching).toBe(false)
        yield* existing.changed
        const watch = yield* fs.watchMissing([Path.join(dir, "later")])
        expect(watch.watching).toBe(true)
        const changed = yield* Effect.forkChild(watch.changed)
        writeFileSync(Path.join(dir, "later"), "")
        yield* Fiber.join(changed)
      }).pipe(Effect.scoped, Effect.provide(client))
    ))

  it.live("watch streams coalesced changes for as long as it runs", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const { fs } = yield* ExecServerClient.ExecServerClient
        const seen = yield* fs.watch(dir).pipe(
          Stream.flatMap((batch) => Stream.fromIterable(batch.changes)),
          Stream.filter((change) => change.path.includes("/new-") && change.kind === "created"),
          Stream.take(1),
          Stream.runCollect,
          Effect.forkChild
        )
        // The stream's start is not observable from here: new files until one is seen.
        let next = 0
        yield* Effect.repeat(
          Effect.sync(() => writeFileSync(Path.join(dir, `new-${next++}`), "")),
          { until: () => seen.pollUnsafe() !== undefined, schedule: Schedule.spaced("20 millis") }
        ).pipe(Effect.timeout("10 seconds"))
        expect((yield* Fiber.join(seen)).length).toBe(1)
      }).pipe(Effect.provide(client))
    ))

  it.live("http.request buffers a body; http.stream hands the headers first and the body as a stream", () =>
    Effect.gen(function*() {
      const server = yield* upstream
      const url = `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`
      const { http } = yield* ExecServerClient.ExecServerClient
      const buffered = yield* http.request({ method: "PUT", url: `${url}/x`, body: "payload" })
      expect([buffered.status, Buffer.from(buffered.body).toString()]).toEqual([200, "body"])
      expect(buffered.headers).toContainEqual({ name: "x-seen-method", value: "PUT" })
      const streamed = yield* http.stream({ url: `${url}/stream` })
      expect(streamed.status).toBe(200)
      const chunks = yield* Stream.runCollect(streamed.body)
      expect(Buffer.concat(chunks).toString()).toBe("one,two")
      const refused = yield* http.request({ url: "ftp://x/" }).pipe(Effect.flip)
      expect(refused._tag).toBe("ExecServer/InvalidParams")
    }).pipe(Effect.scoped, Effect.provide(client)))
})
