// A WebSocket relay that logs the JSON-RPC methods a client sends to an
// exec-server, so that a script can tell which requests Codex made of either
// server (ours or the reference) the same way: `node relay.mjs PORT UPSTREAM LOG`.
// Messages pass through unchanged, in order, each way; one line per request
// ("-> method") goes to LOG, and the executorVersion the server's
// `initialize` answer reports ("<- executorVersion V"). A probe of Codex's
// gates: with $EXECUTOR_VERSION set, that answer's executorVersion is
// rewritten to it (nothing else is changed); with $CAPS (a JSON object, e.g.
// '{"networkProxyLaunch":false}'), its capabilities are overwritten with
// those values. With $RELAY_FULL set, every
// message, each way, is also written whole to LOG.full ("-> JSON" from the
// client, "<- JSON" from the server), for a script to read what was sent.
import fs from "node:fs"
import { WebSocket, WebSocketServer } from "ws"
const [port, upstream, log] = [Number(process.argv[2]), process.argv[3], process.argv[4]]
const rewrite = process.env.EXECUTOR_VERSION || undefined
const caps = process.env.CAPS ? JSON.parse(process.env.CAPS) : undefined
const full = process.env.RELAY_FULL ? `${log}.full` : undefined
const record = (direction, data) => { if (full !== undefined) fs.appendFileSync(full, `${direction} ${data.toString()}\n`) }
const server = new WebSocketServer({ host: "127.0.0.1", port }, () => console.error(`relay on ${port}`))
server.on("connection", (client, request) => {
  const target = new WebSocket(upstream + (request.url === "/" ? "" : request.url))
  // Messages from Codex that arrive before the upstream is open wait here, in order.
  const queued = []
  target.on("open", () => { for (const [data, binary] of queued.splice(0)) target.send(data, { binary }) })
  client.on("message", (data, binary) => {
    record("->", data)
    try {
      const message = JSON.parse(data.toString())
      if (typeof message.method === "string") fs.appendFileSync(log, `-> ${message.method}\n`)
    } catch { /* not JSON: passed on as it is */ }
    if (target.readyState === WebSocket.OPEN) target.send(data, { binary }); else queued.push([data, binary])
  })
  target.on("message", (data, binary) => {
    record("<-", data)
    let out = data
    try {
      const message = JSON.parse(data.toString())
      const info = message.result?.environmentInfo
      if (typeof info?.executorVersion === "string") {
        fs.appendFileSync(log, `<- executorVersion ${info.executorVersion}${rewrite === undefined ? "" : ` (sent as ${rewrite})`}\n`)
        if (rewrite !== undefined) { info.executorVersion = rewrite; out = JSON.stringify(message) }
        if (caps !== undefined) { Object.assign(info.capabilities, caps); out = JSON.stringify(message) }
      }
    } catch { /* not JSON */ }
    client.send(out, { binary })
  })
  client.on("close", () => target.close())
  target.on("close", () => client.close())
  client.on("error", () => target.close())
  target.on("error", () => client.close())
})
