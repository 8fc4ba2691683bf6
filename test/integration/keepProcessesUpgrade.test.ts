/**
 * An upgrade of a WebSocket server with `--keep-processes` (SIGUSR2): the
 * server starts its binary again, hands it the listening socket and exits
 * once the new one serves. No connection attempt is refused meanwhile
 * (they wait in the socket's backlog), and the client library's sessions
 * reconnect and resume by themselves: every stream whole, in order.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, Stream } from "effect"
import * as Path from "node:path"
import { afterEach } from "vitest"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import { useHolders } from "../support/holders.js"
import { processesNaming } from "../support/keptProcesses.js"
import { useTempDirs } from "../support/tempDirs.js"
import { startWebSocketServer } from "../support/WebSocketServer.js"
import { eventually } from "../support/StdioServer.js"
import { WAIT_MS } from "../support/waiting.js"

const tempDir = useTempDirs("keep-upgrade-")
const holders = useHolders()
/** Servers a test started, the replacing ones included (they are not the test's children). */
const serverPids: Array<number> = []
afterEach(() => {
  for (const pid of serverPids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone already.
    }
  }
})

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()

const CLIENTS = 20
const LINES = 400

describe("--keep-processes: an upgrade (SIGUSR2)", () => {
  it.live(`${CLIENTS} WebSocket clients streaming through it: no attempt refused, every stream whole, the old server exits 0`, () =>
    Effect.gen(function*() {
      const dir = Path.join(tempDir(), "state")
      const server = yield* Effect.promise(() =>
        startWebSocketServer(["--keep-processes", "--state-dir", dir, "--orphan-ttl-ms", "120000"])
      )
      serverPids.push(server.child.pid!)
      const failedAttempts: Array<string> = []
      const clients = yield* Effect.forEach(Array.from({ length: CLIENTS }, (_, i) => i), () =>
        Layer.build(ExecServerClient.layerWebSocket({
          url: server.url,
          detachTtlMs: 60_000,
          reconnect: { initialDelayMs: 20 },
          onReconnect: (event) => {
            if (event._tag === "AttemptFailed") failedAttempts.push(event.error)
          }
        })).pipe(Effect.map(Context.get(ExecServerClient.ExecServerClient))), { concurrency: "unbounded" })
      const midway = yield* Effect.forEach(clients, () => Deferred.make<void>())
      const streams = yield* Effect.forEach(clients, (client, k) =>
        Effect.gen(function*() {
          const handle = yield* client.start({
            // One line every 5 ms, without a process per line (20 of them stream at once).
            argv: ["perl", "-e", `$| = 1; for my $i (1..${LINES}) { print "c${k}-line-$i\n"; select(undef, undef, undef, 0.005) }`],
            env
          })
          let seen = ""
          const events = yield* handle.events.pipe(
            Stream.tap((event) =>
              Effect.sync(() => {
                if (event._tag === "Output") seen += text(event.bytes)
                if (seen.includes(`c${k}-line-40\n`)) Deferred.doneUnsafe(midway[k]!, Effect.void)
              })
            ),
            Stream.runCollect,
            Effect.forkChild
          )
          return { handle, events }
        }))
      for (const { pid } of processesNaming(dir)) if (pid !== server.child.pid) holders.push(pid)
      yield* Effect.forEach(midway, Deferred.await, { discard: true })

      process.kill(server.child.pid!, "SIGUSR2")
      // The old server exits once the new one serves.
      expect(yield* Effect.promise(() => server.exited)).toBe(0)
      const replacing = processesNaming(dir).filter((found) => !found.holder)
      expect(replacing).toHaveLength(1)
      serverPids.push(replacing[0]!.pid)

      for (const [k, { events, handle }] of streams.entries()) {
        const collected = yield* Fiber.join(events)
        const expected = Array.from({ length: LINES }, (_, i) => `c${k}-line-${i + 1}\n`).join("")
        expect(Buffer.concat(collected.flatMap((event) => event._tag === "Output" ? [event.bytes] : [])).toString()).toBe(expected)
        expect(collected.some((event) => event._tag === "Gap")).toBe(false)
        expect(collected.at(-1)?._tag).toBe("Closed")
        expect(yield* handle.exited).toMatchObject({ exitCode: 0, signal: null })
      }
      // Every reconnection found the socket accepting (at worst after a wait in its backlog).
      expect(failedAttempts).toEqual([])
      // The sessions are the new server's: a request goes through.
      expect(text((yield* clients[0]!.exec(["echo", "after"], { env })).stdout)).toBe("after\n")
      expect(yield* Effect.promise(() => eventually(() => server.stderr().includes("the new server serves"), WAIT_MS))).toBe(true)
    }).pipe(Effect.scoped))
})
