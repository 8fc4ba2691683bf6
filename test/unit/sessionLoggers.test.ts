/**
 * A session's processes run in the store's services (built once per
 * server) with what the fiber that created the session carries of its own:
 * their log lines go to that fiber's loggers, as they did when every
 * session copied its creator's whole context, not to the loggers the
 * server's layers were built under.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, References } from "effect"
import * as TestConnection from "../../src/testing/TestConnection.js"
import * as TestServer from "../../src/testing/TestServer.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"

/** A logger that keeps each line's first message. */
const keepIn = (lines: Array<string>) =>
  new Set([Logger.make(({ message }) => {
    lines.push(String(Array.isArray(message) ? message[0] : message))
  })])

describe("a session's loggers", () => {
  it.effect("are those of the fiber that created the session, not those the server's layers were built under", () =>
    Effect.gen(function*() {
      const store: Array<string> = []
      const creator: Array<string> = []
      const spawner = yield* TestSpawner.make({ onSpawn: (child) => child.finish(0) })
      const context = yield* Layer.build(TestServer.layer({ spawner: spawner.layer })).pipe(
        Effect.provideService(References.CurrentLoggers, keepIn(store))
      )
      const client = yield* TestConnection.make.pipe(
        Effect.provide(context),
        Effect.provideService(References.CurrentLoggers, keepIn(creator))
      )
      yield* client.handshake
      yield* client.request("process/start", { processId: "p", argv: ["prog"], cwd: "/tmp", env: {}, tty: false, pipeStdin: false })
      yield* client.nextNotification((notification) => notification.method === "process/closed")
      expect(creator).toContain("process closed")
      expect(store).not.toContain("process closed")
    }))
})
