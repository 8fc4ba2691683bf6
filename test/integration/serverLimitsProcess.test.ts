/**
 * Limits of the whole server where a process of its own is needed: a
 * server under a small open-file limit (RLIMIT_NOFILE is the process's),
 * and /metrics of the limits, whose counters are the process's registry (a
 * server in the test's process shares it with every server the file
 * started before: 16 session refusals counted, not 1).
 * serverLimits.test.ts has the rest, on a server in process.
 */
import { describe, expect, it } from "vitest"
import { connect, drop, sleeper } from "../support/serverLimits.js"
import { pipeProcess } from "../support/StdioServer.js"
import { useWebSocketServers } from "../support/WebSocketServer.js"

const startWebSocketServer = useWebSocketServers()

describe("live processes over all sessions", () => {
  it("a server under a small open-file limit refuses processes and file handles with -32001 before it runs out of descriptors (EMFILE)", async () => {
    // 256 descriptors: by default at most 32 live processes and 64 file handles.
    const server = await startWebSocketServer([], { openFileLimit: 256 })
    // The case at small scale: detached sessions holding file handles.
    for (let session = 0; session < 4; session++) {
      const { client } = await connect(server.url, { detachTtlMs: 60_000 })
      for (let i = 0; i < 16; i++) {
        expect((await client.request("fs/open", { handleId: `h${i}`, path: "/etc/hostname" })).result).toBeDefined()
      }
      await drop(client)
    }
    const { client } = await connect(server.url)
    const refused = await client.request("fs/open", { handleId: "one-more", path: "/etc/hostname" })
    expect(refused.error).toMatchObject({ code: -32001, data: { retryable: true, limit: "fileHandles" } })
    // Processes still start, up to their own limit, which is refused the same way; none fails with EMFILE.
    const answers = []
    for (let i = 0; i < 40; i++) answers.push(await client.request("process/start", pipeProcess(`p${i}`, ["sleep", "60"], { pipeStdin: true })))
    expect(answers.slice(0, 32).map((answer) => answer.error)).toEqual(Array(32).fill(undefined))
    expect(answers.slice(32).map((answer) => answer.error?.code)).toEqual(Array(8).fill(-32001))
    expect(answers.slice(32)[0].error.data).toEqual({ retryable: true, limit: "liveProcesses" })
    // And the server still has descriptors for what it does itself.
    const read = await client.request("fs/readFile", { path: "/etc/hostname" })
    expect(read.result.dataBase64).toEqual(expect.any(String))
  })
})

describe("metrics of the limits", () => {
  it("/metrics reports each limit, the handles and live output in use, evictions, and refusals by resource", async () => {
    const server = await startWebSocketServer([
      "--max-sessions",
      "2",
      "--max-live-processes",
      "1",
      "--max-server-file-handles",
      "1",
      "--max-live-output-bytes",
      "1000"
    ])
    const { client } = await connect(server.url)
    // Two chunks whatever the load: END only once the 3,000 bytes have arrived (the budget never evicts the newest chunk).
    await client.request(
      "process/start",
      pipeProcess("loud", ["sh", "-c", "head -c 3000 /dev/zero | tr '\\0' x; read line; echo END; exec sleep 60"], { pipeStdin: true })
    )
    await client.outputContains("loud", "x".repeat(3000))
    await client.request("process/write", { processId: "loud", chunk: Buffer.from("\n").toString("base64") })
    await client.outputContains("loud", "END")
    expect((await client.request("process/start", sleeper("refused"))).error?.code).toBe(-32001)
    expect((await client.request("fs/open", { handleId: "h", path: "/etc/hostname" })).result).toBeDefined()
    expect((await client.request("fs/open", { handleId: "h2", path: "/etc/hostname" })).error?.code).toBe(-32001)
    await connect(server.url)
    expect((await connect(server.url)).response.error?.code).toBe(-32001)

    const scrape = await fetch(`${server.url.replace("ws://", "http://")}/metrics`)
    const text = await scrape.text()
    const value = (name: string, labels = "") => {
      const line = text.split("\n").find((entry) =>
        (entry.startsWith(`${name}{`) || entry.startsWith(`${name} `)) && entry.includes(labels)
      )
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1))
    }
    expect(value("exec_server_limit", 'resource="sessions"')).toBe(2)
    expect(value("exec_server_limit", 'resource="liveProcesses"')).toBe(1)
    expect(value("exec_server_limit", 'resource="fileHandles"')).toBe(1)
    expect(value("exec_server_limit", 'resource="liveOutputBytes"')).toBe(1000)
    expect(value("exec_server_limit_refusals_total", 'resource="sessions"')).toBe(1)
    expect(value("exec_server_limit_refusals_total", 'resource="liveProcesses"')).toBe(1)
    expect(value("exec_server_limit_refusals_total", 'resource="fileHandles"')).toBe(1)
    expect(value("exec_server_errors_total", 'code="-32001"')).toBe(3)
    expect(value("exec_server_file_handles")).toBe(1)
    expect(value("exec_server_processes_running")).toBe(1)
    const live = value("exec_server_live_output_bytes")!
    expect(live).toBeGreaterThan(0)
    expect(live).toBeLessThanOrEqual(1000)
    expect(value("exec_server_live_output_evicted_bytes_total")).toBe(3004 - live)
    expect(value("exec_server_sessions", 'state="attached"')).toBe(2)
  })
})
