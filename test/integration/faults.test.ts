/**
 * Fault tolerance of process lifecycles: children that ignore SIGTERM are
 * killed on every path that ends a session, descendants that hold the output
 * open (or leave the process group) cannot keep a process from closing or
 * the server from ending (the server in process, on src/; signals, a
 * stalled stdout pipe and memory: faultsProcess.test.ts).
 */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { execFileSync } from "node:child_process"
import { rmSync } from "node:fs"
import { describe, expect, it } from "vitest"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import { type InProcessServer, useInProcessServers, useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { elapsedSince, GRACE_MS, MARGIN_MS } from "../support/faults.js"
import { pidIn, startStubborn, STUBBORN } from "../support/stubbornChildren.js"
import { eventually, isAlive } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess, ptyProcess } from "../support/WireClient.js"

const startServer = useInProcessServers()
const startWebSocketServer = useInProcessWebSocketServers()

describe("children that ignore SIGTERM", () => {
  it("are killed after the grace period when stdin closes, and the server exits within grace + margin", async () => {
    const server = await startServer(["--grace-ms", String(GRACE_MS)])
    const pipePid = await startStubborn(server, "pipe")
    const ptyPid = await startStubborn(server, "pty", true)
    const start = Date.now()
    const exit = await server.close()
    expect(exit.code).toBe(0)
    expect(elapsedSince(start)).toBeLessThan(GRACE_MS + MARGIN_MS)
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(GRACE_MS - 50)
    expect(await eventually(() => !isAlive(pipePid) && !isAlive(ptyPid), 1000)).toBe(true)
  })

  it("are killed after the grace period when a WebSocket closes cleanly or drops (its session not kept: --dropped-session-ttl-ms 0)", async () => {
    const server = await startWebSocketServer(["--grace-ms", String(GRACE_MS), "--dropped-session-ttl-ms", "0"])
    for (const how of ["close", "terminate"] as const) {
      const client = await RawWebSocketClient.connectReady(server.url)
      await client.request("process/start", pipeProcess("p", ["sh", "-c", STUBBORN]))
      await client.outputContains("p", "pid:")
      const pid = pidIn(client.outputOf("p"))
      const start = Date.now()
      if (how === "close") client.socket.close()
      else client.socket.terminate()
      expect(await eventually(() => !isAlive(pid), GRACE_MS + MARGIN_MS), how).toBe(true)
      expect(elapsedSince(start), how).toBeGreaterThanOrEqual(GRACE_MS - 50)
    }
    // The server is still up and serving.
    const client = await RawWebSocketClient.connectReady(server.url)
    expect((await client.request("process/list", {})).result.processes).toEqual([])
  })

  it("are killed after the grace period when a detached session's TTL passes", async () => {
    const server = await startWebSocketServer(["--grace-ms", String(GRACE_MS)])
    const client = await RawWebSocketClient.connect(server.url)
    await client.request("initialize", { clientName: "ttl", detachTtlMs: 300 })
    client.send({ method: "initialized", params: {} })
    await client.request("process/start", pipeProcess("p", ["sh", "-c", STUBBORN]))
    await client.outputContains("p", "pid:")
    const pid = pidIn(client.outputOf("p"))
    client.socket.terminate()
    // Alive through the TTL and the grace period, dead soon after.
    await new Promise((resolve) => setTimeout(resolve, 300 + GRACE_MS - 200))
    expect(isAlive(pid)).toBe(true)
    expect(await eventually(() => !isAlive(pid), MARGIN_MS)).toBe(true)
  })

  it("are killed after the grace period when an embedding application closes the server's scope", async () => {
    const server = InProcessClient.layer().pipe(
      Layer.provide(ExecServer.layerNodeServices),
      Layer.provide(ServerConfig.layer({ graceMs: GRACE_MS }))
    )
    const { elapsed, pid } = await Effect.runPromise(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(server, scope)
      const client = Context.get(context, ExecServerClient.ExecServerClient)
      // Detached: the server, not the client, is what ends it here.
      const handle = yield* Effect.scoped(client.start({ argv: ["sh", "-c", STUBBORN], env: { PATH: "/usr/bin:/bin" }, cwd: "/tmp", detached: true }))
      const output = yield* handle.read({ waitMs: 5000 })
      const pid = pidIn(Buffer.from(output.chunks[0]!.chunk).toString())
      const start = Date.now()
      yield* Scope.close(scope, Exit.void)
      return { elapsed: elapsedSince(start), pid }
    }))
    expect(elapsed).toBeGreaterThanOrEqual(GRACE_MS - 50)
    expect(elapsed).toBeLessThan(GRACE_MS + MARGIN_MS)
    expect(await eventually(() => !isAlive(pid), 1000)).toBe(true)
  })
})

describe("descendants that hold the output open", () => {
  for (const tty of [false, true]) {
    it(`cannot keep a ${tty ? "PTY" : "pipe"} process from closing: a setsid daemon, closed within the drain period`, async () => {
      const server = await startServer(["--grace-ms", String(GRACE_MS), "--close-drain-ms", "300"])
      const script = "setsid sh -c 'echo daemon:$$; exec sleep 1000' & sleep 0.2; echo done"
      const params = (tty ? ptyProcess : pipeProcess)("p", ["sh", "-c", script])
      await server.request("process/start", params)
      const exited = await server.waitFor((m) => m.method === "process/exited" && m.params.processId === "p")
      const daemon = pidIn(server.outputOf("p").toString(), "daemon")
      try {
        const exitedAt = Date.now()
        const closed = await server.closed("p", 5000)
        expect(closed.params.seq).toBe(exited.params.seq + 1)
        expect(elapsedSince(exitedAt)).toBeLessThan(300 + 1000)
        expect(server.outputOf("p").toString()).toContain("done")
        // The daemon left the group: it is not ours to kill, and it does not hold up the server's exit.
        expect(isAlive(daemon)).toBe(true)
        const stopping = Date.now()
        expect((await server.close()).code).toBe(0)
        expect(elapsedSince(stopping)).toBeLessThan(MARGIN_MS)
      } finally {
        process.kill(daemon, "SIGKILL")
      }
    })
  }

  it("delivers what a background job writes before the drain period ends, then terminates what is left of the group", async () => {
    const server = await startServer(["--grace-ms", String(GRACE_MS), "--close-drain-ms", "1000"])
    // The job holds stdout, writes after the leader's exit, then ignores SIGTERM.
    const job = "trap '' TERM; echo job:\\$\\$; sleep 0.3; echo late; while :; do sleep 0.1; done"
    await server.request("process/start", pipeProcess("p", ["sh", "-c", `sh -c "${job}" & sleep 0.1; echo leader-done`]))
    const closed = await server.closed("p", 5000)
    const events = server.eventsOf("p")
    expect(events.map((event) => event.params.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.at(-1)).toBe(closed)
    // The job's late line comes after the leader's exit and before closed.
    const exitedAt = events.findIndex((event) => event.method === "process/exited")
    const lateAt = events.findIndex((event) => Buffer.from(event.params.chunk ?? "", "base64").toString().includes("late"))
    expect(exitedAt).toBeGreaterThan(0)
    expect(lateAt).toBeGreaterThan(exitedAt)
    const output = server.outputOf("p").toString()
    expect(output).toContain("leader-done")
    const jobPid = pidIn(output, "job")
    // SIGTERM is ignored: SIGKILL after the grace period.
    expect(isAlive(jobPid)).toBe(true)
    expect(await eventually(() => !isAlive(jobPid), GRACE_MS + MARGIN_MS)).toBe(true)
    // The server is unharmed.
    const read = await server.request("process/read", { processId: "p" })
    expect(read.result).toMatchObject({ exited: true, exitCode: 0, closed: true })
  })
})

describe("finished processes", () => {
  it("answers commands to a process that closes while they wait, as for any closed process", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("p", ["sh", "-c", "exit 0"], { pipeStdin: true }))
    await server.closed("p")
    expect((await server.request("process/write", { processId: "p", chunk: "aGk=" })).result)
      .toEqual({ accepted: false, status: "stdinClosed" })
    expect((await server.request("process/signal", { processId: "p", signal: "SIGTERM" })).result)
      .toEqual({ delivered: false })
    expect((await server.request("process/terminate", { processId: "p" })).result).toEqual({ running: false })
    expect((await server.request("process/list", {})).result.processes)
      .toMatchObject([{ processId: "p", running: false, exitCode: 0 }])
  })
})

describe("spawn failures", () => {
  for (const tty of [false, true]) {
    const kind = tty ? "PTY" : "pipe"
    const start = (server: InProcessServer, extra: Record<string, unknown>) =>
      server.request("process/start", { ...(tty ? ptyProcess : pipeProcess)("p", ["echo", "x"]), ...extra })

    it(`name the OS error on a ${kind}: a cwd that is a file, arguments or environment over the kernel's limits`, async () => {
      const server = await startServer()
      const file = "/proc/self/status"
      const notDirectory = await start(server, { cwd: file })
      expect(notDirectory.error).toMatchObject({ code: -32603, data: { errno: "ENOTDIR" } })
      expect(notDirectory.error?.message).toContain(file)
      const longArgument = await start(server, { argv: ["echo", "a".repeat(200_000)] })
      expect(longArgument.error).toMatchObject({ code: -32603, data: { errno: "E2BIG" } })
      const env = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`V${i}`, "v".repeat(100_000)]))
      const hugeEnvironment = await start(server, { env })
      expect(hugeEnvironment.error).toMatchObject({ code: -32603, data: { errno: "E2BIG" } })
      // Nothing was logged as a defect, and the connection goes on.
      expect(server.stderr).not.toMatch(/died|Error:/)
      expect((await start(server, {})).result).toEqual({ processId: "p", sandboxType: "none" })
      await server.closed("p")
      expect(server.outputOf("p").toString().trim()).toBe("x")
    })

    it(`refuse NUL bytes in argv, env, cwd and arg0 as invalid params on a ${kind}`, async () => {
      const server = await startServer()
      const refused = [
        { argv: ["echo", "a\u0000b"] },
        { env: { PATH: "/usr/bin:/bin", "A\u0000B": "x" } },
        { env: { PATH: "/usr/bin:/bin", A: "x\u0000y" } },
        { env: { "A=B": "x" } },
        { cwd: "/tmp\u0000/etc" },
        { arg0: "a\u0000b" },
        { env: {}, envPolicy: { set: { A: "x\u0000y" } } }
      ]
      for (const extra of refused) {
        const response = await start(server, extra)
        expect(response.error?.code, JSON.stringify(extra)).toBe(-32602)
        expect(response.error?.message, JSON.stringify(extra)).toMatch(/NUL|"="/)
      }
      expect(server.eventsOf("p")).toEqual([])
      expect((await start(server, {})).result).toEqual({ processId: "p", sandboxType: "none" })
    })
  }
})

describe("files that are not regular files", () => {
  it("fs/readFile of a FIFO answers at once with -32600, and the server goes on", async () => {
    const server = await startServer()
    const fifo = `/tmp/exec-server-fifo-${process.pid}-${Date.now()}`
    execFileSync("mkfifo", [fifo])
    try {
      const whole = await server.request("fs/readFile", { path: fifo })
      expect(whole.error).toMatchObject({ code: -32600 })
      expect(whole.error?.message).toContain("FIFO")
      const ranged = await server.request("fs/readFile", { path: fifo, offset: 0, length: 1 })
      expect(ranged.error?.code).toBe(-32600)
      expect((await server.request("process/list", {})).result).toEqual({ processes: [] })
    } finally {
      rmSync(fifo, { force: true })
    }
  })
})

describe("logs", () => {
  it("never carry process output or file contents, even at the most verbose level", async () => {
    const marker = "sEcReT-" + Math.random().toString(36).slice(2)
    const encoded = Buffer.from(marker).toString("base64").slice(0, 12)
    const server = await startServer(["--log-level", "all"])
    await server.request("process/start", pipeProcess("p", ["sh", "-c", `echo ${marker}; echo ${marker} >&2; exit 3`]))
    await server.closed("p")
    const path = `/tmp/log-test-${process.pid}-${Date.now()}`
    expect((await server.request("fs/writeFile", { path, dataBase64: Buffer.from(marker).toString("base64") })).result).toEqual({})
    expect((await server.request("fs/readFile", { path })).result.dataBase64).toBe(Buffer.from(marker).toString("base64"))
    await server.request("fs/remove", { path, recursive: false, force: true })
    await server.close()
    expect(server.stderr).not.toContain(marker)
    expect(server.stderr).not.toContain(encoded)
  })
})
