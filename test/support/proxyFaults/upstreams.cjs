/**
 * The misbehaving destinations of proxyFaults.test.ts, run as a process of
 * the server under test (so in its network namespace), on 127.0.0.1: an HTTP
 * server and two HTTPS ones (argv[2]: the key and certificate files of one
 * the server trusts, argv[3]: of one it does not) whose paths `/reset` cut
 * the body once the request's says `go` (a reset, or a close without
 * close_notify under TLS) and `/slow` trickle it for ever; TCP servers that
 * send `hello` and reset at the client's first byte, or send `tick` every
 * 50 ms; a UDP echo; and a port nobody listens on. Prints
 * `ports:{...}` once all listen.
 */
const http = require("node:http")
const https = require("node:https")
const net = require("node:net")
const dgram = require("node:dgram")
const fs = require("node:fs")

const BODY = 100000
const tlsOptions = (files) => {
  const [key, cert] = JSON.parse(files)
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) }
}
const cut = (socket) => (socket.encrypted ? socket.destroy() : socket.resetAndDestroy())
const handler = (request, response) => {
  if (request.url.endsWith("/reset")) {
    // Part of the body at once; the cut once the client says `go` (so after the part reached it).
    response.writeHead(200, { "content-length": String(BODY) })
    response.write("partial")
    let said = ""
    request.on("data", (data) => {
      said += data
      if (said.includes("go")) cut(request.socket)
    })
  } else if (request.url.endsWith("/slow")) {
    response.writeHead(200, { "content-length": String(BODY) })
    response.write("x")
    const timer = setInterval(() => response.write("x"), 50)
    response.on("close", () => clearInterval(timer))
  } else {
    request.resume()
    request.on("end", () => response.end("ok"))
  }
}
const served = (server) => {
  server.on("clientError", (_error, socket) => socket.destroy())
  return server
}
const tcp = (onSocket) => net.createServer((socket) => {
  socket.on("error", () => {})
  onSocket(socket)
})
const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)))

const main = async () => {
  const unused = tcp(() => {})
  const closed = await listen(unused)
  await new Promise((resolve) => unused.close(resolve))
  const udp = dgram.createSocket("udp4")
  udp.on("message", (data, from) => udp.send(data, from.port, from.address))
  await new Promise((resolve) => udp.bind(0, "127.0.0.1", resolve))
  const ports = {
    closed,
    web: await listen(served(http.createServer(handler))),
    good: await listen(served(https.createServer(tlsOptions(process.argv[2]), handler))),
    bad: await listen(served(https.createServer(tlsOptions(process.argv[3]), handler))),
    tcpReset: await listen(tcp((socket) => {
      socket.write("hello")
      socket.once("data", () => socket.resetAndDestroy())
    })),
    tcpSlow: await listen(tcp((socket) => {
      socket.resume()
      const timer = setInterval(() => socket.write("tick"), 50)
      socket.on("close", () => clearInterval(timer))
    })),
    udpEcho: udp.address().port
  }
  console.log(`ports:${JSON.stringify(ports)}`)
}
main()
