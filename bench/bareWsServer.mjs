#!/usr/bin/env node
/**
 * The floor of a Node WebSocket server, for judging the WebSocket targets:
 * `ws` (as ours uses it) and one `JSON.parse` and one `JSON.stringify` per
 * message, nothing else. It answers `initialize` and refuses every other
 * request as an unknown process, which is what `wsPipelined` sends.
 *
 *   node --expose-gc bench/run.mjs --only wsPipelined,wsIdle --server bench/bareWsServer.mjs \
 *     --compare "codex exec-server --listen stdio://" --compare-dialect codex
 *
 * Arguments (the bench passes `--listen ws://127.0.0.1:0 …`) are ignored:
 * it listens on an ephemeral loopback port and prints its URL.
 */
import { WebSocketServer } from "ws"

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false })
server.on("listening", () => process.stderr.write(`listening on ws://127.0.0.1:${server.address().port}\n`))
server.on("connection", (socket) =>
  socket.on("message", (data) => {
    const message = JSON.parse(String(data))
    if (message.id === undefined) return
    socket.send(JSON.stringify(message.method === "initialize"
      ? { id: message.id, result: { sessionId: "floor" } }
      : { id: message.id, error: { code: -32600, message: `unknown process id ${message.params?.processId}` } }))
  }))
process.on("SIGTERM", () => process.exit(0))
