/**
 * A process's SOCKS5 proxy (issue 46), with curl through it and raw SOCKS
 * bytes, to loopback HTTP and UDP servers: the replies and notes the
 * reference gives (docs/PROTOCOL.md, "The managed network proxy"), the
 * client asked about unlisted hosts, limited mode, UDP ASSOCIATE, the
 * bounds a local client meets, connections handed over with `serve`, and
 * the end of it all with its scope. No DNS: names resolve through the
 * resolver the proxy is given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { execFile } from "node:child_process"
import * as Dgram from "node:dgram"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { Effect, Exit, Scope } from "effect"
import type { ClientAnswer, DecisionNote } from "../../src/network/decide.js"
import { systemResolve } from "../../src/network/decide.js"
import { makePolicy, type PolicyOptions } from "../../src/network/hostPolicy.js"
import { makeCredential } from "../../src/network/proxyCredential.js"
import * as Socks5Proxy from "../../src/network/Socks5Proxy.js"
import { ANSWER_NOTES, ANSWERED_NAMES, CLIENT_ANSWERS, unixSocketPair } from "../support/networkProxy.js"
import { startConnectUpstream } from "../support/connectUpstream.js"

let target: Http.Server
let targetPort = 0
let target6: Http.Server
let target6Port = 0
let echo: Dgram.Socket
let echoPort = 0
let scratch = ""

const hello = (request: Http.IncomingMessage, response: Http.ServerResponse) => response.end(`hello ${request.method} ${request.url}`)

beforeAll(async () => {
  target = Http.createServer(hello)
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve))
  targetPort = (target.address() as Net.AddressInfo).port
  target6 = Http.createServer(hello)
  await new Promise<void>((resolve) => target6.listen(0, "::1", resolve))
  target6Port = (target6.address() as Net.AddressInfo).port
  echo = Dgram.createSocket("udp4")
  echo.on("message", (data, from) => echo.send(Buffer.concat([Buffer.from("echo:"), data]), from.port, from.address))
  await new Promise<void>((resolve) => echo.bind(0, "127.0.0.1", resolve))
  echoPort = echo.address().port
  scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "socks5-"))
})
afterAll(async () => {
  await new Promise<void>((resolve) => target.close(() => resolve()))
  await new Promise<void>((resolve) => target6.close(() => resolve()))
  await new Promise<void>((resolve) => echo.close(resolve))
  Fs.rmSync(scratch, { recursive: true, force: true })
})

/** curl's output and exit code. */
const curl = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly out: string; readonly code: number }>((resolve) =>
    execFile("curl", ["-sS", "--max-time", "10", ...args], (error, stdout, stderr) =>
      resolve({ out: stdout + stderr, code: error === null ? 0 : typeof error.code === "number" ? error.code : 1 })))

/** A proxy with these rules, the decisions it reported and the questions it asked; closed with `close`. */
const proxyWith = async (
  rules: Partial<PolicyOptions> & { readonly mode?: "full" | "limited"; readonly udp?: boolean; readonly limits?: Partial<Socks5Proxy.Socks5Limits> },
  answer: (host: string) => ClientAnswer = () => ({ type: "error" }),
  names: Record<string, ReadonlyArray<string>> = {},
  extra: Partial<Socks5Proxy.Socks5ProxyOptions> = {}
) => {
  const notes: Array<DecisionNote> = []
  const asked: Array<string> = []
  const policy: PolicyOptions = { domains: {}, reviewDomains: [], allowLocalBinding: false, askClient: false, ...rules }
  const scope = Effect.runSync(Scope.make())
  const proxy = await Effect.runPromise(Scope.provide(
    Socks5Proxy.make({
      decide: makePolicy(policy),
      allowLocalBinding: policy.allowLocalBinding,
      mode: rules.mode ?? "full",
      udp: rules.udp ?? false,
      // The associations' datagrams come from this process's own sockets.
      processTree: () => process.pid,
      ...(rules.limits === undefined ? {} : { limits: rules.limits }),
      ask: ({ host }) =>
        Effect.sync(() => {
          asked.push(host)
          return answer(host)
        }),
      resolve: (host) =>
        host === "die.test" ? Effect.die(new Error("the resolver broke")) : names[host] !== undefined ? Effect.succeed(names[host]) : systemResolve(host),
      report: (note) => notes.push(note),
      // The targets listen in this process, which the default check refuses (see "never connects to a socket of its own process").
      isServerListener: () => false,
      ...extra
    }),
    scope
  ))
  return {
    port: proxy.port,
    address: `127.0.0.1:${proxy.port}`,
    serve: proxy.serve,
    notes,
    asked,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** One end of a connection, read as it comes: `read` the next bytes, `closed` once the other end closed it (with all it sent). */
const peerOf = (socket: Net.Socket) => {
  let received = Buffer.alloc(0)
  let offset = 0
  let wake = () => {}
  let ended = false
  socket.on("error", () => {})
  socket.on("data", (chunk: Buffer) => {
    received = Buffer.concat([received, chunk])
    wake()
  })
  const closed = new Promise<Buffer>((resolve) =>
    socket.once("close", () => {
      ended = true
      resolve(received)
      wake()
    }))
  const read = async (length: number): Promise<Buffer> => {
    while (received.length - offset < length) {
      if (ended) throw new Error(`closed after ${received.subarray(offset).toString("hex") || "nothing"}`)
      await new Promise<void>((resolve) => (wake = resolve))
    }
    offset += length
    return received.subarray(offset - length, offset)
  }
  return { socket, read, closed, isOpen: () => !ended }
}

const connectTo = (port: number) =>
  new Promise<ReturnType<typeof peerOf>>((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    const peer = peerOf(socket)
    socket.once("connect", () => resolve(peer))
    socket.once("error", reject)
  })

/** Both ends of a Unix socket connection: what the bridge would hand over, and the child's end. */
const unixPair = async (name: string) => {
  const { child, handed } = await unixSocketPair(Path.join(scratch, name))
  return { handed, child: peerOf(child) }
}

const port16 = (port: number) => [port >> 8, port & 0xff]
const GREETING = Buffer.from([5, 1, 0])
const byName = (command: number, host: string, port: number) => Buffer.from([5, command, 0, 3, host.length, ...Buffer.from(host), ...port16(port)])
const byIPv4 = (command: number, ip: string, port: number) => Buffer.from([5, command, 0, 1, ...ip.split(".").map(Number), ...port16(port)])
const REFUSED_BY_RULES = Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])

/** A proxy's reply to a greeting and one request sent at once: the method choice, then the reply (10 bytes for IPv4). */
const exchange = async (port: number, request: Buffer) => {
  const peer = await connectTo(port)
  peer.socket.write(Buffer.concat([GREETING, request]))
  expect(await peer.read(2)).toEqual(Buffer.from([5, 0]))
  return { reply: await peer.read(10), peer }
}

describe("the SOCKS5 proxy", () => {
  it("connects to an allowed name (socks5h: the proxy resolves it) and reports an allow with protocol socks5_tcp and no method", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    const { out, code } = await curl(["--socks5-hostname", proxy.address, `http://localhost:${targetPort}/path?q=1`])
    expect(code).toBe(0)
    expect(out).toBe("hello GET /path?q=1")
    expect(proxy.notes).toMatchObject([{
      scope: "domain", decision: "allow", source: "baseline_policy", reason: "allow", protocol: "socks5_tcp", host: "localhost", port: targetPort, policyOverride: false
    }])
    expect(proxy.notes[0]).not.toHaveProperty("method")
    expect(proxy.notes[0]!.client).toMatch(/^127\.0\.0\.1:\d+$/)
    await proxy.close()
  })

  it("connects to an allowed IPv4 literal (--socks5) and to an IPv6 one, answering with the bound address", async () => {
    const proxy = await proxyWith({ domains: { "127.0.0.1": "allow", "::1": "allow" } })
    expect((await curl(["--socks5", proxy.address, `http://127.0.0.1:${targetPort}/v4`])).out).toBe("hello GET /v4")
    const { peer, reply } = await exchange(proxy.port, byIPv4(1, "127.0.0.1", targetPort))
    expect([...reply.subarray(0, 8)]).toEqual([5, 0, 0, 1, 127, 0, 0, 1])
    expect(reply.readUInt16BE(8)).not.toBe(0)
    peer.socket.end()
    const v6 = await connectTo(proxy.port)
    v6.socket.write(Buffer.concat([GREETING, Buffer.from([5, 1, 0, 4, ...Array(15).fill(0), 1, ...port16(target6Port)])]))
    expect([...await v6.read(2)]).toEqual([5, 0])
    const reply6 = await v6.read(22)
    expect([...reply6.subarray(0, 20)]).toEqual([5, 0, 0, 4, ...Array(15).fill(0), 1])
    v6.socket.write("GET /v6 HTTP/1.0\r\n\r\n")
    expect((await v6.closed).toString()).toContain("hello GET /v6")
    expect(proxy.notes.map((note) => [note.host, note.decision])).toEqual([["127.0.0.1", "allow"], ["127.0.0.1", "allow"], ["::1", "allow"]])
    await proxy.close()
  })

  it("refuses a denied host and an unlisted one with reply 2 and a note each, before any connection", async () => {
    const proxy = await proxyWith({ domains: { "bad.test": "deny" } })
    const denied = await curl(["--socks5-hostname", proxy.address, `http://bad.test:${targetPort}/`])
    expect(denied.code).not.toBe(0)
    expect(denied.out).toMatch(/\(2\)/)
    const { peer, reply } = await exchange(proxy.port, byName(1, "example.org", targetPort))
    expect(reply).toEqual(REFUSED_BY_RULES)
    expect((await peer.closed).length).toBe(12)
    expect(proxy.notes.map((note) => [note.host, note.decision, note.reason, note.source, note.protocol])).toEqual([
      ["bad.test", "deny", "denied", "baseline_policy", "socks5_tcp"],
      ["example.org", "deny", "not_allowed", "baseline_policy", "socks5_tcp"]
    ])
    await proxy.close()
  })

  it("refuses a wildcard-allowed name that resolves to 127.0.0.1 (not_allowed_local), and a name that does not resolve", async () => {
    const proxy = await proxyWith({ domains: { "**.app.test": "allow" } }, undefined, { "app.test": ["127.0.0.1"], "gone.app.test": [] })
    const local = await curl(["--socks5-hostname", proxy.address, `http://app.test:${targetPort}/`])
    expect(local.code).not.toBe(0)
    expect(local.out).not.toContain("hello")
    const { reply } = await exchange(proxy.port, byName(1, "gone.app.test", targetPort))
    expect(reply).toEqual(REFUSED_BY_RULES)
    expect(proxy.notes.map((note) => [note.host, note.reason])).toEqual([["app.test", "not_allowed_local"], ["gone.app.test", "not_allowed_local"]])
    await proxy.close()
  })

  it("asks the client about an unlisted host: allow (reported as overriding not_allowed), deny, ask, error", async () => {
    const proxy = await proxyWith({ askClient: true, allowLocalBinding: true }, (host) => CLIENT_ANSWERS[host as keyof typeof CLIENT_ANSWERS], ANSWERED_NAMES)
    expect((await curl(["--socks5-hostname", proxy.address, `http://yes.test:${targetPort}/`])).out).toBe("hello GET /")
    for (const host of ["no.test", "maybe.test", "broken.test"]) {
      expect((await exchange(proxy.port, byName(1, host, targetPort))).reply).toEqual(REFUSED_BY_RULES)
    }
    expect(proxy.asked).toEqual(["yes.test", "no.test", "maybe.test", "broken.test"])
    expect(proxy.notes.map((note) => [note.host, note.decision, note.source, note.reason, note.policyOverride])).toEqual(ANSWER_NOTES)
    await proxy.close()
  })

  it("refuses a client-allowed name that resolves to a local address: the address check is the baseline's", async () => {
    const proxy = await proxyWith({ askClient: true }, () => ({ type: "allow" }), { "vm.test": ["127.0.0.1"] })
    expect((await exchange(proxy.port, byName(1, "vm.test", targetPort))).reply).toEqual(REFUSED_BY_RULES)
    expect(proxy.asked).toEqual(["vm.test"])
    expect(proxy.notes).toMatchObject([{ decision: "deny", source: "baseline_policy", reason: "not_allowed_local", policyOverride: false }])
    await proxy.close()
  })

  it("in limited mode refuses with reply 2 and a single non_domain note, and port 443 as needing MITM after the domain's allow", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" }, mode: "limited", askClient: true })
    const refused = await curl(["--socks5-hostname", proxy.address, `http://localhost:${targetPort}/`])
    expect(refused.code).not.toBe(0)
    expect(refused.out).toMatch(/\(2\)/)
    expect(proxy.notes).toHaveLength(1)
    expect(proxy.notes[0]).toMatchObject({
      scope: "non_domain", decision: "deny", source: "mode_guard", reason: "method_not_allowed", protocol: "socks5_tcp", host: "localhost", port: targetPort
    })
    expect(proxy.notes[0]).not.toHaveProperty("method")
    // Even an unlisted host: the mode decides before the rules, and nobody is asked.
    expect((await exchange(proxy.port, byName(1, "example.org", 80))).reply).toEqual(REFUSED_BY_RULES)
    expect(proxy.asked).toEqual([])
    expect((await exchange(proxy.port, byName(1, "localhost", 443))).reply).toEqual(REFUSED_BY_RULES)
    expect(proxy.notes.slice(1).map((note) => [note.host, note.scope, note.decision, note.source, note.reason])).toEqual([
      ["example.org", "non_domain", "deny", "mode_guard", "method_not_allowed"],
      ["localhost", "domain", "allow", "baseline_policy", "allow"],
      ["localhost", "non_domain", "deny", "mode_guard", "mitm_required"]
    ])
    await proxy.close()
  })

  it("answers an upstream that refuses with reply 5, and BIND, or UDP ASSOCIATE while UDP is off, with 7", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = Net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as Net.AddressInfo
        probe.close(() => resolve(port))
      })
    })
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    expect((await exchange(proxy.port, byName(1, "localhost", closedPort))).reply).toEqual(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]))
    expect(proxy.notes).toMatchObject([{ decision: "allow", host: "localhost", port: closedPort }])
    expect((await exchange(proxy.port, byName(2, "localhost", targetPort))).reply).toEqual(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]))
    expect((await exchange(proxy.port, byIPv4(3, "0.0.0.0", 0))).reply).toEqual(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]))
    // Neither was decided.
    expect(proxy.notes).toHaveLength(1)
    await proxy.close()
  })

  it("answers a greeting without method 0 with 0xFF, and closes malformed greetings and requests without a reply", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    const userPassword = await connectTo(proxy.port)
    userPassword.socket.write(Buffer.from([5, 1, 2]))
    expect([...await userPassword.closed]).toEqual([5, 0xff])
    for (
      const [bytes, answered] of [
        [[4, 1, 0, 80, 127, 0, 0, 1, 0], []], // SOCKS4
        [[5, 0], []], // no method at all
        [[5, 1, 0, 5, 1, 0, 9, 1, 2, 3, 4, 0, 80], [5, 0]], // address type 9
        [[5, 1, 0, 5, 1, 0, 3, 0, 0, 80], [5, 0]], // an empty name
        [[5, 1, 0, 4, 1, 0, 1, 127, 0, 0, 1, 0, 80], [5, 0]] // a request of version 4
      ] as const
    ) {
      const peer = await connectTo(proxy.port)
      peer.socket.write(Buffer.from(bytes))
      expect([...await peer.closed], JSON.stringify(bytes)).toEqual(answered)
    }
    expect(proxy.notes).toEqual([])
    await proxy.close()
  })

  it("closes a client that sends nothing, and one that trickles a greeting, once the handshake's time is out, while a good connection goes through", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" }, limits: { handshakeTimeoutMs: 1_500 } })
    const opened = performance.now()
    const closedAt = (peer: Awaited<ReturnType<typeof connectTo>>) => peer.closed.then(() => performance.now())
    const silent = await connectTo(proxy.port)
    const silentClosed = closedAt(silent)
    // A greeting of 255 methods, one byte every 200 ms: a deadline that each byte put off would never come.
    const trickle = await connectTo(proxy.port)
    const trickleClosed = closedAt(trickle)
    trickle.socket.write(Buffer.from([5, 255]))
    const drip = setInterval(() => trickle.isOpen() && trickle.socket.write(Buffer.from([0])), 200)
    const malformed = await connectTo(proxy.port)
    malformed.socket.write(Buffer.from("GET / HTTP/1.1\r\n\r\n"))
    const good = await curl(["--socks5-hostname", proxy.address, `http://localhost:${targetPort}/good`])
    expect(good.out).toBe("hello GET /good")
    expect([...await malformed.closed]).toEqual([])
    expect([...await silent.closed]).toEqual([])
    expect([...await trickle.closed]).toEqual([])
    clearInterval(drip)
    // Not before their time was out (however late the good one's curl was).
    expect(await silentClosed - opened).toBeGreaterThanOrEqual(1_400)
    expect(await trickleClosed - opened).toBeGreaterThanOrEqual(1_400)
    expect(proxy.notes).toHaveLength(1)
    await proxy.close()
  })

  it("closes connections beyond its bound at once", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" }, limits: { maxConnections: 2 } })
    const first = await connectTo(proxy.port)
    const second = await connectTo(proxy.port)
    first.socket.write(GREETING)
    second.socket.write(GREETING)
    expect([...await first.read(2), ...await second.read(2)]).toEqual([5, 0, 5, 0])
    const third = await connectTo(proxy.port)
    expect([...await third.closed]).toEqual([])
    first.socket.destroy()
    await first.closed
    // Its place is free again once the proxy saw it go: a later one is served.
    await expect.poll(async () => {
      const next = await connectTo(proxy.port)
      next.socket.write(GREETING)
      const answered = await next.read(2).then((bytes) => [...bytes], () => [])
      next.socket.destroy()
      return answered
    }).toEqual([5, 0])
    await proxy.close()
  })

  it("drops the one connection whose evaluation dies, and goes on serving the others", async () => {
    const proxy = await proxyWith({ domains: { "die.test": "allow", localhost: "allow" } })
    const peer = await connectTo(proxy.port)
    peer.socket.write(Buffer.concat([GREETING, byName(1, "die.test", targetPort)]))
    expect([...await peer.closed]).toEqual([5, 0])
    expect((await curl(["--socks5-hostname", proxy.address, `http://localhost:${targetPort}/after`])).out).toBe("hello GET /after")
    await proxy.close()
  })

  it("serves a connection handed over with serve (a Unix socket's) as a TCP one, its notes carrying the client it was given", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    const { child, handed } = await unixPair("serve.sock")
    proxy.serve(handed, "unix:sandbox")
    child.socket.write(Buffer.concat([GREETING, byName(1, "localhost", targetPort)]))
    expect([...await child.read(2)]).toEqual([5, 0])
    expect([...(await child.read(10)).subarray(0, 2)]).toEqual([5, 0])
    child.socket.write("GET /unix HTTP/1.0\r\n\r\n")
    expect((await child.closed).toString()).toContain("hello GET /unix")
    expect(proxy.notes).toMatchObject([{ decision: "allow", protocol: "socks5_tcp", host: "localhost", client: "unix:sandbox" }])
    await proxy.close()
  })

  it("closes every connection when its scope closes, by TCP or handed over, and its port refuses connections", async () => {
    const proxy = await proxyWith({ domains: { localhost: "allow" } })
    const { reply, peer: tcp } = await exchange(proxy.port, byName(1, "localhost", targetPort))
    expect(reply[1]).toBe(0)
    const { child, handed } = await unixPair("close.sock")
    proxy.serve(handed, "unix:sandbox")
    child.socket.write(Buffer.concat([GREETING, byName(1, "localhost", targetPort)]))
    expect([...await child.read(2)]).toEqual([5, 0])
    expect((await child.read(10))[1]).toBe(0)
    const idle = await connectTo(proxy.port)
    await proxy.close()
    await Promise.all([tcp.closed, child.closed, idle.closed])
    expect((await curl(["--socks5-hostname", proxy.address, `http://localhost:${targetPort}/`])).code).toBe(7)
    // One handed over after the end is closed at once.
    const late = await unixPair("late.sock")
    proxy.serve(late.handed, "unix:late")
    expect([...await late.child.closed]).toEqual([])
  })
})

describe("the SOCKS5 proxy with a credential (RFC 1929)", () => {
  const authentication = (username: string, password: string) =>
    Buffer.concat([Buffer.from([1, username.length]), Buffer.from(username), Buffer.from([password.length]), Buffer.from(password)])

  it("requires username/password: a greeting without method 2 gets 05 ff, a wrong one 01 01, both closed and nothing decided; the right one 01 00 and goes on", async () => {
    const credential = makeCredential()
    const proxy = await proxyWith({ domains: { localhost: "allow" } }, undefined, {}, { credential })
    const noAuth = await connectTo(proxy.port)
    noAuth.socket.write(Buffer.concat([GREETING, byName(1, "localhost", targetPort)]))
    expect([...await noAuth.closed]).toEqual([5, 0xff])
    for (const [username, password] of [[credential.username, "wrong"], ["someone", credential.password], [credential.username, ""]] as const) {
      const wrong = await connectTo(proxy.port)
      wrong.socket.write(Buffer.concat([Buffer.from([5, 2, 0, 2]), authentication(username, password), byName(1, "localhost", targetPort)]))
      expect([...await wrong.closed], `${username}:${password}`).toEqual([5, 2, 1, 1])
    }
    expect(proxy.notes).toEqual([])
    // Greeting, credential and request at once, as curl may send them.
    const right = await connectTo(proxy.port)
    right.socket.write(Buffer.concat([Buffer.from([5, 1, 2]), authentication(credential.username, credential.password), byName(1, "localhost", targetPort)]))
    expect([...await right.read(4)]).toEqual([5, 2, 1, 0])
    expect((await right.read(10))[1]).toBe(0)
    right.socket.write("GET /authenticated HTTP/1.0\r\n\r\n")
    expect((await right.closed).toString()).toContain("hello GET /authenticated")
    // curl, with the credential in the proxy's URL and without.
    const url = (userInfo: string) => `socks5h://${userInfo}127.0.0.1:${proxy.port}`
    expect((await curl(["-x", url(`${credential.username}:${credential.password}@`), `http://localhost:${targetPort}/curl`])).out).toBe("hello GET /curl")
    expect((await curl(["-x", url(""), `http://localhost:${targetPort}/`])).code).toBe(97)
    expect((await curl(["-x", url(`${credential.username}:nope@`), `http://localhost:${targetPort}/`])).code).toBe(97)
    expect(proxy.notes.map((note) => note.decision)).toEqual(["allow", "allow"])
    await proxy.close()
  })

  it("checks a connection handed over (the sandbox's bridge) the same way", async () => {
    const credential = makeCredential()
    const proxy = await proxyWith({ domains: { localhost: "allow" } }, undefined, {}, { credential })
    const refused = await unixPair("socks-unauthenticated.sock")
    proxy.serve(refused.handed, "unix:sandbox")
    refused.child.socket.write(Buffer.concat([GREETING, byName(1, "localhost", targetPort)]))
    expect([...await refused.child.closed]).toEqual([5, 0xff])
    const served = await unixPair("socks-authenticated.sock")
    proxy.serve(served.handed, "unix:sandbox")
    served.child.socket.write(Buffer.concat([Buffer.from([5, 1, 2]), authentication(credential.username, credential.password), byName(1, "localhost", targetPort)]))
    expect([...await served.child.read(4)]).toEqual([5, 2, 1, 0])
    expect((await served.child.read(10))[1]).toBe(0)
    served.child.socket.write("GET /handed HTTP/1.0\r\n\r\n")
    expect((await served.child.closed).toString()).toContain("hello GET /handed")
    expect(proxy.notes).toMatchObject([{ decision: "allow", client: "unix:sandbox" }])
    await proxy.close()
  })
})

describe("the SOCKS5 proxy and the sockets of its own process", () => {
  it("never connects to a listener of its own process, nor sends a datagram to one of its UDP sockets, whatever the rules allow: reply 2 and a deny note", async () => {
    // The default check: the targets are this process's, as the server's own listeners are the server's.
    const proxy = await proxyWith({ domains: { "127.0.0.1": "allow", localhost: "allow" }, udp: true }, undefined, {}, { isServerListener: undefined })
    expect((await exchange(proxy.port, byName(1, "localhost", targetPort))).reply).toEqual(REFUSED_BY_RULES)
    expect((await exchange(proxy.port, byIPv4(1, "127.0.0.1", proxy.port))).reply).toEqual(REFUSED_BY_RULES)
    const { peer: control, reply } = await exchange(proxy.port, byIPv4(3, "0.0.0.0", 0))
    expect(reply[1]).toBe(0)
    const udp = Dgram.createSocket("udp4")
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve))
    udp.send(Buffer.concat([Buffer.from([0, 0, 0, 1, 127, 0, 0, 1, ...port16(echoPort)]), Buffer.from("ping")]), reply.readUInt16BE(8), "127.0.0.1")
    // A refused datagram ends the association.
    await control.closed
    udp.close()
    expect(proxy.notes.map((note) => [note.protocol, note.port, note.decision, note.reason])).toEqual([
      ["socks5_tcp", targetPort, "deny", "server_listener"],
      ["socks5_tcp", proxy.port, "deny", "server_listener"],
      ["socks5_udp", echoPort, "deny", "server_listener"]
    ])
    await proxy.close()
  })
})

describe("the SOCKS5 proxy's UDP ASSOCIATE", () => {
  /** A UDP request: reserved, fragment, IPv4 target, data. */
  const datagramTo = (ip: string, port: number, data: string) =>
    Buffer.concat([Buffer.from([0, 0, 0, 1, ...ip.split(".").map(Number), ...port16(port)]), Buffer.from(data)])

  const associate = async (port: number) => {
    const { peer: control, reply } = await exchange(port, byIPv4(3, "0.0.0.0", 0))
    expect([...reply.subarray(0, 8)]).toEqual([5, 0, 0, 1, 127, 0, 0, 1])
    const udp = Dgram.createSocket("udp4")
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve))
    const received: Array<Buffer> = []
    let wake = () => {}
    udp.on("message", (data) => {
      received.push(data)
      wake()
    })
    const next = async () => {
      while (received.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      return received.shift()!
    }
    return { control, relayPort: reply.readUInt16BE(8), udp, next }
  }

  it("relays a datagram to an allowed destination and its answer back, deciding the destination once; a refused one ends the association", async () => {
    const proxy = await proxyWith({ domains: { "127.0.0.1": "allow" }, udp: true })
    const { control, relayPort, udp, next } = await associate(proxy.port)
    udp.send(datagramTo("127.0.0.1", echoPort, "ping"), relayPort, "127.0.0.1")
    const answer = await next()
    expect([...answer.subarray(0, 10)]).toEqual([0, 0, 0, 1, 127, 0, 0, 1, ...port16(echoPort)])
    expect(answer.subarray(10).toString()).toBe("echo:ping")
    udp.send(datagramTo("127.0.0.1", echoPort, "pong"), relayPort, "127.0.0.1")
    expect((await next()).subarray(10).toString()).toBe("echo:pong")
    expect(proxy.notes).toHaveLength(1)
    expect(proxy.notes[0]).toMatchObject({ decision: "allow", protocol: "socks5_udp", host: "127.0.0.1", port: echoPort, client: expect.stringMatching(/^127\.0\.0\.1:/) })
    expect(proxy.notes[0]).not.toHaveProperty("method")
    udp.send(datagramTo("127.0.0.2", echoPort, "elsewhere"), relayPort, "127.0.0.1")
    await control.closed
    expect(proxy.notes[1]).toMatchObject({ decision: "deny", reason: "not_allowed_local", protocol: "socks5_udp", host: "127.0.0.2" })
    udp.close()
    await proxy.close()
  })

  it("refuses every datagram in limited mode, as the reference, with the mode's note", async () => {
    const proxy = await proxyWith({ domains: { "127.0.0.1": "allow" }, udp: true, mode: "limited" })
    const { control, relayPort, udp } = await associate(proxy.port)
    udp.send(datagramTo("127.0.0.1", echoPort, "ping"), relayPort, "127.0.0.1")
    await control.closed
    expect(proxy.notes).toMatchObject([{ scope: "non_domain", decision: "deny", source: "mode_guard", reason: "method_not_allowed", protocol: "socks5_udp" }])
    udp.close()
    await proxy.close()
  })

  it("answers a UDP ASSOCIATE that names its client by a domain name with 8, and ends an association with its TCP connection", async () => {
    const proxy = await proxyWith({ domains: { "127.0.0.1": "allow" }, udp: true })
    expect((await exchange(proxy.port, byName(3, "localhost", 0))).reply).toEqual(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]))
    const { control, relayPort, udp } = await associate(proxy.port)
    control.socket.destroy()
    await control.closed
    // The relay is gone with it: its port can be bound again.
    await expect.poll(() =>
      new Promise<boolean>((resolve) => {
        const taker = Dgram.createSocket("udp4")
        taker.once("error", () => resolve(false))
        taker.bind(relayPort, "127.0.0.1", () => taker.close(() => resolve(true)))
      })
    ).toBe(true)
    expect(proxy.notes).toEqual([])
    udp.close()
    await proxy.close()
  })
})

describe("the SOCKS5 proxy under a mandatory TCP upstream (--tcp-upstream-proxy)", () => {
  const REFUSED = Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])
  const domains = { "public.test": "allow", "private.test": "allow", "1.1.1.1": "allow", "10.9.9.9": "allow", "localhost": "allow", "127.0.0.1": "allow" } as const
  const names = { "public.test": ["1.1.1.1"], "private.test": ["10.9.9.9"] }
  /** Connections the test's HTTP target accepted, to tell a direct connection from none. */
  let accepted = 0
  const count = () => accepted++
  beforeAll(() => void target.on("connection", count))
  afterAll(() => void target.off("connection", count))
  const served = () => accepted

  it("sends an allowed CONNECT to an IP through CONNECT ip:port HTTP/1.1, the client's early bytes and the answer through the tunnel; refuses a name (reply 5, as the reference)", async () => {
    const upstream = await startConnectUpstream(targetPort)
    const proxy = await proxyWith({ domains }, undefined, names, {
      upstream: { proxy: { host: "127.0.0.1", port: upstream.port }, privateIps: false }
    })
    expect(await curl(["--socks5-hostname", proxy.address, "http://1.1.1.1/ip"])).toEqual({ out: "hello GET /ip", code: 0 })
    expect(await curl(["--socks5-hostname", proxy.address, "http://1.1.1.1:8080/port"])).toEqual({ out: "hello GET /port", code: 0 })
    expect(upstream.heads).toEqual(["CONNECT 1.1.1.1:80 HTTP/1.1\r\nHost: 1.1.1.1:80", "CONNECT 1.1.1.1:8080 HTTP/1.1\r\nHost: 1.1.1.1:8080"])
    // A name is refused, allowed and public though it is: the reference sends only addresses to its upstream.
    expect((await exchange(proxy.port, byName(1, "public.test", 80))).reply).toEqual(REFUSED)
    expect(upstream.heads).toHaveLength(2)
    expect(proxy.notes.map((note) => [note.decision, note.host, note.protocol])).toEqual([
      ["allow", "1.1.1.1", "socks5_tcp"],
      ["allow", "1.1.1.1", "socks5_tcp"],
      ["allow", "public.test", "socks5_tcp"]
    ])
    // A request sent with the handshake, before the reply: it reaches the destination all the same.
    const early = await connectTo(proxy.port)
    early.socket.write(Buffer.concat([GREETING, byIPv4(1, "1.1.1.1", 80), Buffer.from("GET /early HTTP/1.0\r\n\r\n")]))
    expect(await early.read(2)).toEqual(Buffer.from([5, 0]))
    expect((await early.read(10))[1]).toBe(0)
    expect((await early.closed).toString()).toContain("hello GET /early")
    await proxy.close()
    await upstream.close()
  })

  it("refuses loopback always, and private destinations without privateIps, with reply 5 and the upstream not contacted, nothing dialled", async () => {
    const upstream = await startConnectUpstream(targetPort)
    const before = served()
    const proxy = await proxyWith({ domains, allowLocalBinding: true }, undefined, names, {
      upstream: { proxy: { host: "127.0.0.1", port: upstream.port }, privateIps: false }
    })
    for (const request of [byName(1, "localhost", targetPort), byIPv4(1, "127.0.0.1", targetPort), byIPv4(1, "10.9.9.9", 80), byName(1, "private.test", 80)]) {
      const { reply } = await exchange(proxy.port, request)
      expect(reply, request.toString("hex")).toEqual(REFUSED)
    }
    // Each was allowed by the rules (local binding on) and then refused by the upstream's rule alone.
    expect(proxy.notes.map((note) => note.decision)).toEqual(["allow", "allow", "allow", "allow"])
    expect(upstream.heads).toEqual([])
    expect(served()).toBe(before)
    await proxy.close()
    await upstream.close()
  })

  it("with privateIps sends private addresses through it; loopback and names stay refused", async () => {
    const upstream = await startConnectUpstream(targetPort)
    const proxy = await proxyWith({ domains, allowLocalBinding: true }, undefined, names, {
      upstream: { proxy: { host: "127.0.0.1", port: upstream.port }, privateIps: true }
    })
    expect(await curl(["--socks5-hostname", proxy.address, "http://10.9.9.9/a"])).toEqual({ out: "hello GET /a", code: 0 })
    expect((await exchange(proxy.port, byName(1, "private.test", 80))).reply).toEqual(REFUSED)
    expect((await exchange(proxy.port, byIPv4(1, "127.0.0.1", targetPort))).reply).toEqual(REFUSED)
    expect(upstream.heads.map((head) => head.split("\r\n")[0])).toEqual(["CONNECT 10.9.9.9:80 HTTP/1.1"])
    await proxy.close()
    await upstream.close()
  })

  it("refuses every CONNECT when the process's config allows no upstream, and answers an upstream that refuses or is not there with reply 5", async () => {
    const upstream = await startConnectUpstream(targetPort)
    const notAllowed = await proxyWith({ domains }, undefined, names, { upstream: { proxy: undefined, privateIps: true } })
    expect((await exchange(notAllowed.port, byIPv4(1, "1.1.1.1", 80))).reply).toEqual(REFUSED)
    expect(notAllowed.notes.map((note) => note.decision)).toEqual(["allow"])
    expect(upstream.heads).toEqual([])
    await notAllowed.close()

    const proxy = await proxyWith({ domains }, undefined, names, {
      upstream: { proxy: { host: "127.0.0.1", port: upstream.port }, privateIps: false }
    })
    upstream.answerWith("HTTP/1.1 403 Forbidden")
    expect((await exchange(proxy.port, byIPv4(1, "1.1.1.1", 80))).reply).toEqual(REFUSED)
    expect(upstream.heads).toHaveLength(1)
    await upstream.close()
    // Its port now refuses connections.
    expect((await exchange(proxy.port, byIPv4(1, "1.1.1.1", 80))).reply).toEqual(REFUSED)
    await proxy.close()
  })
})
