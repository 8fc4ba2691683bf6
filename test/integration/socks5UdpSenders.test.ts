/**
 * A SOCKS5 UDP association (`enableSocks5Udp`) takes its datagrams only
 * from a socket the process's own tree holds (issue 82): the replay of the
 * review's chain, end to end on a server in this process (src/, no build).
 * The process associates naming `0.0.0.0:0`, then another local user (uid
 * 65534, no credential) sends to the relay's port first: its datagram must
 * not go out, nothing may come back to it, and the process's own datagram
 * still goes and is answered. The UDP echo runs in a child of the test's
 * (the proxies refuse their own process's sockets).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as Readline from "node:readline"
import { describe, expect, it } from "vitest"
import { AS_NOBODY, nobodyReaches } from "../support/asNobody.js"
import { useInProcessServers } from "../support/InProcessServer.js"
import { launchOf } from "../support/networkProxy.js"

const startServer = useInProcessServers()

/** A UDP echo on 127.0.0.1: prints its port, then `got <data>` for each datagram, and answers `echo:<data>`. */
const ECHO = [
  "const udp = require('node:dgram').createSocket('udp4')",
  "udp.on('message', (data, from) => { console.log(`got ${data}`); udp.send(Buffer.concat([Buffer.from('echo:'), data]), from.port, from.address) })",
  "udp.bind(0, '127.0.0.1', () => console.log(`port ${udp.address().port}`))"
].join("\n")

/** The SOCKS5 UDP request header to 127.0.0.1:`port` (reserved, fragment 0, IPv4). */
const HEADER = "const header = (port) => Buffer.from([0, 0, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff])"

/**
 * The process: through ALL_PROXY with its credential, UDP ASSOCIATE naming
 * 0.0.0.0:0; prints `relay <port>`, and on each line of stdin sends that
 * line to the echo (argv[1]) through the relay, printing each answer.
 */
const CLIENT = [
  "const net = require('node:net'), dgram = require('node:dgram'), readline = require('node:readline')",
  HEADER,
  "const echoPort = Number(process.argv[1])",
  "const proxy = new URL(process.env.ALL_PROXY)",
  "const user = Buffer.from(decodeURIComponent(proxy.username)), password = Buffer.from(decodeURIComponent(proxy.password))",
  "const control = net.connect(Number(proxy.port), '127.0.0.1')",
  "control.write(Buffer.concat([Buffer.from([5, 1, 2, 1, user.length]), user, Buffer.from([password.length]), password,",
  "  Buffer.from([5, 3, 0, 1, 0, 0, 0, 0, 0, 0])]))",
  "let replies = Buffer.alloc(0)",
  "const onData = (chunk) => {",
  "  replies = Buffer.concat([replies, chunk])",
  "  if (replies.length < 14) return",
  "  control.off('data', onData)",
  "  if (replies[3] !== 0 || replies[5] !== 0) { console.log(`refused ${replies.toString('hex')}`); process.exit(1) }",
  "  const relayPort = replies.readUInt16BE(12)",
  "  const udp = dgram.createSocket('udp4')",
  "  udp.on('message', (data) => console.log(`answer ${data.subarray(10)}`))",
  "  udp.bind(0, '127.0.0.1', () => {",
  "    console.log(`relay ${relayPort}`)",
  "    readline.createInterface({ input: process.stdin })",
  "      .on('line', (line) => udp.send(Buffer.concat([header(echoPort), Buffer.from(line)]), relayPort, '127.0.0.1'))",
  "      .on('close', () => { udp.close(); control.end() })",
  "  })",
  "}",
  "control.on('data', onData)"
].join("\n")

/** The other local process: sends `nobody` to the echo through the relay (argv[1], argv[2]), prints `sent`, then each answer, and `done` at the end of stdin. */
const STRANGER = [
  "const udp = require('node:dgram').createSocket('udp4')",
  HEADER,
  "const [relayPort, echoPort] = process.argv.slice(1).map(Number)",
  "udp.on('message', (data) => console.log(`answer ${data.subarray(10)}`))",
  "udp.bind(0, '127.0.0.1', () => udp.send(Buffer.concat([header(echoPort), Buffer.from('nobody')]), relayPort, '127.0.0.1', () => console.log('sent')))",
  "process.stdin.resume()",
  "process.stdin.on('end', () => { console.log('done'); udp.close() })"
].join("\n")

/** A child's stdout lines as they come, and the next one that matches. */
const linesOf = (child: ChildProcessWithoutNullStreams) => {
  const lines: Array<string> = []
  const waiting: Array<() => void> = []
  child.stderr.pipe(process.stderr)
  Readline.createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line)
    for (const wake of waiting.splice(0)) wake()
  })
  // Closed, whether it exited or was killed (a signal leaves exitCode null): no line comes after.
  let closed = false
  const ended = new Promise<void>((resolve) =>
    child.once("close", () => {
      closed = true
      resolve()
    })
  )
  const next = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const found = lines.find((line) => pattern.test(line))
      if (found !== undefined) return found
      if (closed) throw new Error(`the child ended (${child.exitCode ?? child.signalCode}) after ${JSON.stringify(lines)}`)
      await Promise.race([new Promise<void>((resolve) => waiting.push(resolve)), ended])
    }
  }
  return { lines, next, ended }
}

describe("a SOCKS5 UDP association and other local processes", () => {
  it("takes no datagram from another local user's socket (uid 65534, no credential) that sends first to the relay of an association naming 0.0.0.0:0; the process's own still go", async (context) => {
    if (process.getuid?.() !== 0) return context.skip("needs root, to send as another user (uid 65534)")
    if (!nobodyReaches(process.execPath, [])) return context.skip(`uid 65534 cannot run this Node (${process.execPath})`)
    const children: Array<ChildProcessWithoutNullStreams> = []
    try {
      const echoChild = spawn(process.execPath, ["-e", ECHO])
      children.push(echoChild)
      const echo = linesOf(echoChild)
      const echoPort = Number((await echo.next(/^port /)).slice(5))

      const server = await startServer()
      const started = await server.request("process/start", {
        processId: "udp-client",
        argv: [process.execPath, "-e", CLIENT, String(echoPort)],
        cwd: "file:///tmp",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        tty: false,
        pipeStdin: true,
        networkProxy: launchOf({ enableSocks5: true, enableSocks5Udp: true, domains: { "127.0.0.1": "allow" } })
      })
      expect(started.error).toBeUndefined()
      await server.outputContains("udp-client", "relay ")
      const relayPort = Number(/relay (\d+)/.exec(server.outputOf("udp-client").toString())![1])

      // Another user, no credential, first to the relay's port.
      const strangerChild = spawn(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), process.execPath, "-e", STRANGER, String(relayPort), String(echoPort)])
      children.push(strangerChild)
      const stranger = linesOf(strangerChild)
      await stranger.next(/^sent$/)

      // Then the process's own datagram: the relay reads the stranger's first.
      await server.request("process/write", { processId: "udp-client", chunk: Buffer.from("own\n").toString("base64") })
      const first = await Promise.race([
        server.outputContains("udp-client", "answer ").then(() => "the process", () => "nobody"),
        stranger.next(/^answer /).then(() => "the stranger", () => "nobody")
      ])
      expect(first).toBe("the process")
      expect(server.outputOf("udp-client").toString()).toContain("answer echo:own\n")
      expect(echo.lines).toEqual([`port ${echoPort}`, "got own"])

      // The association stays the process's: a second datagram of its own goes too.
      await server.request("process/write", { processId: "udp-client", chunk: Buffer.from("again\n").toString("base64") })
      await server.outputContains("udp-client", "answer echo:again\n")
      expect(echo.lines).toEqual([`port ${echoPort}`, "got own", "got again"])

      strangerChild.stdin.end()
      await stranger.next(/^done$/)
      expect(stranger.lines).toEqual(["sent", "done"])
      const decisions = server.notifications.filter((n) => n.method === "network/policyDecision")
        .map((n) => n.params as Record<string, unknown>)
      expect(decisions.map((note) => [note.protocol, note.decision, note.host, note.port])).toEqual([["socks5_udp", "allow", "127.0.0.1", echoPort]])

      await server.request("process/closeStdin", { processId: "udp-client" })
      await server.closed("udp-client")
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill()
    }
  })
})
