import { WebSocket } from "ws"
import { spawn } from "node:child_process"
import fs from "node:fs"
const server = spawn("dist/cli/main.js", ["--listen", "ws://127.0.0.1:0"], { stdio: ["ignore", "ignore", "pipe"] })
const url = await new Promise((r) => { let s = ""; server.stderr.on("data", (d) => { s += d; const m = /ws:\/\/[\d.]+:\d+/.exec(s); if (m) r(m[0]) }) })
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, "utf8"))[1]) / 1024
const ws = new WebSocket(url); await new Promise((r) => ws.once("open", r))
const send = (m) => ws.send(JSON.stringify(m))
send({ id: 1, method: "initialize", params: { clientName: "push" } }); send({ method: "initialized", params: {} })
send({ id: 2, method: "process/start", params: { processId: "sink", argv: ["sleep", "30"], cwd: "/tmp", env: { PATH: "/usr/bin:/bin" }, tty: false, pipeStdin: true } })
await new Promise((r) => setTimeout(r, 500))
const before = rss()
const chunk = Buffer.alloc(1024 * 1024, "x").toString("base64")
for (let i = 0; i < Number(process.argv[2] ?? 64); i++) send({ id: 100 + i, method: "process/write", params: { processId: "sink", chunk, writeId: `w${i}` } })
await new Promise((r) => setTimeout(r, 3000))
console.log(`server RSS ${before.toFixed(0)} → ${rss().toFixed(0)} MiB after ${process.argv[2] ?? 64} × 1 MiB writes to a process that does not read; client bufferedAmount ${ws.bufferedAmount}`)
server.kill("SIGKILL"); process.exit(0)
