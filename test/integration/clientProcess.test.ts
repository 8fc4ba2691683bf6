/**
 * The client libraries with the binary: the Effect client's contract over
 * the stdio of a server it spawns (layerSpawnLocal starts the built binary),
 * PromiseClient.spawnLocal and what it keeps of the binary's stderr, and a
 * WebSocket server killed under a client (SIGKILL: no close frame, its
 * process gone). client.test.ts and promiseClient.test.ts have the clients
 * on servers in process.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Result, Stream } from "effect"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import { clientContract } from "../support/clientContract.js"
import { expectGone, PRINT_PID_AND_SLEEP, readPid } from "../support/promiseClientProcesses.js"
import { startWebSocketServer } from "../support/WebSocketServer.js"

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

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
})

describe("PromiseClient.spawnLocal", () => {
  it("runs a server of its own and talks to it over stdio", async () => {
    const client = await PromiseClient.spawnLocal({ stderr: "ignore" })
    try {
      const result = await client.exec(["sh", "-c", "echo local; exit 2"], { env })
      expect(result.exitCode).toBe(2)
      expect(text(result.stdout)).toBe("local\n")
      const proc = await client.start({ argv: PRINT_PID_AND_SLEEP, env })
      const pid = await readPid(proc)
      await proc[Symbol.asyncDispose]()
      await expectGone(pid)
    } finally {
      await client.close()
    }
    await expect(client.list()).rejects.toMatchObject({ _tag: "ExecServer/TransportClosed" })
  })

  /** What a spawned server wrote to its stderr while `use` ran with its client. */
  const serverStderr = async (
    options: PromiseClient.SpawnLocalOptions,
    use: (client: PromiseClient.Client) => Promise<void>
  ): Promise<string> => {
    const dir = mkdtempSync(Path.join(tmpdir(), "spawn-local-"))
    const file = Path.join(dir, "stderr")
    const fd = openSync(file, "w")
    try {
      const client = await PromiseClient.spawnLocal({ ...options, stderr: fd })
      try {
        await use(client)
      } finally {
        await client.close()
      }
      return readFileSync(file, "utf8")
    } finally {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it("keeps the server's INFO lines out of the program's stderr, and its warnings in", async () => {
    const stderr = await serverStderr({ args: ["--grace-ms", "100"] }, async (client) => {
      // Ignores SIGTERM (sleep inherits that), so terminating it escalates to SIGKILL: a warning.
      const proc = await client.start({ argv: ["sh", "-c", "trap '' TERM; echo $$; sleep 30"], env })
      await readPid(proc)
      await proc.terminate()
      expect((await proc.exited).signal).toBe("SIGKILL")
    })
    expect(stderr).toContain("terminate escalated to SIGKILL")
    expect(stderr).not.toContain("level=INFO")
  })

  it("shows the server's INFO lines with logLevel: \"info\"", async () => {
    const stderr = await serverStderr({ logLevel: "info" }, async (client) => {
      await client.exec(["true"], { env })
    })
    expect(stderr).toContain(`message="connection opened"`)
  })
})
