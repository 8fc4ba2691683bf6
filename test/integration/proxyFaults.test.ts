/**
 * No socket event of a process's proxies ends the server (issue 67, item
 * 2). The server runs in a network namespace of the test's (nothing it
 * connects to leaves the machine; see ../support/networkNamespace.ts),
 * where `v6only.test` and `unroutable.test` resolve to an IPv6 address
 * with no route (a connect fails at once, ENETUNREACH) and `hole.test` to a
 * neighbour that never answers (it fails after about 3 s). First the
 * issue's chain: an absolute-form GET to such an allowed name, then CONNECT
 * and SOCKS5 to it. Then a hostile process drives every path of its
 * proxies (plain HTTP, CONNECT, SOCKS5 TCP and UDP, and the tunnels
 * credential masking looks into) through immediate and late connect
 * failures, refusals, resets mid-body from either side, TLS errors and slow
 * peers (support/proxyFaults/attack.cjs, against upstreams.cjs), while
 * another session is answered throughout; the server, and the processes
 * of both sessions, are still there after.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchOf } from "../support/networkProxy.js"
import { namespacesAvailable, type NamespacedServer, SILENT_NEIGHBOUR, useNamespacedServers } from "../support/networkNamespace.js"
import { pipeProcess } from "../support/StdioServer.js"
import type { RawWebSocketClient } from "../support/WebSocketServer.js"
import { makeSelfSigned, makeTestCertificates } from "../support/testCertificates.js"


const startServer = useNamespacedServers()
const SCRIPTS = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../support/proxyFaults")

/** An address of no route in the test's namespace (global unicast, so the policy judges it public). */
const UNROUTABLE = "2a00::1"
const HOSTS = {
  "v6only.test": UNROUTABLE,
  "unroutable.test": UNROUTABLE,
  "hole.test": SILENT_NEIGHBOUR,
  ...Object.fromEntries(["web.test", "tcp.test", "udp.test", "good.test", "bad.test"].map((name) => [name, "127.0.0.1"]))
}

let scratch = ""
/** The key and certificate files of good.test (from a CA the server trusts) and of bad.test (self-signed). */
let good = ""
let bad = ""
let caFile = ""
beforeAll(() => {
  scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "proxy-faults-"))
  const certificates = makeTestCertificates(scratch, { caName: "proxy faults CA", commonName: "good.test", subjectAltName: "DNS:good.test", leaf: "good" })
  const selfSigned = makeSelfSigned(scratch, "bad.test")
  good = JSON.stringify([certificates.keyFile, certificates.certFile])
  bad = JSON.stringify([selfSigned.keyFile, selfSigned.certFile])
  caFile = certificates.caFile
}, 30_000)
afterAll(() => Fs.rmSync(scratch, { recursive: true, force: true }))

/** The server in its namespace, trusting the test's CA (the masked tunnels' upstreams), with a CODEX_HOME of its own. */
const start = () => startServer(HOSTS, { SSL_CERT_FILE: caFile, CODEX_HOME: Fs.mkdtempSync(Path.join(scratch, "codex-home-")) })

/** What `client` awaits, or the server's end (its exit and stderr) if that comes first. */
const whileUp = <A>(server: NamespacedServer, awaited: Promise<A>): Promise<A> => Promise.race([awaited, server.ends])

const startProcess = async (server: NamespacedServer, client: RawWebSocketClient, processId: string, argv: ReadonlyArray<string>, extra: Record<string, unknown> = {}) => {
  const started = await whileUp(server, client.request("process/start", pipeProcess(processId, argv, extra)))
  expect(started.error, processId).toBeUndefined()
}

const closedOf = (server: NamespacedServer, client: RawWebSocketClient, processId: string) =>
  whileUp(server, client.waitFor((m) => m.method === "process/closed" && m.params.processId === processId, 60_000))

describe.skipIf(!namespacesAvailable)("a proxied request whose connection fails", () => {
  it("replays the chain: GET http://v6only.test/ (allowed, no route) is 502 and the server stays up; CONNECT is 502, SOCKS5 reply 5", async () => {
    const server = await start()
    const client = await server.connect()
    const script = [
      `printf 'get %s\\n' "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -x "$HTTP_PROXY" http://v6only.test/)"`,
      `printf 'connect %s\\n' "$(curl -s -o /dev/null -w '%{http_connect}' --max-time 10 -p -x "$HTTP_PROXY" http://v6only.test/)"`,
      `curl -s -o /dev/null --max-time 10 -x "$ALL_PROXY" http://v6only.test/; echo "socks $?"`
    ].join("; ")
    await startProcess(server, client, "chain", ["sh", "-c", script], { networkProxy: launchOf({ enableSocks5: true, domains: { "v6only.test": "allow" } }) })
    await closedOf(server, client, "chain")
    // curl's 97: the SOCKS5 proxy answered a failure (reply 5, "connection refused").
    expect(client.outputOf("chain")).toBe("get 502\nconnect 502\nsocks 97\n")
    expect((await whileUp(server, client.request("process/list", {}))).result.processes.map((p: { processId: string }) => p.processId)).toEqual(["chain"])
    expect(server.running()).toBe(true)
  })

  it("ends no server, in any way on any path, while another session is answered throughout", async () => {
    const server = await start()
    const attacker = await server.connect()
    const bystander = await server.connect()
    await startProcess(server, bystander, "bystander", ["sleep", "600"])
    await startProcess(server, attacker, "upstreams", ["node", Path.join(SCRIPTS, "upstreams.cjs"), good, bad])
    await whileUp(server, attacker.outputContains("upstreams", "ports:"))
    const ports = JSON.parse(/ports:(\{.*\})/.exec(attacker.outputOf("upstreams"))![1]!) as Record<string, number>
    const token = `faulttok_${"a1".repeat(16)}`
    const masking = {
      faults: {
        env: ["FAULT_TOKEN"],
        patterns: ["faulttok_[a-z0-9]{32}"],
        url_prefixes: ["https://unroutable.test/v1", "https://hole.test/v1", `https://bad.test:${ports.bad}/v1`, `https://good.test:${ports.good}/v1`],
        auth: ["bearer"]
      }
    }
    await startProcess(server, attacker, "attack", ["node", Path.join(SCRIPTS, "attack.cjs"), JSON.stringify(ports)], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: Os.tmpdir(), FAULT_TOKEN: token },
      networkProxy: launchOf({
        enableSocks5: true,
        enableSocks5Udp: true,
        allowLocalBinding: true,
        domains: { "*": "allow" },
        credentialMasking: true,
        credentialProviders: masking
      })
    })
    let attackClosed = false
    const closed = closedOf(server, attacker, "attack").then(() => (attackClosed = true))
    let answered = 0
    while (!attackClosed) {
      const listed = await whileUp(server, bystander.request("process/list", {}))
      expect(listed.result.processes.map((p: { processId: string; running: boolean }) => [p.processId, p.running])).toEqual([["bystander", true]])
      answered += 1
    }
    await closed
    const output = attacker.outputOf("attack")
    const results = /results:(\{.*\})/.exec(output)
    expect(results, output).not.toBeNull()
    const tunnels = (via: "http" | "socks", open: string, failed: string) => ({
      [`${via} tunnel immediate`]: failed,
      [`${via} tunnel late`]: failed,
      [`${via} tunnel refused`]: failed,
      [`${via} tunnel upstream reset`]: `${open} hello closed`,
      [`${via} tunnel client reset`]: `${open} reset`,
      [`${via} tunnel gone while connecting`]: "gone",
      [`${via} masked immediate`]: "502",
      [`${via} masked late`]: "502",
      [`${via} masked bad upstream certificate`]: "502",
      [`${via} masked upstream reset`]: "200 cut",
      [`${via} masked client reset`]: "200 reset",
      [`${via} masked upgrade immediate`]: "502",
      [`${via} masked garbage instead of TLS`]: `${open} closed`
    })
    expect(JSON.parse(results![1]!)).toEqual({
      "http immediate": "502",
      "http late": "502",
      "http refused": "502",
      "http upstream reset": "200 cut",
      "http client reset": "200 reset",
      "http client reset mid-upload": "sent",
      "http gone while connecting": "gone",
      "http slow client": "200",
      "http bad target": "400",
      "http upstream slow, client gone": "gone",
      ...tunnels("http", "200", "502"),
      ...tunnels("socks", "0", "5"),
      "socks udp": "0 echo"
    })
    expect(answered).toBeGreaterThan(0)
    // Everything is still there: the server, the attacker's other process, the bystander's.
    expect(server.running()).toBe(true)
    const attackerList = await whileUp(server, attacker.request("process/list", {}))
    expect(attackerList.result.processes.map((p: { processId: string; running: boolean }) => [p.processId, p.running])).toEqual([["upstreams", true], ["attack", false]])
    const bystanderList = await whileUp(server, bystander.request("process/list", {}))
    expect(bystanderList.result.processes.map((p: { processId: string; running: boolean }) => [p.processId, p.running])).toEqual([["bystander", true]])
  }, 90_000)
})
