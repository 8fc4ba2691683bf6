/**
 * Limits of the whole server, over all sessions, against real servers: the
 * per-session limits multiply with sessions (and detached sessions hold no
 * connection), so sessions, live processes and file handles are bounded
 * server-wide. Refusals are a retryable -32001; what ends frees its place.
 */
import { describe, expect, it } from "vitest"
import { pipeProcess } from "../support/StdioServer.js"
import { RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const startWebSocketServer = useWebSocketServers()

/** A client that initialized, with the handshake's answer. */
const connect = async (url: string, params: Record<string, unknown> = {}) => {
  const client = await RawWebSocketClient.connect(url)
  const response = await client.request("initialize", { clientName: "limits-test", ...params })
  if (response.result !== undefined) client.send({ method: "initialized", params: {} })
  return { client, response }
}

/** Sends `request` until it is not refused as busy (as a client does with a retryable error); its last answer. */
const retryWhileBusy = async (request: () => Promise<any>, timeoutMs = 10_000): Promise<any> => {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const answer = await request()
    if (answer.error?.code !== -32001 || Date.now() > deadline) return answer
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const sleeper = (processId: string) => pipeProcess(processId, ["sleep", "60"])

/** Drops a connection; its session stays, detached, when it asked for a TTL. */
const drop = async (client: RawWebSocketClient) => {
  const closed = new Promise((resolve) => client.socket.once("close", resolve))
  client.socket.terminate()
  await closed
}

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
    const server = await startWebSocketServer(["--max-live-processes", "5"])
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
