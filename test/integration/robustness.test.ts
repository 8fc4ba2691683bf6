/**
 * Faults seen through the protocol: bounded requests in flight (by count
 * and by bytes), a process that closes its output early, the environment
 * of a process (the server in process, on src/). What only the binary's
 * own process and pipes show is robustnessProcess.test.ts.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { useInProcessServers } from "../support/InProcessServer.js"
import { eventually, WAIT_MS } from "../support/waiting.js"
import { pipeProcess } from "../support/WireClient.js"

const startServer = useInProcessServers()

describe("robustness", () => {
  it("bounds the requests in flight per connection: beyond the limit they are answered -32001 (retryable) at once", async () => {
    const server = await startServer(["--max-inflight-requests", "50"])
    await server.request("process/start", pipeProcess("quiet", ["sleep", "30"]))
    // 60 long-polls at once: 50 wait, 10 are refused without waiting.
    const reads = Array.from({ length: 60 }, () =>
      server.request("process/read", { processId: "quiet", afterSeq: 0, waitMs: 1500 }))
    const answers = await Promise.all(reads)
    const busy = answers.filter((answer) => answer.error !== undefined)
    expect(busy.length).toBe(10)
    expect(busy[0]!.error).toMatchObject({ code: -32001, data: { retryable: true } })
    expect(answers.filter((answer) => answer.result !== undefined).length).toBe(50)
    // Once they are answered, the connection takes requests again.
    expect((await server.request("process/terminate", { processId: "quiet" })).result).toEqual({ running: true })
  })

  it("bounds the bytes of requests in flight: beyond --max-inflight-request-bytes a request is answered -32001 at once; the others are answered in time", async () => {
    // An upstream that holds every request until told to answer.
    const held: Array<Http.ServerResponse> = []
    const upstream = Http.createServer((request, response) => {
      request.resume()
      request.once("end", () => held.push(response))
    })
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", () => resolve()))
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/slow`
    try {
      const server = await startServer(["--max-inflight-request-bytes", String(8 * 1024 * 1024)])
      const body = Buffer.alloc(1024 * 1024, "y").toString("base64")
      // 20 requests of 1.4 MB each, all in flight at once: about 6 fit in 8 MiB.
      const answers = Array.from({ length: 20 }, (_, i) =>
        server.request("http/request", { method: "POST", url, bodyBase64: body, requestId: `slow-${i}` }))
      const refusal = await server.waitFor((m) => m.error?.data?.limit === "inflightRequestBytes")
      expect(refusal.error).toMatchObject({ code: -32001, data: { retryable: true, limit: "inflightRequestBytes" } })
      // The connection still answers small requests.
      expect((await server.request("process/list", {})).result.processes).toEqual([])
      // Every request either held upstream or refused: waited for, however long a loaded machine takes.
      expect(await eventually(() => held.length + server.messages.filter((m) => m.error?.data?.limit === "inflightRequestBytes").length === 20, WAIT_MS)).toBe(true)
      for (const response of held) response.end("done")
      const settled = await Promise.all(answers)
      const ok = settled.filter((answer) => answer.result?.status === 200).length
      const busy = settled.filter((answer) => answer.error?.data?.limit === "inflightRequestBytes").length
      expect(ok).toBeGreaterThan(0)
      expect(busy).toBeGreaterThan(0)
      expect(ok + busy).toBe(20)
      expect(ok).toBeLessThanOrEqual(7)
    } finally {
      for (const response of held) response.destroy()
      upstream.close()
    }
  })

  it("a process that closes its stdout early still reports its exit, then closed", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("early", ["bash", "-c", "echo before; exec >&- 2>&-; sleep 0.2; exit 9"]))
    await server.closed("early")
    const events = server.eventsOf("early")
    expect(events.map((e) => e.method)).toEqual(["process/output", "process/exited", "process/closed"])
    expect(events[1]!.params.exitCode).toBe(9)
  })

  it("builds the environment from envPolicy over the server's own environment", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("env", ["/usr/bin/env"], {
      env: { FROM_REQUEST: "1" },
      envPolicy: { inherit: "core", set: { FROM_POLICY: "2" } }
    }))
    await server.closed("env")
    const names = server.outputOf("env").toString().trim().split("\n").map((line) => line.split("=")[0]).sort()
    expect(names).toContain("PATH")
    expect(names).toContain("FROM_POLICY")
    expect(names).toContain("FROM_REQUEST")
    expect(names.every((name) => ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "TERM", "TMPDIR", "FROM_POLICY", "FROM_REQUEST"].includes(name!)))
      .toBe(true)
  })
})
