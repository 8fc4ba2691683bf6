/**
 * A connection one process's proxy made is never another's (issue 67,
 * found in item 2's audit): Node's global agent keeps connections alive by
 * host and port alone, whatever address the request's verdict checked. In
 * a network namespace of the test's, process A (local binding allowed)
 * fetches http://rebind.test:PORT/ while the name resolves to 127.0.0.1
 * (a service of A's); then the name resolves to 5.5.5.6, a public-looking
 * neighbour that never answers, and process B, whose proxy refuses local
 * addresses, fetches the same URL: its request must go to the address B
 * checked (and fail, 502), not through A's kept connection to loopback.
 */
import { describe, expect, it } from "vitest"
import { launchOf } from "../support/networkProxy.js"
import { namespacesAvailable, SILENT_NEIGHBOUR, useNamespacedServers } from "../support/networkNamespace.js"
import { pipeProcess } from "../support/StdioServer.js"
import type { RawWebSocketClient } from "../support/WebSocketServer.js"

const startServer = useNamespacedServers()

/** A service on 127.0.0.1 that keeps connections alive (Node's default), printing `port:N`. */
const SERVICE = ["node", "-e", "const s = require('http').createServer((q, r) => r.end('loopback service')); s.listen(0, '127.0.0.1', () => console.log('port:' + s.address().port))"]

const fetchThrough = async (client: RawWebSocketClient, processId: string, url: string, proxy: Record<string, unknown>) => {
  const script = `curl -s -w ' %{http_code}' --max-time 10 -x "$HTTP_PROXY" ${url}`
  expect((await client.request("process/start", pipeProcess(processId, ["sh", "-c", script], { networkProxy: launchOf(proxy) }))).error).toBeUndefined()
  await client.waitFor((m) => m.method === "process/closed" && m.params.processId === processId, 30_000)
  return client.outputOf(processId)
}

describe.skipIf(!namespacesAvailable)("a proxy's upstream connections", () => {
  it("are not shared: B's request to a name that now resolves elsewhere does not reach A's loopback service through A's kept connection", async () => {
    const server = await startServer({ "rebind.test": "127.0.0.1" })
    const client = await server.connect()
    expect((await client.request("process/start", pipeProcess("service", SERVICE))).error).toBeUndefined()
    await client.outputContains("service", "port:")
    const url = `http://rebind.test:${/port:(\d+)/.exec(client.outputOf("service"))![1]}/`
    expect(await fetchThrough(client, "a", url, { domains: { "*": "allow" }, allowLocalBinding: true })).toBe("loopback service 200")
    server.setHosts({ "rebind.test": SILENT_NEIGHBOUR })
    const b = await fetchThrough(client, "b", url, { domains: { "*": "allow" } })
    expect(b.endsWith(" 502"), b).toBe(true)
    expect(b).not.toContain("loopback service")
    const decision = client.messages.find((m) => m.method === "network/policyDecision" && m.params.processId === "b")
    expect(decision?.params).toMatchObject({ decision: "allow", host: "rebind.test" })
  })
})
