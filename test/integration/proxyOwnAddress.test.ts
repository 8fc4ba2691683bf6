/**
 * The host's own addresses through a process's proxy (issue 67, item 8):
 * with `"*": "allow"`, a service bound to 0.0.0.0 answers on every address
 * of the host's interfaces, a public-looking one too. The server runs in a
 * network namespace of the test's whose veth holds 5.5.5.5 (nothing leaves
 * the machine); a process of its starts such a service, another asks its
 * proxies for it by that address and by IPv6 forms of loopback
 * (IPv4-compatible `::/96`, NAT64 `64:ff9b::/96`). Each is local: 403
 * `not_allowed_local` from the HTTP proxy, reply 2 from the SOCKS5 one,
 * unless local binding is allowed.
 */
import { describe, expect, it } from "vitest"
import { launchOf } from "../support/networkProxy.js"
import { namespacesAvailable, OWN_ADDRESS, useNamespacedServers } from "../support/networkNamespace.js"
import { pipeProcess } from "../support/StdioServer.js"
import type { RawWebSocketClient } from "../support/WebSocketServer.js"

const startServer = useNamespacedServers()

/** A service on 0.0.0.0 and :: of a free port, printing `port:N`. */
const SERVICE = [
  "node",
  "-e",
  "const s = require('http').createServer((q, r) => r.end('service')); s.listen(0, '::', () => console.log('port:' + s.address().port))"
]

/** The child's curl through each proxy: `http <code>` ($HTTP_PROXY) and `socks <curl's exit>` ($ALL_PROXY, socks5h; 97: the proxy refused). */
const curlBoth = (url: string) =>
  `printf 'http %s\\n' "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -x "$HTTP_PROXY" '${url}')"; ` +
  `curl -s -o /dev/null --max-time 10 -x "$ALL_PROXY" '${url}'; echo "socks $?"`

const runThrough = async (client: RawWebSocketClient, processId: string, url: string, proxy: Record<string, unknown>) => {
  const started = await client.request("process/start", pipeProcess(processId, ["sh", "-c", curlBoth(url)], { networkProxy: launchOf({ enableSocks5: true, ...proxy }) }))
  expect(started.error).toBeUndefined()
  await client.waitFor((m) => m.method === "process/closed" && m.params.processId === processId, 30_000)
  return client.outputOf(processId)
}

describe.skipIf(!namespacesAvailable)("the host's own addresses through a process's proxy", () => {
  it("are local: a service on 0.0.0.0 is refused at 5.5.5.5, [::127.0.0.1] and [64:ff9b::7f00:1] with \"*\": \"allow\", reached with local binding allowed", async () => {
    const server = await startServer({})
    const client = await server.connect()
    expect((await client.request("process/start", pipeProcess("service", SERVICE))).error).toBeUndefined()
    await client.outputContains("service", "port:")
    const port = Number(/port:(\d+)/.exec(client.outputOf("service"))![1])
    const urls = [`http://${OWN_ADDRESS}:${port}/`, `http://[::127.0.0.1]:${port}/`, `http://[64:ff9b::7f00:1]:${port}/`]
    for (const [index, url] of urls.entries()) {
      const output = await runThrough(client, `all-${index}`, url, { domains: { "*": "allow" } })
      expect(output, url).toBe("http 403\nsocks 97\n")
    }
    // The refusal is the address check's, as for 127.0.0.1: allowing local binding reaches the service.
    expect(await runThrough(client, "local", urls[0]!, { domains: { "*": "allow" }, allowLocalBinding: true })).toBe("http 200\nsocks 0\n")
    const decisions = client.messages.filter((m) => m.method === "network/policyDecision" && String(m.params.processId).startsWith("all-"))
    expect(decisions.length).toBe(urls.length * 2)
    for (const decision of decisions) expect(decision.params).toMatchObject({ decision: "deny", reason: "not_allowed_local", source: "baseline_policy" })
    expect(server.running()).toBe(true)
  })
})
