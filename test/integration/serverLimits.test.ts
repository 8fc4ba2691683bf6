/**
 * Limits of the whole server, over all sessions, against real servers: the
 * per-session limits multiply with sessions (and detached sessions hold no
 * connection), so sessions, live processes, file handles and the output
 * live processes retain are bounded server-wide. Refusals are a retryable
 * -32001; what ends frees its place (the server in process, on src/; an
 * open-file limit and the metrics of a process of its own:
 * serverLimitsProcess.test.ts).
 */
import { describe, expect, it } from "vitest"
import { useInProcessServers, useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { eventually } from "../support/waiting.js"
import { RawWebSocketClient, upgradeStatus } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"
import { connect, drop, sleeper } from "../support/serverLimits.js"

const startWebSocketServer = useInProcessWebSocketServers()
const startStdioServer = useInProcessServers()

/** Sends `request` until it is not refused as busy (as a client does with a retryable error); its last answer. */
const retryWhileBusy = async (request: () => Promise<any>, timeoutMs = 10_000): Promise<any> => {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const answer = await request()
    if (answer.error?.code !== -32001 || Date.now() > deadline) return answer
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe("connections that never initialize", () => {
  it("are closed after --handshake-timeout-ms, so that they cannot hold every place (--max-connections): one that initialized stays", async () => {
    const server = await startWebSocketServer(["--handshake-timeout-ms", "500", "--max-connections", "4", "--max-connections-per-client", "4"])
    const { client: working } = await connect(server.url)
    const idle = await Promise.all([0, 1, 2].map(() => RawWebSocketClient.connect(server.url)))
    const closed = Promise.all(idle.map((client) => new Promise((resolve) => client.socket.once("close", resolve))))
    // Every place is taken: one more is refused until the idle ones are gone.
    expect(await upgradeStatus(server.url)).toBe(503)
    await closed
    const { response } = await connect(server.url)
    expect(response.result?.sessionId).toBeDefined()
    // The one that initialized long before is still served.
    expect((await working.request("process/list", {})).result).toEqual({ processes: [] })
    expect(await eventually(() => server.stderr().includes("no initialize in time"))).toBe(true)
  })
})

describe("sessions over the server", () => {
  it("--max-sessions counts detached sessions; beyond it initialize is -32001 (retryable), the connection stays usable and succeeds once one ends", async () => {
    const server = await startWebSocketServer(["--max-sessions", "3"])
    const kept: Array<string> = []
    // As in the issue: sessions that detach hold no connection, and keep their processes.
    for (const ttl of [60_000, 60_000, 1_000]) {
      const { client, response } = await connect(server.url, { detachTtlMs: ttl })
      expect((await client.request("process/start", sleeper("p"))).result).toBeDefined()
      kept.push(response.result.sessionId)
      await drop(client)
    }
    const { client, response } = await connect(server.url)
    expect(response.error).toMatchObject({ code: -32001, data: { retryable: true, limit: "sessions" } })
    expect(response.error.message).toContain("--max-sessions")
    // The connection goes on, without a session yet.
    expect((await client.request("process/list", {})).error).toMatchObject({ code: -32600 })
    // A detached session can still be resumed: that takes no new place.
    const resumed = await connect(server.url, { resumeSessionId: kept[0] })
    expect(resumed.response.result.sessionId).toBe(kept[0])
    expect((await resumed.client.request("process/list", {})).result.processes).toHaveLength(1)
    // The third session's TTL ends: the refused connection's initialize now succeeds.
    const retried = await retryWhileBusy(() => client.request("initialize", { clientName: "limits-test" }))
    expect(retried.result.sessionId).toEqual(expect.any(String))
    client.send({ method: "initialized", params: {} })
    expect((await client.request("process/list", {})).result.processes).toEqual([])
  })
})

describe("live processes over all sessions", () => {
  it("--max-live-processes bounds the processes of every session, detached included: -32001 beyond it, and a closed process frees a place at once", async () => {
    const server = await startWebSocketServer(["--max-live-processes", "5", "--dropped-session-ttl-ms", "0"])
    const detached = await connect(server.url, { detachTtlMs: 60_000 })
    for (const id of ["d1", "d2"]) expect((await detached.client.request("process/start", sleeper(id))).result).toBeDefined()
    await drop(detached.client)
    const a = (await connect(server.url)).client
    const b = (await connect(server.url)).client
    for (const id of ["a1", "a2"]) expect((await a.request("process/start", sleeper(id))).result).toBeDefined()
    expect((await b.request("process/start", sleeper("b1"))).result).toBeDefined()
    for (const [client, id] of [[a, "a3"], [b, "b2"]] as const) {
      const refused = await client.request("process/start", sleeper(id))
      expect(refused.error).toMatchObject({ code: -32001, data: { retryable: true, limit: "liveProcesses" } })
      expect(refused.error.message).toContain("--max-live-processes")
    }
    // Nothing was started or claimed: the id is free, nothing listed.
    expect((await b.request("process/list", {})).result.processes.map((p: any) => p.processId)).toEqual(["b1"])
    // A process that ends frees its place by the time its `closed` arrives.
    await a.request("process/terminate", { processId: "a1", mode: "force" })
    await a.waitFor((m) => m.method === "process/closed" && m.params.processId === "a1")
    expect((await b.request("process/start", sleeper("b2"))).result).toEqual({ processId: "b2", sandboxType: "none" })
    expect((await b.request("process/start", sleeper("b3"))).error?.code).toBe(-32001)
    // A session that ends frees what its processes held.
    await drop(a)
    expect((await retryWhileBusy(() => b.request("process/start", sleeper("b3")))).result).toBeDefined()
    expect((await b.request("process/start", pipeProcess("b4", ["true"]))).error?.code).toBe(-32001)
  })
})

describe("file handles over all sessions", () => {
  it("--max-server-file-handles counts every session's handles, detached included: -32001 beyond it, freed by fs/close and by a session's end", async () => {
    const server = await startWebSocketServer(["--max-server-file-handles", "3"])
    const open = (client: RawWebSocketClient, handleId: string) => client.request("fs/open", { handleId, path: "/etc/hostname" })
    const detached = await connect(server.url, { detachTtlMs: 1_000 })
    for (const id of ["d1", "d2"]) expect((await open(detached.client, id)).result).toEqual({ handleId: id })
    await drop(detached.client)
    const { client } = await connect(server.url)
    expect((await open(client, "a")).result).toEqual({ handleId: "a" })
    const refused = await open(client, "b")
    expect(refused.error).toMatchObject({ code: -32001, data: { retryable: true, limit: "fileHandles" } })
    expect(refused.error.message).toContain("--max-server-file-handles")
    // The refused id was not taken: reading it is an unknown handle.
    expect((await client.request("fs/readBlock", { handleId: "b", offset: 0, len: 1 })).error?.code).toBe(-32600)
    expect((await client.request("fs/close", { handleId: "a" })).result).toEqual({})
    expect((await open(client, "b")).result).toEqual({ handleId: "b" })
    // The detached session's TTL ends: its two handles close and free their places.
    expect((await retryWhileBusy(() => open(client, "c"))).result).toEqual({ handleId: "c" })
    expect((await open(client, "d")).result).toEqual({ handleId: "d" })
    expect((await open(client, "e")).error?.code).toBe(-32001)
  })
})

describe("output retained by live processes", () => {
  /** Writes `bytes` bytes, then END, then stays alive. */
  const writer = (processId: string, bytes: number) =>
    pipeProcess(processId, ["sh", "-c", `head -c ${bytes} /dev/zero | tr '\\0' x; echo END; exec sleep 60`])

  it("--max-live-output-bytes bounds what all live processes retain for process/read; the oldest is evicted (truncated), nothing is lost from the notifications", async () => {
    const server = await startStdioServer(["--max-live-output-bytes", "65536"])
    const ids = ["w1", "w2", "w3", "w4"]
    for (const id of ids) {
      await server.request("process/start", writer(id, 49_152))
      await server.outputContains(id, "END")
    }
    // Every byte reached the client as notifications, in order.
    for (const id of ids) expect(server.outputOf(id).toString()).toBe("x".repeat(49_152) + "END\n")
    const reads = await Promise.all(ids.map(async (id) => (await server.request("process/read", { processId: id })).result))
    const retained = reads.map((read) => read.chunks.reduce((sum: number, chunk: any) => sum + Buffer.from(chunk.chunk, "base64").length, 0))
    expect(retained.reduce((sum, bytes) => sum + bytes, 0)).toBeLessThanOrEqual(65_536)
    // The oldest went first: the first writer's read has a gap, the last one's newest output is there.
    expect(reads[0].truncated).toBe(true)
    expect(Buffer.from(reads[3].chunks.at(-1).chunk, "base64").toString()).toContain("END")
    // A read from a cursor still retained has no gap.
    const last = reads[3].chunks.at(-1)
    expect((await server.request("process/read", { processId: "w4", afterSeq: last.seq - 1 })).result).toMatchObject({ truncated: false })
  })
})
