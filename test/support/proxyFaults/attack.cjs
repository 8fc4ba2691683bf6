/**
 * The hostile process of proxyFaults.test.ts: drives every path of its own
 * proxies (absolute-form HTTP, CONNECT, SOCKS5 TCP and UDP, and tunnels
 * the credential masking looks into) through connects that fail at once
 * (`unroutable.test`: no route) or late (`hole.test`: no ARP answer, about
 * 3 s), refused ones, resets mid-body from either side, TLS errors and slow
 * peers, all at once, and prints `results:{case: outcome}`. argv[2]: the
 * ports of upstreams.cjs. Proxy credentials in $HTTP_PROXY / $ALL_PROXY,
 * where there are any, are sent (Proxy-Authorization, RFC 1929).
 */
const net = require("node:net")
const tls = require("node:tls")
const dgram = require("node:dgram")
const crypto = require("node:crypto")

const ports = JSON.parse(process.argv[2])
const httpProxy = new URL(process.env.HTTP_PROXY)
const socksProxy = new URL(process.env.ALL_PROXY)
const BODY = 100000

const credentials = (url) => url.username === "" ? undefined : [decodeURIComponent(url.username), decodeURIComponent(url.password)]
const httpCredentials = credentials(httpProxy)
const proxyAuthorization = httpCredentials === undefined ? "" : `Proxy-Authorization: Basic ${Buffer.from(httpCredentials.join(":")).toString("base64")}\r\n`
const socksCredentials = credentials(socksProxy)

/** Reads a stream's bytes as they are asked for; `release` gives back what is held, the stream paused. */
const reader = (stream) => {
  let held = Buffer.alloc(0)
  let closed = false
  let wake = () => {}
  const onData = (data) => {
    held = Buffer.concat([held, data])
    wake()
  }
  const onClose = () => {
    closed = true
    wake()
  }
  stream.on("data", onData)
  stream.on("close", onClose)
  stream.on("error", () => {})
  const wait = () => new Promise((resolve) => (wake = resolve))
  const take = (end) => {
    const out = held.subarray(0, end)
    held = held.subarray(end)
    return out
  }
  return {
    read: async (count) => {
      while (held.length < count && !closed) await wait()
      return take(count)
    },
    until: async (text) => {
      while (!held.includes(text) && !closed) await wait()
      const at = held.indexOf(text)
      return take(at === -1 ? held.length : at + text.length)
    },
    some: async () => {
      while (held.length === 0 && !closed) await wait()
      return take(held.length)
    },
    rest: async () => {
      while (!closed) await wait()
      return take(held.length)
    },
    release: () => {
      stream.off("data", onData)
      stream.off("close", onClose)
      stream.pause()
      if (held.length > 0) stream.unshift(take(held.length))
    }
  }
}

const dial = (url) => new Promise((resolve) => {
  const socket = net.connect(Number(url.port), url.hostname)
  socket.on("error", () => {})
  socket.once("connect", () => resolve(socket))
})

const statusOf = (bytes) => (/^HTTP\/1\.[01] (\d{3})/.exec(bytes.toString("latin1")) ?? [])[1] ?? "none"
const lengthOf = (head) => Number((/content-length: (\d+)/i.exec(head.toString("latin1")) ?? [])[1] ?? -1)

/** An absolute-form request through the HTTP proxy. */
const httpRequest = async (url, method = "GET", extra = "") => {
  const socket = await dial(httpProxy)
  const read = reader(socket)
  const host = /^http:\/\/([^/]*)/.exec(url)[1]
  socket.write(`${method} ${url} HTTP/1.1\r\nHost: ${host}\r\n${proxyAuthorization}Connection: close\r\n${extra}\r\n`)
  return { socket, read }
}

/** A tunnel through the HTTP proxy (`http`) or the SOCKS5 one (`socks`); `ok` once the proxy said it is open. */
const tunnel = async (via, host, port) => {
  if (via === "http") {
    const socket = await dial(httpProxy)
    const read = reader(socket)
    socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${proxyAuthorization}\r\n`)
    const answer = statusOf(await read.until("\r\n\r\n"))
    return { socket, read, answer, ok: answer === "200" }
  }
  const { socket, read } = await socksOpen()
  socket.write(socksConnect(host, port))
  const reply = await socksReply(read)
  return { socket, read, answer: reply.code, ok: reply.code === "0" }
}

/** A SOCKS5 CONNECT request to a name. */
const socksConnect = (host, port) => Buffer.concat([Buffer.from([5, 1, 0, 3, host.length]), Buffer.from(host), Buffer.from([port >> 8, port & 255])])

/** A SOCKS5 connection past its greeting (and its username/password, where the proxy URL has them). */
const socksOpen = async () => {
  const socket = await dial(socksProxy)
  const read = reader(socket)
  socket.write(Buffer.from([5, 1, socksCredentials === undefined ? 0 : 2]))
  await read.read(2)
  if (socksCredentials !== undefined) {
    const [user, password] = socksCredentials.map((text) => Buffer.from(text))
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([password.length]), password]))
    await read.read(2)
  }
  return { socket, read }
}

/** A SOCKS5 reply: its code (`closed` when there was none) and the bound port. */
const socksReply = async (read) => {
  const head = await read.read(4)
  if (head.length < 4) return { code: "closed", port: 0 }
  const rest = await read.read(head[3] === 4 ? 18 : 6)
  return { code: String(head[1]), port: rest.readUInt16BE(rest.length - 2) }
}

/** A TLS session inside an open tunnel (the masking's certificate is not checked: not the point here). */
const tlsIn = (opened, host) => {
  opened.read.release()
  const secure = tls.connect({ socket: opened.socket, servername: host, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] })
  return { secure, read: reader(secure) }
}

const request = (host, port, path, extra = "") => `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n${extra}\r\n`

/** A request to `/reset` whose body goes on once part of the answer came, then the answer's status and whether its body was all there. */
const RESET_REQUEST = "Transfer-Encoding: chunked\r\n"
const cutOrWhole = async (stream, read) => {
  stream.write("4\r\nwait\r\n")
  const head = await read.until("partial")
  stream.write("2\r\ngo\r\n")
  const body = await read.rest()
  return `${statusOf(head)} ${body.length + "partial".length < lengthOf(head) ? "cut" : "whole"}`
}

/** Reads a response's head and some of its body, then resets the connection. */
const resetMidBody = async (read, reset) => {
  const head = await read.until("\r\n\r\n")
  await read.some()
  reset()
  return `${statusOf(head)} reset`
}

/** Goes while the proxy is still connecting (to hole.test, which takes about 3 s to fail). */
const goneWhileConnecting = (socket) =>
  new Promise((resolve) => setTimeout(() => {
    socket.resetAndDestroy()
    resolve("gone")
  }, 300))

const web = `web.test:${ports.web}`
const cases = {
  "http immediate": async () => statusOf(await (await httpRequest("http://unroutable.test/")).read.rest()),
  "http late": async () => statusOf(await (await httpRequest("http://hole.test/")).read.rest()),
  "http refused": async () => statusOf(await (await httpRequest(`http://web.test:${ports.closed}/`)).read.rest()),
  "http upstream reset": async () => {
    const { socket, read } = await httpRequest(`http://${web}/reset`, "POST", RESET_REQUEST)
    return cutOrWhole(socket, read)
  },
  "http client reset": async () => {
    const { socket, read } = await httpRequest(`http://${web}/slow`)
    return resetMidBody(read, () => socket.resetAndDestroy())
  },
  "http client reset mid-upload": async () => {
    const { socket } = await httpRequest(`http://${web}/sink`, "POST", `Content-Length: ${BODY}\r\n`)
    await new Promise((resolve) => socket.write(Buffer.alloc(1000, 120), resolve))
    socket.resetAndDestroy()
    return "sent"
  },
  "http gone while connecting": async () => goneWhileConnecting((await httpRequest("http://hole.test/")).socket),
  "http slow client": async () => {
    const socket = await dial(httpProxy)
    const read = reader(socket)
    const text = Buffer.from(`GET http://${web}/ HTTP/1.1\r\nHost: ${web}\r\n${proxyAuthorization}Connection: close\r\n\r\n`)
    for (let index = 0; index < text.length; index += 4) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      socket.write(text.subarray(index, index + 4))
    }
    return statusOf(await read.rest())
  },
  "http bad target": async () => statusOf(await (await httpRequest("http://[::1/")).read.rest()),
  "http upstream slow, client gone": async () => {
    const { socket, read } = await httpRequest(`http://${web}/slow`)
    await read.until("\r\n\r\n")
    socket.destroy()
    return "gone"
  }
}
for (const via of ["http", "socks"]) {
  Object.assign(cases, {
    [`${via} tunnel immediate`]: async () => (await tunnel(via, "unroutable.test", 8443)).answer,
    [`${via} tunnel late`]: async () => (await tunnel(via, "hole.test", 8443)).answer,
    [`${via} tunnel refused`]: async () => (await tunnel(via, "tcp.test", ports.closed)).answer,
    [`${via} tunnel upstream reset`]: async () => {
      const opened = await tunnel(via, "tcp.test", ports.tcpReset)
      const hello = (await opened.read.until("hello")).toString()
      opened.socket.write("bye")
      await opened.read.rest()
      return `${opened.answer} ${hello} closed`
    },
    [`${via} tunnel client reset`]: async () => {
      const opened = await tunnel(via, "tcp.test", ports.tcpSlow)
      await opened.read.some()
      opened.socket.resetAndDestroy()
      return `${opened.answer} reset`
    },
    [`${via} tunnel gone while connecting`]: async () => {
      if (via === "socks") {
        const { socket } = await socksOpen()
        socket.write(socksConnect("hole.test", 443))
        return goneWhileConnecting(socket)
      }
      const socket = await dial(httpProxy)
      reader(socket)
      socket.write(`CONNECT hole.test:443 HTTP/1.1\r\nHost: hole.test:443\r\n${proxyAuthorization}\r\n`)
      return goneWhileConnecting(socket)
    },
    // Masked credentials are bound to these destinations, so the tunnels are looked into.
    [`${via} masked immediate`]: async () => {
      const { secure, read } = tlsIn(await tunnel(via, "unroutable.test", 443), "unroutable.test")
      secure.write(request("unroutable.test", 443, "/v1/x"))
      return statusOf(await read.rest())
    },
    [`${via} masked late`]: async () => {
      const { secure, read } = tlsIn(await tunnel(via, "hole.test", 443), "hole.test")
      secure.write(request("hole.test", 443, "/v1/x"))
      return statusOf(await read.rest())
    },
    [`${via} masked bad upstream certificate`]: async () => {
      const { secure, read } = tlsIn(await tunnel(via, "bad.test", ports.bad), "bad.test")
      secure.write(request("bad.test", ports.bad, "/v1/x"))
      return statusOf(await read.rest())
    },
    [`${via} masked upstream reset`]: async () => {
      const { secure, read } = tlsIn(await tunnel(via, "good.test", ports.good), "good.test")
      secure.write(request("good.test", ports.good, "/v1/reset", RESET_REQUEST).replace("GET", "POST"))
      return cutOrWhole(secure, read)
    },
    [`${via} masked client reset`]: async () => {
      const opened = await tunnel(via, "good.test", ports.good)
      const { secure, read } = tlsIn(opened, "good.test")
      secure.write(request("good.test", ports.good, "/v1/slow"))
      return resetMidBody(read, () => {
        // The TCP socket under the TLS one is reset where Node lets it be; destroyed otherwise.
        try {
          opened.socket.resetAndDestroy()
        } catch {
          secure.destroy()
        }
      })
    },
    [`${via} masked upgrade immediate`]: async () => {
      const { secure, read } = tlsIn(await tunnel(via, "unroutable.test", 443), "unroutable.test")
      secure.write(request("unroutable.test", 443, "/v1/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n").replace("Connection: close\r\n", ""))
      return statusOf(await read.rest())
    },
    [`${via} masked garbage instead of TLS`]: async () => {
      const opened = await tunnel(via, "good.test", ports.good)
      opened.socket.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40]), crypto.randomBytes(400)]))
      await opened.read.rest()
      return `${opened.answer} closed`
    }
  })
}

cases["socks udp"] = async () => {
  const { socket, read } = await socksOpen()
  socket.write(Buffer.from([5, 3, 0, 1, 0, 0, 0, 0, 0, 0]))
  const reply = await socksReply(read)
  const udp = dgram.createSocket("udp4")
  udp.on("error", () => {})
  await new Promise((resolve) => udp.bind(0, "127.0.0.1", resolve))
  const datagram = (host, port, text) =>
    Buffer.concat([Buffer.from([0, 0, 0, 3, host.length]), Buffer.from(host), Buffer.from([port >> 8, port & 255]), Buffer.from(text)])
  const echoed = new Promise((resolve) => udp.once("message", (data) => resolve(data.subarray(data.length - 4).toString())))
  // Lost at once (no route), late (no ARP answer), to nobody (a closed port), then one that comes back.
  for (const [host, port] of [["unroutable.test", 53], ["hole.test", 53], ["udp.test", ports.closed], ["udp.test", ports.udpEcho]]) {
    udp.send(datagram(host, port, "echo"), reply.port, "127.0.0.1")
  }
  const answer = await echoed
  socket.resetAndDestroy()
  udp.close()
  return `${reply.code} ${answer}`
}

const main = async () => {
  const results = {}
  const pending = new Set(Object.keys(cases))
  const timer = setTimeout(() => {
    console.log(`pending:${JSON.stringify([...pending])}`)
    process.exit(1)
  }, 40000)
  await Promise.all(Object.entries(cases).map(async ([name, run]) => {
    try {
      results[name] = await run()
    } catch (error) {
      results[name] = `threw ${error}`
    }
    pending.delete(name)
  }))
  clearTimeout(timer)
  console.log(`results:${JSON.stringify(results)}`)
  process.exit(0)
}
main()
