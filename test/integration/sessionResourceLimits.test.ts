/**
 * A client's request for its session's limits (`process/start.resources.session`)
 * on this machine's real cgroups (v1 here; docs/PROTOCOL.md, "A session's
 * limits"), with servers in this process: the request makes every later
 * process of the session join its limited groups (on v1 an unlimited
 * session's processes are in its freezer group alone), so
 * that a fork bomb over two processes meets EAGAIN at the session's pids
 * and a second process is OOM-killed at the session's memory, while
 * another session goes on; a session's limits only narrow, and cgroup v1's
 * answers to a narrowing below what the session uses. Each server removes
 * its cgroups as it stops (after each test, whatever its outcome).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { ExecServerClient } from "../../src/client/ExecServerClient.js"
import { ResourceLimits, unavailable } from "../../src/limits/ResourceLimits.js"
import * as NodeSpawner from "../../src/process/NodeSpawner.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as TestServer from "../../src/testing/TestServer.js"
import { useInProcessServers, useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { cgroupOf } from "../support/cgroups.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const startServer = useInProcessServers()
const startWebSocketServer = useInProcessWebSocketServers()

/** The interpreter itself, not a shim of a version manager that forks on its way to it (and counts against pids). */
const PYTHON = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim()

/**
 * `python3 -c FORKS LIMIT`: prints its pid, forks children (each waits for
 * its parent's end) until LIMIT or a fork fails with EAGAIN, prints `DONE n`
 * or `EAGAIN n`, then waits for a line on stdin before it exits (and its
 * children with it).
 */
const FORKS = [
  "import os, sys",
  "print(os.getpid(), flush=True)",
  "r, w = os.pipe()",
  "n, result = 0, 'DONE'",
  "while n < int(sys.argv[1]):",
  "    try:",
  "        pid = os.fork()",
  "    except BlockingIOError:",
  "        result = 'EAGAIN'",
  "        break",
  "    if pid == 0:",
  "        os.close(w)",
  "        os.read(r, 1)",
  "        os._exit(0)",
  "    n += 1",
  "print(result, n, flush=True)",
  "sys.stdin.readline()"
].join("\n")

/** `python3 -c HOLD MIB`: holds MIB MiB of touched memory, says `held`, and on a line from stdin says `ok` and exits. */
const HOLD = "import sys\nb = b'x' * (int(sys.argv[1]) << 20)\nprint('held', flush=True)\nsys.stdin.readline()\nprint('ok', len(b) >> 20, flush=True)"

const line = (text: string) => Buffer.from(`${text}\n`).toString("base64")

/** The session's group (`…/session-N`) of a process in it or in a leaf below it. */
const sessionGroupOf = (pid: number, controller: string): string => {
  const group = cgroupOf(pid, controller)
  expect(group).toMatch(/\/exec-server\.[^/]+\/session-\d+(\/process-\d+)?$/)
  return group!.replace(/\/process-\d+$/, "")
}

/** The first line a process wrote, as a number (its pid, for FORKS). */
const pidOf = (output: string) => Number(output.split("\n")[0])

describe("a client's limits of its whole session (cgroup v1 on this machine)", () => {
  it("pids: a fork bomb over two processes of the session meets EAGAIN at the session's limit, another session forks on", async () => {
    const server = await startWebSocketServer()
    const a = await RawWebSocketClient.connectReady(server.url)
    const b = await RawWebSocketClient.connectReady(server.url)
    // The session's pids: 24. a1 (1) forks 8, a2 (1) then gets 24 - 10 = 14 before EAGAIN.
    const started = await a.request(
      "process/start",
      pipeProcess("a1", [PYTHON, "-c", FORKS, "8"], { pipeStdin: true, resources: { session: { pids: 24 } } })
    )
    expect(started.result).toEqual({ processId: "a1", sandboxType: "none" })
    await a.outputContains("a1", "DONE 8\n")
    // No limits of its own: it joins the session's memory and pids groups as well, since the session is limited.
    await a.request("process/start", pipeProcess("a2", [PYTHON, "-c", FORKS, "200"], { pipeStdin: true }))
    await a.outputContains("a2", "\nEAGAIN")
    expect(a.outputOf("a2").split("\n")[1]).toBe("EAGAIN 14")
    const group = sessionGroupOf(pidOf(a.outputOf("a2")), "pids")
    expect(sessionGroupOf(pidOf(a.outputOf("a1")), "pids")).toBe(group)
    expect(readFileSync(`/sys/fs/cgroup/pids${group}/pids.max`, "utf8").trim()).toBe("24")
    expect(readFileSync(`/sys/fs/cgroup/pids${group}/pids.current`, "utf8").trim()).toBe("24")
    // Session B is not held to A's limit.
    await b.request("process/start", pipeProcess("b1", [PYTHON, "-c", FORKS, "40"], { pipeStdin: true }))
    await b.outputContains("b1", "DONE 40\n")
    // Narrowed below what it uses (v1 takes it): the session's processes run on, a new fork fails at once.
    const below = await a.request(
      "process/start",
      pipeProcess("a3", [PYTHON, "-c", FORKS, "1"], { pipeStdin: true, resources: { session: { pids: 5 } } })
    )
    expect(below.result).toEqual({ processId: "a3", sandboxType: "none" })
    await a.outputContains("a3", "EAGAIN 0\n")
    expect(readFileSync(`/sys/fs/cgroup/pids${group}/pids.max`, "utf8").trim()).toBe("5")
    for (const id of ["a1", "a2", "a3"]) await a.request("process/write", { processId: id, chunk: line("") })
    await b.request("process/write", { processId: "b1", chunk: line("") })
    for (const id of ["a1", "a2", "a3"]) {
      const exited = await a.waitFor((m) => m.method === "process/exited" && m.params.processId === id)
      expect(exited.params.exitCode).toBe(0)
    }
    expect((await b.waitFor((m) => m.method === "process/exited" && m.params.processId === "b1")).params.exitCode).toBe(0)
    a.socket.close()
    b.socket.close()
  }, 90_000)

  it("memory: the session's second process is OOM-killed at the session's limit and told so, while another session's runs on", async () => {
    const server = await startWebSocketServer()
    const a = await RawWebSocketClient.connectReady(server.url)
    const b = await RawWebSocketClient.connectReady(server.url)
    const started = await a.request(
      "process/start",
      pipeProcess("a1", [PYTHON, "-c", HOLD, "64"], { pipeStdin: true, resources: { session: { memoryBytes: 192 << 20 } } })
    )
    expect(started.result).toEqual({ processId: "a1", sandboxType: "none" })
    await a.outputContains("a1", "held\n")
    // Session B holds more than A's whole limit.
    await b.request("process/start", pipeProcess("b1", [PYTHON, "-c", HOLD, "256"], { pipeStdin: true }))
    await b.outputContains("b1", "held\n")
    // No limit of its own: the session's is what stops it, with a1's 64 MiB counted.
    await a.request("process/start", pipeProcess("a2", [PYTHON, "-c", "b = b'x' * (1 << 30)"]))
    const exited = await a.waitFor((m) => m.method === "process/exited" && m.params.processId === "a2", 60_000)
    expect(exited.params).toMatchObject({ exitCode: 137, signal: "SIGKILL", oomKilled: true })
    expect(exited.params.peakMemoryBytes).toBeLessThan(192 << 20)
    // The kernel chose the largest of the session's processes: a1 and session B run on.
    await a.request("process/write", { processId: "a1", chunk: line("") })
    await b.request("process/write", { processId: "b1", chunk: line("") })
    expect((await a.waitFor((m) => m.method === "process/exited" && m.params.processId === "a1")).params)
      .toMatchObject({ exitCode: 0, oomKilled: false })
    expect((await b.waitFor((m) => m.method === "process/exited" && m.params.processId === "b1")).params.exitCode).toBe(0)
    await a.outputContains("a1", "ok 64\n")
    await b.outputContains("b1", "ok 256\n")
    a.socket.close()
    b.socket.close()
  }, 90_000)

  it("memory below what the session holds: cgroup v1 cannot reclaim it, so it is refused and the limits stay as they were", async () => {
    const server = await startServer()
    await server.request(
      "process/start",
      pipeProcess("a1", [PYTHON, "-c", HOLD, "64"], { pipeStdin: true, resources: { session: { memoryBytes: 256 << 20 } } })
    )
    await server.outputContains("a1", "held\n")
    const below = await server.request("process/start", pipeProcess("a2", ["true"], { resources: { session: { memoryBytes: 32 << 20 } } }))
    expect(below.error).toMatchObject({ code: -32600, data: { reason: "resourcesBelowSessionUsage" } })
    expect(below.error?.message).toContain("resources.session.memoryBytes 33554432 is below what the session's processes hold")
    // Nothing was started, and the session's limit is the one it had.
    expect((await server.request("process/list", {})).result.processes.map((p: { processId: string }) => p.processId)).toEqual(["a1"])
    await server.request("process/start", pipeProcess("look", ["sh", "-c", "grep :memory: /proc/self/cgroup | cut -d: -f3"]))
    await server.closed("look")
    const group = server.outputOf("look").toString().trim().replace(/\/process-\d+$/, "")
    expect(readFileSync(`/sys/fs/cgroup/memory${group}/memory.limit_in_bytes`, "utf8").trim()).toBe(`${256 << 20}`)
    await server.request("process/write", { processId: "a1", chunk: line("") })
    await server.outputContains("a1", "ok 64\n")
  }, 60_000)

  it("a session's limits only narrow: above the operator's ceiling, wider than before, or a process above them is refused", async () => {
    const server = await startServer(["--session-memory-max", "256M"], { handshake: false })
    const initialized = await server.request("initialize", { clientName: "session-limits" })
    server.send({ method: "initialized", params: {} })
    expect(initialized.result.limits.resources).toEqual({
      available: true,
      cgroup: "v1",
      process: {},
      session: { memoryBytes: 256 << 20 },
      sessionRequests: true
    })
    const aboveCeiling = await server.request("process/start", pipeProcess("w", ["true"], { resources: { session: { memoryBytes: 512 << 20 } } }))
    expect(aboveCeiling.error).toMatchObject({ code: -32600, data: { reason: "resourcesAboveCeiling" } })
    expect(aboveCeiling.error?.message).toContain("--session-memory-max")
    const ownLimits = "p=$(grep :pids: /proc/self/cgroup | cut -d: -f3); cat /sys/fs/cgroup/pids${p%/process-*}/pids.max"
    await server.request("process/start", pipeProcess("n1", ["sh", "-c", ownLimits], { resources: { session: { pids: 50 } } }))
    await server.closed("n1")
    expect(server.outputOf("n1").toString()).toBe("50\n")
    const wider = await server.request("process/start", pipeProcess("w", ["true"], { resources: { session: { pids: 60 } } }))
    expect(wider.error).toMatchObject({ code: -32600, data: { reason: "resourcesAboveSessionLimit" } })
    expect(wider.error?.message).toContain("resources.session.pids 60 is above the session's pids limit 50")
    const processAbove = await server.request("process/start", pipeProcess("w", ["true"], { resources: { pids: 80 } }))
    expect(processAbove.error).toMatchObject({ code: -32600, data: { reason: "resourcesAboveSessionLimit" } })
    // The same limit again, and a narrower one, are taken.
    await server.request("process/start", pipeProcess("n2", ["sh", "-c", ownLimits], { resources: { session: { pids: 50 } } }))
    await server.closed("n2")
    await server.request("process/start", pipeProcess("n3", ["sh", "-c", ownLimits], { resources: { session: { pids: 40 } } }))
    await server.closed("n3")
    expect([server.outputOf("n2").toString(), server.outputOf("n3").toString()]).toEqual(["50\n", "40\n"])
    expect((await server.request("process/list", {})).result.processes.map((p: { processId: string }) => p.processId))
      .toEqual(["n1", "n2", "n3"])
  }, 60_000)

  it("while a process of the session runs outside its cgroup a request is refused; once it has ended, later processes join", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("u", ["sh", "-c", "read line"], { pipeStdin: true }))
    const refused = await server.request("process/start", pipeProcess("w", ["true"], { resources: { session: { pids: 50 } } }))
    expect(refused.error).toMatchObject({ code: -32600, data: { reason: "sessionProcessesOutsideCgroup" } })
    expect(refused.error?.message).toContain("1 process of this session started without limits runs where its limits do not reach")
    await server.request("process/write", { processId: "u", chunk: line("") })
    await server.closed("u")
    const ownGroup = "grep :pids: /proc/self/cgroup | cut -d: -f3"
    await server.request("process/start", pipeProcess("l", ["sh", "-c", ownGroup], { resources: { session: { pids: 50 } } }))
    await server.closed("l")
    // Unlimited: in the session's memory and pids groups too since its limits were asked (v1 joins its freezer group alone before).
    await server.request("process/start", pipeProcess("later", ["sh", "-c", ownGroup]))
    await server.closed("later")
    expect(server.outputOf("l").toString()).toMatch(/\/exec-server\.[^/]+\/session-\d+\n$/)
    expect(server.outputOf("later").toString()).toBe(server.outputOf("l").toString())
  }, 60_000)

  it("where limits are unavailable a request for the session's is refused", async () => {
    const services = TestServer.layer({ spawner: NodeSpawner.layer }).pipe(
      Layer.merge(Layer.succeed(ResourceLimits, unavailable("no cgroups in this test")))
    )
    const refused = await Effect.runPromise(Effect.gen(function*() {
      const client = yield* ExecServerClient
      return yield* Effect.flip(client.call("process/start", {
        ...pipeProcess("limited", ["true"]),
        pipeStdin: false,
        resources: { session: { pids: 10 } }
      }))
    }).pipe(Effect.provide(InProcessClient.layer().pipe(Layer.provide(services))), Effect.scoped))
    expect(refused).toMatchObject({ _tag: "ExecServer/InvalidRequest", reason: "resourcesUnavailable" })
    expect(refused.message).toContain("no cgroups in this test")
  })
})
