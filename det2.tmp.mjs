import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import WebSocket from "ws"
const counter = "/tmp/det-counter"
const srv = spawn(process.execPath, ["dist/cli/main.js", "--listen", "ws://127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] })
let err = ""
srv.stderr.on("data", (d) => { err += d })
await new Promise((r) => { const i = setInterval(() => { if (/listening on/.test(err)) { clearInterval(i); r() } }, 20) })
const url = /listening on (ws:\/\/\S+)/.exec(err)[1]
const ws = new WebSocket(url)
await new Promise((r) => ws.on("open", r))
let id = 0
const req = (method, params) => new Promise((r) => { const my = ++id; ws.on("message", (m) => { const x = JSON.parse(m); if (x.id === my) r(x) }); ws.send(JSON.stringify({ id: my, method, params })) })
await req("initialize", { clientName: "x", detachTtlMs: 60000 })
ws.send(JSON.stringify({ method: "initialized", params: {} }))
const py = `import os\nb = bytes(65536)\nn = 0\nwhile True:\n  os.write(1, b); n += 1\n  if n % 16 == 0: open(${JSON.stringify(counter)}, "w").write(str(n * 65536))`
await req("process/start", { processId: "flood", argv: ["python3", "-c", py], cwd: process.cwd(), env: {}, tty: false })
ws.terminate()
const w = () => { try { return Number(readFileSync(counter, "utf8")) || 0 } catch { return 0 } }
let prev = w()
const samples = []
for (let i = 0; i < Number(process.argv[2] ?? 20); i++) {
  await new Promise((r) => setTimeout(r, 1000))
  const now = w(); samples.push(((now - prev) / 1048576).toFixed(1)); prev = now
}
console.log(samples.join(" "))
srv.kill()
