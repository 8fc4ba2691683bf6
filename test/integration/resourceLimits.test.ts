/**
 * Resource limits on this machine's real cgroups (v1 here; docs/SANDBOX.md,
 * "What is limited"), with servers in this process: a process over its
 * memory limit is OOM-killed and says so while another session runs on, a
 * fork bomb meets its pids limit and its session still ends, a daemonized
 * grandchild dies with its session (an unlimited process's too, in its
 * session's groups by default; in none under `--no-session-cgroups`), a client cannot widen the operator's
 * ceiling, and without cgroups a limited start is refused; a gone server's
 * session group it left frozen is thawed, emptied and removed. Each server
 * removes its cgroups as it stops (after each test, whatever its outcome);
 * the tests look only at their own processes' groups, as other tests run
 * beside them. Each runs on the server's own children and on children kept
 * by holders (`--keep-processes`).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { ExecServerClient } from "../../src/client/ExecServerClient.js"
import { nodeCgroupFiles, removeStaleRoots } from "../../src/limits/cgroupFiles.js"
import { launcherArgv } from "../../src/limits/launcher.js"
import { unavailable, ResourceLimits } from "../../src/limits/ResourceLimits.js"
import * as NodeSpawner from "../../src/process/NodeSpawner.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as TestServer from "../../src/testing/TestServer.js"
import { useInProcessServers, useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { cgroupOf, useStrays } from "../support/cgroups.js"
import { useTempDirs } from "../support/tempDirs.js"
import { eventually, isAlive } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess, ptyProcess } from "../support/WireClient.js"

const startInProcessServer = useInProcessServers()
const startInProcessWebSocketServer = useInProcessWebSocketServers()
const tempDir = useTempDirs("resource-limits-")

/** Pids a test made that must not outlive it, whatever its outcome. */
const strays = useStrays()

const pidsDir = (path: string) => `/sys/fs/cgroup/pids${path}`

// The same limits on the server's own children and on children kept by holders (which join the cgroups themselves).
describe.each([
  { spawner: "the server's children", keep: false },
  { spawner: "children kept by holders (--keep-processes)", keep: true }
])("resource limits (cgroup v1 on this machine): $spawner", ({ keep }) => {
  const keepFlags = (): Array<string> => keep ? ["--keep-processes", "--state-dir", Path.join(tempDir(), "state")] : []
  const startServer = (args: ReadonlyArray<string> = [], options: { readonly handshake?: boolean } = {}) =>
    startInProcessServer([...keepFlags(), ...args], options)
  const startWebSocketServer = () => startInProcessWebSocketServer(keepFlags())

  it("a process over its 128 MiB limit is OOM-killed and told so, while another session's process runs on", async () => {
    const server = await startWebSocketServer()
    const a = await RawWebSocketClient.connectReady(server.url)
    const b = await RawWebSocketClient.connectReady(server.url)
    expect((await b.request("process/start", pipeProcess("b", ["sh", "-c", "read line; echo alive $line"], { pipeStdin: true }))).result)
      .toEqual({ processId: "b", sandboxType: "none" })
    expect(
      (await a.request("process/start", pipeProcess("a", ["python3", "-c", "b = bytearray(1 << 30)"], { resources: { memoryBytes: 128 << 20 } })))
        .result
    ).toEqual({ processId: "a", sandboxType: "none" })
    const exited = await a.waitFor((m) => m.method === "process/exited" && m.params.processId === "a", 60_000)
    // The kernel's SIGKILL, as it made it, and the cgroup's word that it was the OOM killer.
    expect(exited.params).toMatchObject({ exitCode: 137, signal: "SIGKILL", oomKilled: true })
    expect(exited.params.peakMemoryBytes).toBeLessThanOrEqual(128 << 20)
    expect(exited.params.peakMemoryBytes).toBeGreaterThan(0)
    expect(typeof exited.params.cpuTimeMs).toBe("number")
    await b.request("process/write", { processId: "b", chunk: Buffer.from("still\n").toString("base64") })
    const bExited = await b.waitFor((m) => m.method === "process/exited" && m.params.processId === "b")
    // Unlimited, its exit reads as it always has.
    expect(bExited.params).toEqual({ processId: "b", seq: bExited.params.seq, exitCode: 0, signal: null, sandboxDenied: false })
    expect(b.outputOf("b")).toBe("alive still\n")
    a.socket.close()
    b.socket.close()
  }, 90_000)

  it("a sandboxed process on a terminal is held to its limit too: the launcher joins the cgroups before bubblewrap runs", async () => {
    const server = await startServer()
    const started = await server.request(
      "process/start",
      ptyProcess("s", ["python3", "-c", "b = bytearray(1 << 30)"], { sandbox: { writableRoots: ["/tmp"] }, resources: { memoryBytes: 64 << 20 } })
    )
    expect(started.result).toEqual({ processId: "s", sandboxType: "linuxSeccomp" })
    const exited = await server.waitFor((m) => m.method === "process/exited" && m.params.processId === "s", 60_000)
    expect(exited.params.oomKilled).toBe(true)
    expect(exited.params.exitCode).not.toBe(0)
  }, 90_000)

  it("a fork bomb under pids: 64 meets its limit, and its session's end kills it all", async () => {
    const server = await startServer()
    // The bomb waits for a word first: it goes off only once its pids group is seen to be there.
    const bomb = "echo $$; read go; f() { f | f & }; f; wait"
    await server.request("process/start", pipeProcess("bomb", ["sh", "-c", bomb], { pipeStdin: true, resources: { pids: 64 } }))
    await server.outputContains("bomb", "\n")
    const pid = Number(server.outputOf("bomb").toString().trim())
    const group = cgroupOf(pid, "pids")
    expect(group).toMatch(/\/exec-server\.[^/]+\/session-\d+\/process-\d+$/)
    expect(readFileSync(`${pidsDir(group!)}/pids.max`, "utf8").trim()).toBe("64")
    await server.request("process/write", { processId: "bomb", chunk: Buffer.from("go\n").toString("base64") })
    // The kernel refused forks at the limit (EAGAIN): its count of refusals rose.
    const refused = () => Number(readFileSync(`${pidsDir(group!)}/pids.events`, "utf8").match(/max (\d+)/)?.[1] ?? 0) > 0
    expect(await eventually(refused, 30_000)).toBe(true)
    expect(Number(readFileSync(`${pidsDir(group!)}/pids.current`, "utf8"))).toBeLessThanOrEqual(64)
    const session = group!.replace(/\/process-\d+$/, "")
    // The session ends with its connection: everything in its group is killed and the group removed.
    await server.close()
    expect(await eventually(() => !isAlive(pid), 30_000)).toBe(true)
    expect(() => readFileSync(`${pidsDir(session)}/cgroup.procs`)).toThrow(/ENOENT/)
  }, 90_000)

  it("a grandchild that left the process group (setsid, &) is gone once its session ends", async () => {
    // An operator's session limit puts every process of a session in its cgroup.
    const server = await startServer(["--session-pids-max", "10000"])
    await server.request("process/start", pipeProcess("d", ["sh", "-c", "setsid sh -c 'sleep 300 & echo $!'"]))
    await server.closed("d")
    const pid = Number(server.outputOf("d").toString().trim())
    strays.push(pid)
    expect(isAlive(pid)).toBe(true)
    // Its session's limit binds it: it is in the session's pids group (its process's leaf, under
    // the process ceiling the session's limit makes), not only its freezer.
    expect(cgroupOf(pid, "pids")).toMatch(/\/exec-server\.[^/]+\/session-\d+\/process-\d+$/)
    await server.close()
    expect(await eventually(() => !isAlive(pid), 30_000)).toBe(true)
  })

  it("by default an unlimited process's daemonized grandchild is in its session's cgroup and gone once its session ends", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("d", ["sh", "-c", "setsid sh -c 'sleep 300 & echo $!'"]))
    const exited = await server.waitFor((m) => m.method === "process/exited" && m.params.processId === "d")
    // Unlimited: its exit reads as it always has (no usage fields).
    expect(exited.params).toEqual({ processId: "d", seq: exited.params.seq, exitCode: 0, signal: null, sandboxDenied: false })
    await server.closed("d")
    const pid = Number(server.outputOf("d").toString().trim())
    strays.push(pid)
    expect(isAlive(pid)).toBe(true)
    // In the session's own group, no leaf made for it: the freezer's, which ends it with its session
    // (a session without limits bounds nothing else).
    expect(cgroupOf(pid, "freezer")).toMatch(/\/exec-server\.[^/]+\/session-\d+$/)
    expect(cgroupOf(pid, "pids")).not.toMatch(/exec-server\./)
    await server.close()
    expect(await eventually(() => !isAlive(pid), 30_000)).toBe(true)
  }, 60_000)

  it("--no-session-cgroups: an unlimited process is in no cgroup of the server's, and a limited one has its own", async () => {
    const server = await startServer(["--no-session-cgroups"])
    const ownPids = "grep :pids: /proc/self/cgroup | cut -d: -f3"
    await server.request("process/start", pipeProcess("u", ["sh", "-c", ownPids]))
    await server.closed("u")
    expect(server.outputOf("u").toString()).not.toMatch(/exec-server\./)
    await server.request("process/start", pipeProcess("l", ["sh", "-c", ownPids], { resources: { pids: 50 } }))
    await server.closed("l")
    expect(server.outputOf("l").toString()).toMatch(/\/exec-server\.[^/]+\/session-\d+\/process-\d+\n$/)
  }, 60_000)

  it("a client may narrow the operator's ceiling and never widen it", async () => {
    const server = await startServer(["--process-memory-max", "256M", "--process-pids-max", "100"], { handshake: false })
    const initialized = await server.request("initialize", { clientName: "narrow" })
    server.send({ method: "initialized", params: {} })
    expect(initialized.result.limits.resources).toEqual({
      available: true,
      cgroup: "v1",
      process: { memoryBytes: 256 << 20, pids: 100 },
      session: {},
      sessionRequests: true
    })
    const wider = await server.request("process/start", pipeProcess("w", ["true"], { resources: { memoryBytes: 512 << 20 } }))
    expect(wider.error).toMatchObject({ code: -32600, data: { reason: "resourcesAboveCeiling" } })
    expect(wider.error?.message).toContain("--process-memory-max")
    const morePids = await server.request("process/start", pipeProcess("w", ["true"], { resources: { pids: 101 } }))
    expect(morePids.error).toMatchObject({ code: -32600, data: { reason: "resourcesAboveCeiling" } })
    // Narrower is taken; what it does not ask is the operator's.
    const ownLimits = "m=$(grep :memory: /proc/self/cgroup | cut -d: -f3); p=$(grep :pids: /proc/self/cgroup | cut -d: -f3); " +
      "cat /sys/fs/cgroup/memory$m/memory.limit_in_bytes /sys/fs/cgroup/pids$p/pids.max"
    await server.request("process/start", pipeProcess("n", ["sh", "-c", ownLimits], { resources: { memoryBytes: 64 << 20 } }))
    const exited = await server.waitFor((m) => m.method === "process/exited" && m.params.processId === "n")
    expect(exited.params).toMatchObject({ exitCode: 0, oomKilled: false })
    await server.closed("n")
    expect(server.outputOf("n").toString()).toBe(`${64 << 20}\n100\n`)
    expect((await server.request("process/list", {})).result.processes.map((p: { processId: string }) => p.processId)).toEqual(["n"])
  })

})

describe("resource limits unavailable", () => {
  it("where limits are unavailable a limited start is refused and an unlimited one runs", async () => {
    const services = TestServer.layer({ spawner: NodeSpawner.layer }).pipe(
      Layer.merge(Layer.succeed(ResourceLimits, unavailable("no cgroups in this test")))
    )
    const [initialized, refused, exited] = await Effect.runPromise(Effect.gen(function*() {
      const client = yield* ExecServerClient
      const refused = yield* Effect.flip(client.call("process/start", {
        ...pipeProcess("limited", ["true"]),
        pipeStdin: false,
        resources: { memoryBytes: 64 << 20 }
      }))
      yield* client.call("process/start", { ...pipeProcess("plain", ["sh", "-c", "exit 7"]), pipeStdin: false })
      let read = yield* client.call("process/read", { processId: "plain", waitMs: 10_000 })
      while (!read.exited) read = yield* client.call("process/read", { processId: "plain", afterSeq: read.nextSeq - 1, waitMs: 10_000 })
      return [client.server, refused, read.exitCode] as const
    }).pipe(Effect.provide(InProcessClient.layer().pipe(Layer.provide(services))), Effect.scoped))
    expect(initialized.limits?.resources).toEqual({
      available: false,
      reason: "no cgroups in this test",
      process: {},
      session: {},
      sessionRequests: true
    })
    expect(refused).toMatchObject({ _tag: "ExecServer/InvalidRequest", reason: "resourcesUnavailable" })
    expect(refused.message).toContain("no cgroups in this test")
    expect(exited).toBe(7)
  })
})

describe("the groups of a server that is gone (cgroup v1 on this machine)", () => {
  it("a group it left frozen (killed between its freeze and its thaw) is thawed, emptied and removed by the next server's start", async () => {
    // A parent of its own: the other test files' servers clean the gone servers' groups of the worker's cgroup as they start.
    const parent = `/sys/fs/cgroup/freezer${cgroupOf(process.pid, "freezer")}`.replace(/\/$/, "") + `/frozen-test-${randomBytes(4).toString("hex")}`
    mkdirSync(parent)
    const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" })
    const stale = `${parent}/exec-server.${gone.stdout.trim()}.${randomBytes(4).toString("hex")}`
    // Its session's group, frozen as a session's kill freezes it.
    const session = `${stale}/session-1`
    mkdirSync(session, { recursive: true })
    try {
      const [file, args] = launcherArgv([`${session}/cgroup.procs`], "/bin/sh", ["sh", "-c", "sleep 300 > /dev/null & echo $!"])
      const child = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"] })
      let output = ""
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => void (output += chunk))
      await new Promise((resolve) => child.on("close", resolve))
      const pid = Number(output.trim())
      strays.push(pid)
      expect(cgroupOf(pid, "freezer")).toBe(session.slice("/sys/fs/cgroup/freezer".length))
      writeFileSync(`${session}/freezer.state`, "FROZEN")
      expect(await eventually(() => readFileSync(`${session}/freezer.state`, "utf8").trim() === "FROZEN", 30_000)).toBe(true)
      removeStaleRoots(nodeCgroupFiles, parent)
      expect(await eventually(() => !isAlive(pid), 30_000)).toBe(true)
      expect(existsSync(stale)).toBe(false)
    } finally {
      for (const dir of [session, stale, parent].filter((dir) => existsSync(dir))) {
        writeFileSync(`${dir}/freezer.state`, "THAWED")
        for (const pid of readFileSync(`${dir}/cgroup.procs`, "utf8").split("\n").filter(Boolean)) {
          try {
            process.kill(Number(pid), "SIGKILL")
          } catch {
            // Gone.
          }
        }
        await eventually(() => {
          try {
            rmdirSync(dir)
            return true
          } catch {
            return false
          }
        }, 10_000)
      }
    }
  }, 60_000)
})
