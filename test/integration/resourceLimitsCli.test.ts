/**
 * The command-line client's resource limits against a server in this
 * process on this machine's real cgroups (v1 here): `exec --memory` is
 * `process/start.resources` and an OOM kill is said and exits 137, a
 * refusal exits 125, `ps` shows a limited process's memory and CPU time,
 * and /metrics counts the OOM kills and the refusals. The client is the
 * built binary, run without blocking this process (the server is in it).
 */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { SERVER_BIN } from "../support/StdioServer.js"
import { useTempDirs } from "../support/tempDirs.js"
import { httpRequest, RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const startServer = useInProcessWebSocketServers()
const tempDir = useTempDirs("limits-cli-")
const TOKEN = "limits-cli-test-token-5d41402abc4b"

/** The client's binary run on `args` to its end, without blocking this process. */
const cli = (...args: ReadonlyArray<string>) =>
  new Promise<{ readonly status: number | null; readonly stdout: string; readonly stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.on("error", reject)
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  })

/** A server with a token (for /metrics), its token file and the client's flags for it. */
const tokenServer = async (args: ReadonlyArray<string> = []) => {
  const tokenFile = Path.join(tempDir(), "token")
  writeFileSync(tokenFile, TOKEN)
  const server = await startServer(["--ws-token-file", tokenFile, ...args])
  return { server, tokenFile }
}

/** A metric's value in a scrape (0 when it has no series yet: a metric is exported once it is first updated). */
const scraped = async (url: string, name: string, labels = ""): Promise<number> => {
  const scrape = await httpRequest(url, "/metrics", { headers: { authorization: `Bearer ${TOKEN}` } })
  expect(scrape.status).toBe(200)
  const line = scrape.body.split("\n").find((entry) => entry.startsWith(`${name}{`) && entry.includes(labels) || entry.startsWith(`${name} `))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1))
}

describe("exec-server exec and ps with resource limits (cgroup v1 on this machine)", { timeout: 120_000 }, () => {
  it("exec --memory 64M: a python allocating 1 GiB is OOM-killed, the client says so and exits 137, and /metrics counts it", async () => {
    const { server, tokenFile } = await tokenServer()
    // The registry is the test process's: what other servers of this file counted stays in it.
    const before = await scraped(server.url, "exec_server_processes_oom_killed_total")
    const run = await cli("exec", "--token-file", tokenFile, "--memory", "64M", server.url, "--", "python3", "-c", "b = bytearray(1 << 30)")
    expect([run.status, run.stderr]).toEqual([137, "exec-server: killed by the kernel's OOM killer at its memory limit\n"])
    expect(await scraped(server.url, "exec_server_processes_oom_killed_total")).toBe(before + 1)
    // Under its limit, the same client's command runs as any other.
    const fits = await cli("exec", "--token-file", tokenFile, "-m", "64M", "--pids-limit", "16", "--cpus", "0.5", server.url, "--", "sh", "-c", "echo fits")
    expect([fits.status, fits.stdout, fits.stderr]).toEqual([0, "fits\n", ""])
  })

  it("/metrics counts an OOM kill of a process started on the wire, its CPU time and its peak memory", async () => {
    const { server } = await tokenServer()
    const before = await scraped(server.url, "exec_server_processes_oom_killed_total")
    const cpuBefore = await scraped(server.url, "exec_server_processes_cpu_seconds_total")
    const peaksBefore = await scraped(server.url, "exec_server_process_peak_memory_bytes_count")
    const peakSumBefore = await scraped(server.url, "exec_server_process_peak_memory_bytes_sum")
    const client = await RawWebSocketClient.connectReady(server.url, { authorization: `Bearer ${TOKEN}` })
    const hog = pipeProcess("hog", ["python3", "-c", "b = bytearray(1 << 30)"], { resources: { memoryBytes: 64 << 20 } })
    expect((await client.request("process/start", hog)).result).toEqual({ processId: "hog", sandboxType: "none" })
    const exited = await client.waitFor((m) => m.method === "process/exited" && m.params.processId === "hog", 60_000)
    expect(exited.params).toMatchObject({ exitCode: 137, oomKilled: true })
    // Counted as the process closes.
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "hog")
    expect(await scraped(server.url, "exec_server_processes_oom_killed_total")).toBe(before + 1)
    // Filling 64 MiB takes CPU time, and its cgroup's peak is near its limit.
    expect(await scraped(server.url, "exec_server_processes_cpu_seconds_total")).toBeGreaterThan(cpuBefore)
    expect(await scraped(server.url, "exec_server_process_peak_memory_bytes_count")).toBe(peaksBefore + 1)
    expect(await scraped(server.url, "exec_server_process_peak_memory_bytes_sum") - peakSumBefore).toBeGreaterThan(32 << 20)
    client.socket.close()
  })

  it("exec above the operator's ceiling is refused in one line, exit 125, and counted; a bad size is a usage error", async () => {
    const { server, tokenFile } = await tokenServer(["--process-memory-max", "32M"])
    const before = await scraped(server.url, "exec_server_resource_refusals_total", 'reason="resourcesAboveCeiling"')
    const run = await cli("exec", "--token-file", tokenFile, "--memory", "64M", server.url, "--", "true")
    expect(run.status).toBe(125)
    expect(run.stderr).toMatch(/^exec-server: refused: resources\.memoryBytes 67108864 is above the operator's ceiling 33554432 \(--process-memory-max\)[^\n]*\n$/)
    expect(await scraped(server.url, "exec_server_resource_refusals_total", 'reason="resourcesAboveCeiling"')).toBe(before + 1)
    const bad = await cli("exec", "--token-file", tokenFile, "--memory", "12Q", server.url, "--", "true")
    expect([bad.status, bad.stderr]).toEqual([2, "exec-server: --memory 12Q: a size of at least 1M (512M, 2G, or bytes) is expected\n"])
  })

  it("ps shows a limited live process's memory and CPU time; process/list and /metrics give them", async () => {
    const { server, tokenFile } = await tokenServer()
    const client = await RawWebSocketClient.connect(server.url, { authorization: `Bearer ${TOKEN}` })
    const session = (await client.request("initialize", { clientName: "setup", detachTtlMs: 60_000 })).result.sessionId as string
    client.send({ method: "initialized", params: {} })
    // 32 MiB held (and touched) until stdin closes.
    const holder = ["python3", "-c", "import sys; b = bytearray(32 << 20); print('held', flush=True); sys.stdin.read()"]
    expect((await client.request("process/start", pipeProcess("held", holder, { pipeStdin: true, resources: { memoryBytes: 256 << 20 } }))).result)
      .toEqual({ processId: "held", sandboxType: "none" })
    await client.waitFor((m) => m.method === "process/output" && Buffer.from(m.params.chunk, "base64").toString().includes("held"))
    const listed = (await client.request("process/list", {})).result.processes[0]
    expect(listed).toMatchObject({ processId: "held", running: true })
    expect(listed.memoryBytes).toBeGreaterThanOrEqual(32 << 20)
    expect(listed.memoryBytes).toBeLessThanOrEqual(256 << 20)
    expect(typeof listed.cpuTimeMs).toBe("number")
    // Server-wide, the memory of every session's cgroup, read as /metrics is scraped.
    expect(await scraped(server.url, "exec_server_session_cgroups_memory_bytes")).toBeGreaterThanOrEqual(32 << 20)
    // A short limited process: once it has exited its figures are gone from the list, they are a live process's.
    expect((await client.request("process/start", pipeProcess("done", ["true"], { resources: { memoryBytes: 256 << 20 } }))).result)
      .toEqual({ processId: "done", sandboxType: "none" })
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "done")
    const done = (await client.request("process/list", {})).result.processes.find((entry: { processId: string }) => entry.processId === "done")
    expect(done).toMatchObject({ processId: "done", running: false })
    expect(done.memoryBytes).toBeUndefined()
    // ps lists a detached session's processes: this client goes, its session stays.
    await new Promise<void>((resolve) => {
      client.socket.once("close", () => resolve())
      client.socket.close()
    })
    const ps = await cli("ps", "--token-file", tokenFile, server.url, "--session", session)
    expect([ps.status, ps.stderr]).toEqual([0, ""])
    expect(ps.stdout).toMatch(/^PROCESS +PID +STATUS +TTY +MEM +CPU +COMMAND$/m)
    const row = /^held +\d+ +running +no +(\d+\.\d)M +(\d+\.\d\d)s +python3 -c /m.exec(ps.stdout)
    expect(row, ps.stdout).not.toBeNull()
    expect(Number(row![1])).toBeGreaterThanOrEqual(32)
    expect(ps.stdout).toMatch(/^done +\d+ +exited 0 +no +- +- +true$/m)
  })
})
