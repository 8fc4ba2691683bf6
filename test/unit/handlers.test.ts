/**
 * The handlers, the dispatcher and the process actor with mocked Layers: a
 * scripted spawner and the in-memory client connection. No real process.
 */
import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as HttpRequests from "../../src/http/HttpRequests.js"
import { ConsoleLinkRpcs, ConsoleRpcs } from "../../src/protocol/console.js"
import { ExecServerRpcs, RequiresHandshake } from "../../src/protocol/rpcs.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as TestConnection from "../../src/testing/TestConnection.js"
import * as TestServer from "../../src/testing/TestServer.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"

const base64 = (text: string) => Buffer.from(text).toString("base64")
const decode = (chunk: string | undefined) => Buffer.from(chunk ?? "", "base64").toString()

const startParams = (processId: string, extra: Record<string, unknown> = {}) => ({
  processId,
  argv: ["prog"],
  cwd: "/tmp",
  env: {},
  tty: false,
  ...extra
})

/** A connected test client over mocked spawners, with `config` overrides. */
const setup = (behavior: TestSpawner.FakeBehavior = {}, config: Partial<ServerConfig.ServerConfigShape> = {}) =>
  Effect.gen(function*() {
    const spawner = yield* TestSpawner.make(behavior)
    const client = yield* TestConnection.makeWith(TestServer.layer({ spawner: spawner.layer, config }))
    return { spawner, client }
  })

describe("handshake", () => {
  it.effect("initialize returns the protocol version, a session id and server info", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const response = yield* client.request("initialize", { clientName: "t" })
      expect(response.result?.protocolVersion).toBe("exec-server.v0")
      expect(response.result?.sessionId).toMatch(/^[0-9a-f-]{36}$/)
      expect(response.result?.serverInfo).toEqual({ name: "effect-exec-server", version: ServerConfig.version })
    }))

  it.effect("exec methods are refused before initialize and before initialized", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const before = yield* client.request("process/start", startParams("p"))
      expect(before.error).toEqual({
        code: -32600,
        message: "client must call initialize before using exec methods",
        data: { reason: "notInitialized" }
      })
      yield* client.request("initialize", { clientName: "t" })
      const between = yield* client.request("process/list", {})
      expect(between.error?.code).toBe(-32600)
      expect(between.error?.message).toContain("initialized")
      yield* client.notify("initialized", {})
      expect((yield* client.request("process/list", {})).result).toEqual({ processes: [] })
    }))

  it.effect("the handshake is required by one middleware declared on the Rpcs, not by each handler: every method but initialize has it, and is refused before", () =>
    Effect.gen(function*() {
      const withoutIt = [...ExecServerRpcs.requests.values(), ...ConsoleRpcs.requests.values(), ...ConsoleLinkRpcs.requests.values()]
        .filter((rpc) => !(rpc.middlewares as ReadonlySet<unknown>).has(RequiresHandshake))
        .map((rpc) => rpc._tag)
      expect(withoutIt).toEqual(["initialize"])
      const { client } = yield* setup()
      for (const [method, params] of [
        ["environment/info", {}],
        ["session/list", {}],
        ["fs/readFile", { path: "/etc/hostname" }],
        ["http/request", { method: "GET", url: "http://example.invalid/", requestId: "r" }]
      ] as const) {
        expect((yield* client.request(method, params)).error, method).toEqual({
          code: -32600,
          message: "client must call initialize before using exec methods",
          data: { reason: "notInitialized" }
        })
      }
    }))

  it.effect("a second initialize is refused", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      yield* client.handshake
      const again = yield* client.request("initialize", { clientName: "t" })
      expect(again.error).toMatchObject({ code: -32600, data: { reason: "alreadyInitialized" } })
    }))
})

describe("dispatcher", () => {
  it.effect("echoes ids exactly: 0, strings and numbers", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      yield* client.handshake
      for (const id of [0, "abc", 42, "0"]) {
        yield* client.sendRaw({ id, method: "process/list", params: {} })
        expect(yield* client.nextMessage).toEqual({ id, result: { processes: [] } })
      }
    }))

  it.effect("answers unknown methods -32601, bad params -32602 naming the field, bad JSON -32700", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      yield* client.handshake
      expect((yield* client.request("process/fly", {})).error?.code).toBe(-32601)
      const bad = yield* client.request("process/start", startParams("p", { argv: [], tty: "yes" }))
      expect(bad.error?.code).toBe(-32602)
      expect(bad.error?.message).toContain("argv must not be empty")
      expect(bad.error?.message).toContain("tty")
      const relative = yield* client.request("process/start", startParams("p", { cwd: "relative/dir" }))
      expect(relative.error?.code).toBe(-32602)
      const badBase64 = yield* client.request("process/write", { processId: "p", chunk: "%%%" })
      expect(badBase64.error?.code).toBe(-32602)
      yield* client.sendRaw("{not json")
      expect(yield* client.nextMessage).toMatchObject({ id: null, error: { code: -32700 } })
      // The connection goes on.
      expect((yield* client.request("process/list", {})).result).toEqual({ processes: [] })
    }))

  it.effect("answers a batch with one array in request order, skipping notifications", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      yield* client.handshake
      yield* client.sendRaw([
        { id: "a", method: "process/list", params: {} },
        { method: "initialized", params: {} },
        { id: "b", method: "nope" }
      ])
      expect(yield* client.nextMessage).toEqual([
        { id: "a", result: { processes: [] } },
        { id: "b", error: { code: -32601, message: "method not found: nope" } }
      ])
    }))

  it.effect("refuses a message over the size limit with -32600 and goes on", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({}, { maxMessageBytes: 200 })
      yield* client.handshake
      yield* client.sendRaw({ id: 1, method: "process/list", params: { pad: "x".repeat(300) } })
      expect(yield* client.nextMessage).toMatchObject({ id: null, error: { code: -32600 } })
      expect((yield* client.request("process/list", {})).result).toEqual({ processes: [] })
    }))
})

describe("process actor", () => {
  it.effect("events carry one increasing seq; exited then closed; the start response comes first", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup({
        onSpawn: (child) => {
          child.output("one")
          child.output("two", "stderr")
          child.finish(3)
        }
      })
      yield* client.handshake
      const started = yield* client.request("process/start", startParams("p1"))
      expect(started.result).toEqual({ processId: "p1", sandboxType: "none" })
      const startIndex = client.received.findIndex((m) => (m as { id?: unknown }).id === 2)
      const events = [
        yield* client.nextNotification(),
        yield* client.nextNotification(),
        yield* client.nextNotification(),
        yield* client.nextNotification()
      ]
      expect(client.received.indexOf(events[0]!)).toBeGreaterThan(startIndex)
      expect(events.map((e) => [e.method, e.params.seq])).toEqual([
        ["process/output", 1],
        ["process/output", 2],
        ["process/exited", 3],
        ["process/closed", 4]
      ])
      expect(events[1]!.params).toMatchObject({ stream: "stderr", chunk: base64("two") })
      expect(events[2]!.params).toEqual({ processId: "p1", seq: 3, exitCode: 3, signal: null, sandboxDenied: false })
      expect(spawner.children[0]!.request.argv).toEqual(["prog"])
    }))

  it.effect("writes arrive in order and a repeated writeId is not written twice", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("p", { pipeStdin: true }))
      const child = spawner.children[0]!
      const writes = yield* Effect.all(
        ["a", "b", "c", "d"].map((text) =>
          client.request("process/write", { processId: "p", chunk: base64(text), writeId: text })
        ),
        { concurrency: "unbounded" }
      )
      expect(writes.map((w) => w.result)).toEqual(Array(4).fill({ accepted: true, status: "accepted" }))
      const retry = yield* client.request("process/write", { processId: "p", chunk: base64("a"), writeId: "a" })
      expect(retry.result).toEqual({ accepted: true, status: "accepted" })
      expect(child.writes.map((w) => Buffer.from(w).toString())).toEqual(["a", "b", "c", "d"])
    }))

  it.effect("a repeated writeId answers its first status after the process has closed; a new one stdinClosed", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("p", { pipeStdin: true }))
      const child = spawner.children[0]!
      const written = yield* client.request("process/write", { processId: "p", chunk: base64("last"), writeId: "w1" })
      expect(written.result).toEqual({ accepted: true, status: "accepted" })
      // The child read it and ended; the answer was lost with the connection, and the client asks again.
      child.finish(0)
      yield* client.nextNotification((n) => n.method === "process/closed")
      const retry = yield* client.request("process/write", { processId: "p", chunk: base64("last"), writeId: "w1" })
      expect(retry.result).toEqual({ accepted: true, status: "accepted" })
      const fresh = yield* client.request("process/write", { processId: "p", chunk: base64("more"), writeId: "w2" })
      expect(fresh.result).toEqual({ accepted: false, status: "stdinClosed" })
      expect(child.writes.map((w) => Buffer.from(w).toString())).toEqual(["last"])
    }))

  it.effect("write statuses: unknownProcess, and stdinClosed without pipeStdin", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      yield* client.handshake
      expect((yield* client.request("process/write", { processId: "nope", chunk: base64("x") })).result)
        .toEqual({ accepted: false, status: "unknownProcess" })
      yield* client.request("process/start", startParams("p"))
      expect((yield* client.request("process/write", { processId: "p", chunk: base64("x") })).result)
        .toEqual({ accepted: false, status: "stdinClosed" })
    }))

  it.effect("a duplicate processId is -32600; unknown ids on read are -32600", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("p"))
      expect((yield* client.request("process/start", startParams("p"))).error?.code).toBe(-32600)
      expect((yield* client.request("process/read", { processId: "q" })).error?.code).toBe(-32600)
    }))

  it.effect("a spawn failure is -32603 with errno and the connection goes on", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(TestSpawner.missingBinary)
      yield* client.handshake
      const failed = yield* client.request("process/start", startParams("p"))
      expect(failed.error).toMatchObject({ code: -32603, data: { errno: "ENOENT" } })
      // The id was not taken by the failed start.
      expect((yield* client.request("process/list", {})).result).toEqual({ processes: [] })
    }))

  it.effect("read pages by cursor and maxBytes and reports exit and close", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({
        onSpawn: (child) => {
          child.output("aaaa")
          child.output("bbbb")
          child.output("cccc")
          child.finish(0)
        }
      })
      yield* client.handshake
      yield* client.request("process/start", startParams("p"))
      yield* client.nextNotification((n) => n.method === "process/closed")
      const first = yield* client.request("process/read", { processId: "p", maxBytes: 8 })
      expect(first.result?.chunks.map((c) => decode(c.chunk))).toEqual(["aaaa", "bbbb"])
      expect(first.result).toMatchObject({ nextSeq: 6, exited: true, exitCode: 0, closed: true, truncated: false })
      const rest = yield* client.request("process/read", { processId: "p", afterSeq: 2 })
      expect(rest.result?.chunks.map((c) => [c.seq, decode(c.chunk)])).toEqual([[3, "cccc"]])
    }))

  it.effect("read with afterSeq beyond the retained range reports truncated", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({
        onSpawn: (child) => {
          for (let i = 0; i < 10; i++) child.output("0123456789")
        }
      }, { retainedOutputBytes: 30 })
      yield* client.handshake
      yield* client.request("process/start", startParams("p"))
      yield* client.nextNotification((n) => n.params.seq === 10)
      const read = yield* client.request("process/read", { processId: "p", afterSeq: 2 })
      expect(read.result?.truncated).toBe(true)
      expect(read.result?.chunks.map((c) => c.seq)).toEqual([8, 9, 10])
    }))

  it.effect("a long-poll read returns as soon as output arrives", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("p"))
      const read = yield* client.request("process/read", { processId: "p", afterSeq: 0, waitMs: 60_000 }).pipe(
        Effect.forkChild
      )
      yield* Effect.yieldNow
      spawner.children[0]!.output("late")
      const result = yield* Fiber.join(read)
      expect(result.result?.chunks.map((c) => decode(c.chunk))).toEqual(["late"])
    }))

  it.effect("graceful terminate sends SIGTERM and SIGKILL after the grace period when ignored", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup({
        onSignal: (child, signal) => {
          if (signal === "SIGKILL") child.finish(0, "SIGKILL")
        }
      })
      yield* client.handshake
      yield* client.request("process/start", startParams("p"))
      const terminated = yield* client.request("process/terminate", { processId: "p", graceMs: 50 })
      expect(terminated.result).toEqual({ running: true })
      expect(spawner.children[0]!.signals).toEqual(["SIGTERM"])
      // it.effect runs on the TestClock: the grace period passes when we say so.
      yield* TestClock.adjust("49 millis")
      expect(spawner.children[0]!.signals).toEqual(["SIGTERM"])
      yield* TestClock.adjust("1 millis")
      const exited = yield* client.nextNotification((n) => n.method === "process/exited")
      expect(exited.params).toMatchObject({ exitCode: 137, signal: "SIGKILL" })
      expect(spawner.children[0]!.signals).toEqual(["SIGTERM", "SIGKILL"])
      expect((yield* client.request("process/terminate", { processId: "p" })).result).toEqual({ running: false })
    }))

  it.effect("force terminate sends SIGKILL at once; terminate of an unknown id is running: false", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("p"))
      yield* client.request("process/terminate", { processId: "p", mode: "force" })
      expect(spawner.children[0]!.signals[0]).toBe("SIGKILL")
      expect((yield* client.request("process/terminate", { processId: "x" })).result).toEqual({ running: false })
    }))

  it.effect("closing the connection terminates its processes", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("a"))
      yield* client.request("process/start", startParams("b", { tty: true }))
      yield* client.close
      expect(spawner.children.map((child) => [child.exited(), child.signals[0]])).toEqual([
        [true, "SIGTERM"],
        [true, "SIGTERM"]
      ])
    }))

  it.effect("a process whose output stays open after its exit is closed the drain period later", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup({}, { closeDrainMs: 300 })
      yield* client.handshake
      yield* client.request("process/start", startParams("p"))
      // Exited, but a descendant still holds the output open.
      spawner.children[0]!.exit(0)
      yield* client.nextNotification((n) => n.method === "process/exited")
      yield* TestClock.adjust("299 millis")
      expect((yield* client.request("process/read", { processId: "p" })).result?.closed).toBe(false)
      yield* TestClock.adjust("1 millis")
      const closed = yield* client.nextNotification((n) => n.method === "process/closed")
      expect(closed.params).toEqual({ processId: "p", seq: 2 })
    }))

  it.effect("a process that ends while it is being started retires once the start is done", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ onSpawn: (child) => child.finish(7) }, { retentionMs: 1000 })
      yield* client.handshake
      expect((yield* client.request("process/start", startParams("quick"))).result).toMatchObject({ processId: "quick" })
      yield* client.nextNotification((n) => n.method === "process/closed")
      expect((yield* client.request("process/read", { processId: "quick" })).result)
        .toMatchObject({ exited: true, exitCode: 7, closed: true })
      // Retired: its record goes after the retention period, and its id is free again.
      yield* TestClock.adjust("1000 millis")
      expect((yield* client.request("process/read", { processId: "quick" })).error?.code).toBe(-32600)
      expect((yield* client.request("process/start", startParams("quick"))).result).toMatchObject({ processId: "quick" })
    }))

  it.effect("a closed process stays readable for the retention period, then its id is free again", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup({}, { retentionMs: 1000 })
      yield* client.handshake
      yield* client.request("process/start", startParams("p", { pipeStdin: true }))
      spawner.children[0]!.output("kept")
      spawner.children[0]!.finish(3)
      yield* client.nextNotification((n) => n.method === "process/closed")
      yield* TestClock.adjust("999 millis")
      const read = yield* client.request("process/read", { processId: "p" })
      expect(read.result).toMatchObject({ exited: true, exitCode: 3, closed: true, nextSeq: 4 })
      expect(read.result?.chunks.map((c) => decode(c.chunk))).toEqual(["kept"])
      expect((yield* client.request("process/write", { processId: "p", chunk: base64("x") })).result)
        .toEqual({ accepted: false, status: "stdinClosed" })
      expect((yield* client.request("process/list", {})).result?.processes)
        .toMatchObject([{ processId: "p", running: false, exitCode: 3 }])
      expect((yield* client.request("process/start", startParams("p"))).error?.code).toBe(-32600)
      yield* TestClock.adjust("1 millis")
      expect((yield* client.request("process/list", {})).result?.processes).toEqual([])
      expect((yield* client.request("process/read", { processId: "p" })).error?.code).toBe(-32600)
      expect((yield* client.request("process/start", startParams("p"))).result).toEqual({ processId: "p", sandboxType: "none" })
    }))

  it.effect("over the server's budget of closed records the oldest go before the retention period ends", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup({}, { retentionMs: 60_000, maxRetainedProcesses: 2 })
      yield* client.handshake
      for (const [index, id] of ["a", "b", "c"].entries()) {
        yield* client.request("process/start", startParams(id))
        spawner.children[index]!.output(`out ${id}`)
        spawner.children[index]!.finish(index)
        yield* client.nextNotification((n) => n.method === "process/closed" && n.params?.processId === id)
      }
      expect((yield* client.request("process/read", { processId: "a" })).error)
        .toEqual({ code: -32600, message: "unknown process id a", data: { reason: "unknownProcess" } })
      for (const [index, id] of ["b", "c"].entries()) {
        const read = yield* client.request("process/read", { processId: id })
        expect(read.result).toMatchObject({ closed: true, exitCode: index + 1 })
        expect(read.result?.chunks.map((c) => decode(c.chunk))).toEqual([`out ${id}`])
      }
      expect((yield* client.request("process/list", {})).result?.processes.map((p) => p.processId)).toEqual(["b", "c"])
      // The evicted id is free again at once.
      expect((yield* client.request("process/start", startParams("a"))).result).toEqual({ processId: "a", sandboxType: "none" })
    }))

  it.effect("the budget counts retained output bytes too, over all sessions", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make()
      const services = yield* Layer.build(TestServer.layer({
        spawner: spawner.layer,
        config: { retentionMs: 60_000, maxRetainedOutputBytes: 10 }
      }))
      const connect = Effect.provide(TestConnection.make, services)
      const runTo = (client: TestConnection.TestConnection, id: string, text: string) =>
        Effect.gen(function*() {
          yield* client.request("process/start", startParams(id))
          spawner.children.at(-1)!.output(text)
          spawner.children.at(-1)!.finish(0)
          yield* client.nextNotification((n) => n.method === "process/closed" && n.params?.processId === id)
        })
      const first = yield* connect
      yield* first.handshake
      yield* runTo(first, "a", "123456")
      yield* runTo(first, "b", "123456")
      // 12 bytes > 10: the older record went.
      expect((yield* first.request("process/read", { processId: "a" })).error?.code).toBe(-32600)
      expect((yield* first.request("process/read", { processId: "b" })).result?.closed).toBe(true)
      // Budgets are server-wide: another session's output counts against the same budget...
      const second = yield* connect
      yield* second.handshake
      yield* runTo(second, "x", "1234")
      expect((yield* first.request("process/read", { processId: "b" })).result?.closed).toBe(true)
      yield* runTo(second, "y", "1")
      expect((yield* first.request("process/read", { processId: "b" })).error?.code).toBe(-32600)
      expect((yield* second.request("process/read", { processId: "x" })).result?.closed).toBe(true)
    }))

  it.effect("signal, resize and closeStdin reach the child; resize needs a terminal", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("t", { tty: true, size: { rows: 10, cols: 20 } }))
      yield* client.request("process/start", startParams("p", { pipeStdin: true }))
      const [tty, pipe] = spawner.children
      expect(tty!.request.size).toEqual({ rows: 10, cols: 20 })
      expect((yield* client.request("process/resize", { processId: "t", rows: 40, cols: 100 })).result).toEqual({})
      expect(tty!.resizes).toEqual([{ rows: 40, cols: 100 }])
      expect((yield* client.request("process/resize", { processId: "p", rows: 40, cols: 100 })).error?.code)
        .toBe(-32600)
      expect((yield* client.request("process/signal", { processId: "p", signal: "SIGUSR1" })).result)
        .toEqual({ delivered: true })
      expect(pipe!.signals).toEqual(["SIGUSR1"])
      expect((yield* client.request("process/closeStdin", { processId: "p" })).result)
        .toEqual({ accepted: true, status: "accepted" })
      expect(pipe!.stdinClosed()).toBe(true)
      const list = yield* client.request("process/list", {})
      expect(list.result?.processes.map((p) => [p.processId, p.tty, p.running])).toEqual([
        ["t", true, true],
        ["p", false, true]
      ])
    }))
})

describe("sandbox without a sandbox service", () => {
  it.effect("a request that asks for confinement is refused and nothing is spawned; one that asks for none runs", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup()
      yield* client.handshake
      const refused = yield* client.request("process/start", startParams("boxed", { sandbox: { writableRoots: ["/tmp"] } }))
      expect(refused.error).toMatchObject({ code: -32603, data: { sandbox: "unavailable" } })
      const fsRefused = yield* client.request("fs/readFile", { path: "/etc/hostname", sandbox: { writableRoots: [] } })
      expect(fsRefused.error).toMatchObject({ code: -32603, data: { sandbox: "unavailable" } })
      expect(spawner.children).toEqual([])
      const disabled = { permissions: { type: "disabled" }, windowsSandboxLevel: "disabled" }
      expect((yield* client.request("process/start", startParams("free", { sandbox: disabled }))).result)
        .toEqual({ processId: "free", sandboxType: "none" })
      expect(spawner.children.length).toBe(1)
    }))
})

describe("long-polls", () => {
  it.effect("a process/read wait ends when the TestClock passes waitMs", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("quiet"))
      const read = yield* Effect.forkChild(client.request("process/read", { processId: "quiet", afterSeq: 0, waitMs: 5000 }))
      yield* TestClock.adjust("4999 millis")
      expect(read.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(read)
      expect(result.result).toMatchObject({ chunks: [], exited: false, closed: false })
    }))
})

describe("terminate", () => {
  it.effect("a repeated graceful terminate keeps the first SIGKILL deadline: one timer, one SIGKILL", () =>
    Effect.gen(function*() {
      // A child stuck where even SIGKILL takes a while (uninterruptible sleep): it counts every signal.
      const { client, spawner } = yield* setup({ onSignal: () => undefined })
      yield* client.handshake
      yield* client.request("process/start", startParams("s"))
      const child = spawner.children[0]!
      // Whatever the assertions say, the child ends so that the test's scope can close.
      yield* Effect.addFinalizer(() => Effect.sync(() => child.finish(0, "SIGKILL")))
      yield* client.request("process/terminate", { processId: "s", graceMs: 1000 })
      yield* TestClock.adjust("500 millis")
      yield* client.request("process/terminate", { processId: "s", graceMs: 1000 })
      yield* client.request("process/terminate", { processId: "s", graceMs: 1000 })
      yield* TestClock.adjust("500 millis")
      expect(child.signals.filter((signal) => signal === "SIGKILL")).toEqual(["SIGKILL"])
      yield* TestClock.adjust("2 seconds")
      expect(child.signals).toEqual(["SIGTERM", "SIGTERM", "SIGTERM", "SIGKILL"])
    }))
})

describe("process groups", () => {
  it.effect("after the exit, the group is signalled while a job of it is left, and never again once it was seen empty", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup({ onSignal: () => undefined })
      yield* client.handshake
      yield* client.request("process/start", startParams("g"))
      const child = spawner.children[0]!
      // A background job keeps the group (and the output) after the child exits.
      child.holdGroup(true)
      child.exit(0)
      expect((yield* client.request("process/signal", { processId: "g", signal: "SIGUSR1" })).result)
        .toEqual({ delivered: true })
      child.holdGroup(false)
      expect((yield* client.request("process/signal", { processId: "g", signal: "SIGUSR2" })).result)
        .toEqual({ delivered: false })
      // The id is free now, and another group may take it: that group is not ours to signal.
      child.holdGroup(true)
      expect((yield* client.request("process/signal", { processId: "g", signal: "SIGHUP" })).result)
        .toEqual({ delivered: false })
      expect((yield* client.request("process/terminate", { processId: "g" })).result).toMatchObject({ running: false })
      expect(child.signals).toEqual(["SIGUSR1"])
      child.close()
    }))

  it.live("a process that ends on SIGTERM lets its session end at once; its SIGKILL timer never fires", () =>
    Effect.gen(function*() {
      // The default fake ends on SIGTERM; the grace period is far longer than the test may take.
      const { client, spawner } = yield* setup()
      yield* client.handshake
      yield* client.request("process/start", startParams("q"))
      expect((yield* client.request("process/terminate", { processId: "q", graceMs: 600_000 })).result)
        .toEqual({ running: true })
      yield* client.close.pipe(
        Effect.timeoutOrElse({ duration: "5 seconds", orElse: () => Effect.fail(new Error("the session waited for the SIGKILL timer")) })
      )
      expect(spawner.children[0]!.signals).toEqual(["SIGTERM"])
    }).pipe(Effect.scoped))
})

describe("environment", () => {
  it.effect("an envPolicy builds on the configured server environment", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup({}, { environment: { FROM_CONFIG: "yes", API_TOKEN: "secret" } })
      yield* client.handshake
      yield* client.request("process/start", startParams("e", { env: { EXTRA: "1" }, envPolicy: { inherit: "all" } }))
      expect(spawner.children[0]!.request.env).toEqual({ FROM_CONFIG: "yes", EXTRA: "1" })
    }))
})

describe("http/request's client, a service every server has", () => {
  const initialized = (client: TestConnection.TestConnection) =>
    Effect.gen(function*() {
      const response = yield* client.request("initialize", { clientName: "t" })
      yield* client.notify("initialized", {})
      return response.result?.environmentInfo?.capabilities as Record<string, boolean>
    })

  it.effect("none by default: the handshake does not offer it, and a request is answered that the server has none", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      expect((yield* initialized(client)).httpHeaderEnvVars).toBe(false)
      const response = yield* client.request("http/request", { method: "GET", url: "http://example.invalid/", headers: [], requestId: "r1" })
      expect(response.error).toMatchObject({ code: -32603, message: "http/request: this server has no HTTP client" })
    }))

  it.effect("an application's own client (HttpRequests.layer) is offered and sends the request", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make({})
      const sent: Array<string> = []
      const fake = HttpClient.make((request) =>
        Effect.sync(() => {
          sent.push(`${request.method} ${request.url}`)
          return HttpClientResponse.fromWeb(request, new Response("hello", { status: 201 }))
        }))
      const client = yield* TestConnection.makeWith(TestServer.layer({
        spawner: spawner.layer,
        httpRequests: HttpRequests.layer.pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, fake)))
      }))
      expect((yield* initialized(client)).httpHeaderEnvVars).toBe(true)
      const response = yield* client.request("http/request", { method: "GET", url: "http://example.invalid/", headers: [], requestId: "r1" })
      expect(response.result).toMatchObject({ status: 201, bodyBase64: Buffer.from("hello").toString("base64") })
      expect(sent).toEqual(["GET http://example.invalid/"])
    }))
})

describe("one spawner", () => {
  it.effect("starts terminal and pipe children alike, as each request's tty says (no switch between two services)", () =>
    Effect.gen(function*() {
      const { client, spawner } = yield* setup()
      yield* client.request("initialize", { clientName: "t" })
      yield* client.notify("initialized", {})
      yield* client.request("process/start", startParams("with-terminal", { tty: true }))
      yield* client.request("process/start", startParams("with-pipes"))
      expect(spawner.children.map((child) => [child.tty, child.request.tty])).toEqual([[true, true], [false, false]])
    }))
})
