/** Session detach and resume across real WebSocket reconnects (the server in process, on src/). */
import { describe, expect, it } from "vitest"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { eventually, isAlive } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const start = useInProcessWebSocketServers()

const connect = async (url: string, params: Record<string, unknown>) => {
  const client = await RawWebSocketClient.connect(url)
  const response = await client.request("initialize", { clientName: "resume-test", ...params })
  if (response.result !== undefined) client.send({ method: "initialized", params: {} })
  return { client, response }
}

/**
 * Resumes `sessionId` as a client does after a drop: again while the server
 * still holds the session for the dropped connection (-32010, which Codex
 * retries on), which it lets go once it has seen the drop.
 */
const resume = async (url: string, sessionId: string) => {
  const deadline = Date.now() + 10_000
  for (;;) {
    const resumed = await connect(url, { resumeSessionId: sessionId })
    if (resumed.response.error?.code !== -32010 || Date.now() > deadline) return resumed
    resumed.client.socket.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const readAll = async (client: RawWebSocketClient, processId: string, afterSeq: number) => {
  const chunks: Array<Buffer> = []
  let cursor = afterSeq
  while (true) {
    const read = await client.request("process/read", { processId, afterSeq: cursor, waitMs: 5000 })
    for (const chunk of read.result.chunks) {
      chunks.push(Buffer.from(chunk.chunk, "base64"))
      cursor = chunk.seq
    }
    if (read.result.closed && read.result.chunks.length === 0) return { text: Buffer.concat(chunks).toString(), read }
    if (read.result.chunks.length === 0) cursor = read.result.nextSeq - 1
  }
}

describe("session resume", () => {
  it("keeps a detached session's process running and its output readable from the client's cursor", async () => {
    const server = await start()
    const { client: first, response } = await connect(server.url, { detachTtlMs: 30_000 })
    const sessionId = response.result.sessionId
    const script = "echo pid:$$; for i in $(seq 1 30); do echo line-$i; sleep 0.05; done"
    await first.request("process/start", pipeProcess("job", ["bash", "-c", script]))
    await first.outputContains("job", "line-2\n")
    const pid = Number(/pid:(\d+)/.exec(first.outputOf("job"))![1])
    const lastSeen = Math.max(...first.messages.filter((m) => m.method === "process/output").map((m) => m.params.seq))
    const seenText = first.outputOf("job")
    first.socket.terminate()

    const { client: second, response: resumed } = await resume(server.url, sessionId)
    expect(resumed.result.sessionId).toBe(sessionId)
    const list = await second.request("process/list", {})
    expect(list.result.processes.map((p: { processId: string; pid: number }) => [p.processId, p.pid]))
      .toEqual([["job", pid]])
    const rest = await readAll(second, "job", lastSeen)
    const expected = ["pid:" + pid, ...Array.from({ length: 30 }, (_, i) => `line-${i + 1}`)].join("\n") + "\n"
    expect(seenText + rest.text).toBe(expected)
    expect(rest.read.result).toMatchObject({ exited: true, exitCode: 0, closed: true, truncated: false })
  })

  it("sends live notifications to the resuming connection only", async () => {
    const server = await start()
    const { client: first, response } = await connect(server.url, { detachTtlMs: 30_000 })
    await first.request("process/start", pipeProcess("cat", ["cat"], { pipeStdin: true }))
    first.socket.terminate()
    const { client: second } = await resume(server.url, response.result.sessionId)
    await second.request("process/write", { processId: "cat", chunk: Buffer.from("after resume\n").toString("base64") })
    await second.outputContains("cat", "after resume")
  })

  it("refuses to resume a session another connection holds, and unknown session ids", async () => {
    const server = await start()
    const { client: holder, response } = await connect(server.url, { detachTtlMs: 30_000 })
    const thief = await connect(server.url, { resumeSessionId: response.result.sessionId })
    // -32010, the reference's code for a held session (Codex retries on it).
    expect(thief.response.error?.code).toBe(-32010)
    const stranger = await connect(server.url, { resumeSessionId: "00000000-0000-0000-0000-000000000000" })
    expect(stranger.response.error?.code).toBe(-32600)
    expect((await holder.request("process/list", {})).result).toEqual({ processes: [] })
  })

  it("terminates a detached session's processes when its TTL passes unresumed, capped by --max-detach-ttl-ms", async () => {
    // Capped at 2 s, not 300 ms: the check 100 ms after the drop may run hundreds of ms late on a
    // loaded machine, and the session must still be there; it ends long before the 60 s asked.
    const server = await start(["--max-detach-ttl-ms", "2000", "--grace-ms", "200"])
    const { client, response } = await connect(server.url, { detachTtlMs: 60_000 })
    await client.request("process/start", pipeProcess("sleeper", ["bash", "-c", "echo $$; sleep 60"]))
    await client.outputContains("sleeper", "\n")
    const pid = Number(client.outputOf("sleeper").trim())
    client.socket.terminate()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(isAlive(pid)).toBe(true)
    expect(await eventually(() => !isAlive(pid), 15_000)).toBe(true)
    const late = await connect(server.url, { resumeSessionId: response.result.sessionId })
    expect(late.response.error?.code).toBe(-32600)
  })

  it("with detachTtlMs: 0, or none and --dropped-session-ttl-ms 0, a disconnect terminates the session's processes", async () => {
    for (const [flags, asked] of [[[], { detachTtlMs: 0 }], [["--dropped-session-ttl-ms", "0"], {}]] as const) {
      const server = await start([...flags])
      const { client } = await connect(server.url, asked)
      await client.request("process/start", pipeProcess("sleeper", ["bash", "-c", "echo $$; sleep 60"]))
      await client.outputContains("sleeper", "\n")
      const pid = Number(client.outputOf("sleeper").trim())
      client.socket.terminate()
      expect(await eventually(() => !isAlive(pid), 5000)).toBe(true)
    }
  })
})
