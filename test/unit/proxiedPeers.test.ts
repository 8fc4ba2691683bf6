/**
 * The own-server refusal's attribution of a proxied connection (issue 67;
 * src/sandbox/peers.ts, src/sandbox/proxiedConnections.ts): a connection
 * that one of this process's proxies opened is held by this process, so
 * the holder search alone would take it for the server's own and let it
 * in. Each way a proxy opens one (HTTP forward, CONNECT, SOCKS5 CONNECT,
 * the interception's requests and its pass-through) reaches a listener of
 * this test's standing for the server's (the proxy's own-listener check is
 * switched off here: this is the defence behind it), and the listener's
 * peer refusal names the process the proxy serves when it is sandboxed,
 * and lets it in when it is not.
 */
import * as Http from "node:http"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { MitmAuthority } from "../../src/network/credentials/authority.js"
import type { MaskedCredentials } from "../../src/network/credentials/broker.js"
import * as Interception from "../../src/network/credentials/interception.js"
import type { DecideOptions } from "../../src/network/decide.js"
import * as HttpProxy from "../../src/network/HttpProxy.js"
import { makePolicy } from "../../src/network/hostPolicy.js"
import * as Socks5Proxy from "../../src/network/Socks5Proxy.js"
import { peerRefusal, proxiedPeerRefusal } from "../../src/sandbox/peers.js"
import { holdUpstream, sandboxedUpstreams, type UpstreamOwner } from "../../src/sandbox/proxiedConnections.js"

/** The server's stand-in: an HTTP listener that records each connection's peer refusal, both checks. */
const seen: Array<{ readonly full: string | undefined; readonly proxied: string | undefined }> = []
let listener: Http.Server
let port = 0

beforeAll(async () => {
  listener = Http.createServer((_request, response) => response.end("reached"))
  listener.on("connection", (socket: Net.Socket) => seen.push({ full: peerRefusal(socket, { ownSandboxes: true }), proxied: proxiedPeerRefusal(socket) }))
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve))
  port = (listener.address() as Net.AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())))

/** Masking that looks into plain HTTP to the listener, translating nothing (no TLS: the authority is never asked). */
const lookingIntoHttp: MaskedCredentials = {
  environment: {},
  warnings: [],
  dummies: [],
  intercepts: () => ({ tls: false, http: true }),
  translate: () => [],
  bound: () => [],
  seed: { registered: [], context: {} }
}
const noAuthority: MitmAuthority = {
  bundlePath: "/nonexistent",
  contextFor: () => Promise.reject(new Error("no TLS here")),
  upstreamContext: Tls.createSecureContext()
}

/** Both proxies for `owner`, interception on when asked; closed with `close`. */
const proxiesFor = async (owner: UpstreamOwner, intercept: boolean) => {
  const scope = Effect.runSync(Scope.make())
  const interceptor = intercept
    ? await Effect.runPromise(Scope.provide(Interception.make(lookingIntoHttp, noAuthority, (socket) => holdUpstream(socket, owner)), scope))
    : undefined
  const options: DecideOptions = {
    decide: makePolicy({ domains: { "127.0.0.1": "allow" }, reviewDomains: [], allowLocalBinding: false, askClient: false }),
    allowLocalBinding: false,
    mode: "full",
    ask: () => Effect.succeed({ type: "error" }),
    resolve: (host) => Effect.succeed([host]),
    report: () => {},
    interceptor,
    isServerListener: () => false,
    owner
  }
  const http = await Effect.runPromise(Scope.provide(HttpProxy.make(options), scope))
  const socks = await Effect.runPromise(Scope.provide(Socks5Proxy.make({ ...options, udp: false, processTree: () => undefined }), scope))
  return { http: http.port, socks: socks.port, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Sends `bytes` to a proxy's port and resolves with all it answered once it closed. */
const exchange = (proxyPort: number, bytes: ReadonlyArray<Buffer | string>) =>
  new Promise<string>((resolve) => {
    let answer = ""
    const socket = Net.connect(proxyPort, "127.0.0.1", () => {
      for (const chunk of bytes) socket.write(chunk)
    })
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1")
      // Each way ends with the listener's answer; the client then closes.
      if (answer.includes("reached")) socket.end()
    })
    socket.on("error", () => {})
    socket.on("close", () => resolve(answer))
  })

const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nConnection: close\r\n\r\n`

/** The five ways a proxy opens a connection, each as a client drives it. */
const WAYS: ReadonlyArray<{ readonly name: string; readonly intercept: boolean; readonly drive: (proxies: { http: number; socks: number }) => Promise<string> }> = [
  { name: "HTTP forward", intercept: false, drive: ({ http }) => exchange(http, [request.replace("GET /", `GET http://127.0.0.1:${port}/`).replace("PORT", String(port))]) },
  { name: "CONNECT", intercept: false, drive: ({ http }) => exchange(http, [`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, request.replace("PORT", String(port))]) },
  {
    name: "SOCKS5 CONNECT",
    intercept: false,
    drive: ({ socks }) => exchange(socks, [Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff]), request.replace("PORT", String(port))])
  },
  { name: "an intercepted request", intercept: true, drive: ({ http }) => exchange(http, [`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, request.replace("PORT", String(port))]) },
  {
    name: "an intercepted tunnel passed through (not HTTP)",
    intercept: true,
    drive: ({ http }) => exchange(http, [`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, `\x00not http, then ${request.replace("PORT", String(port))}`])
  }
]

describe("the own-server refusal of a proxied connection", () => {
  it.each(WAYS)("takes one a sandboxed process's proxy opened ($name) for that process, and refuses it", async ({ drive, intercept }) => {
    const proxies = await proxiesFor({ processId: "boxed", sandboxed: true }, intercept)
    const before = seen.length
    await drive(proxies)
    expect(seen.slice(before)).toEqual([{
      full: `the peer is this server's managed proxy for process "boxed", which runs in a sandbox`,
      proxied: `the peer is this server's managed proxy for process "boxed", which runs in a sandbox`
    }])
    await proxies.close()
    // Registered no longer once closed.
    await expect.poll(sandboxedUpstreams).toBe(0)
  })

  it.each(WAYS)("lets one an unsandboxed process's proxy opened ($name) in, as it would let the process in", async ({ drive, intercept }) => {
    const proxies = await proxiesFor({ processId: "plain", sandboxed: false }, intercept)
    const before = seen.length
    await drive(proxies)
    expect(seen.slice(before)).toEqual([{ full: undefined, proxied: undefined }])
    await proxies.close()
  })
})
