import { spawn } from "node:child_process"
import fs from "node:fs"
import { openTransport } from "./bench/nats.mjs"
const cpu = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) * 10 }
const natsPid = Number(fs.readFileSync("/tmp/nt/npid", "utf8"))
const exPid = Number(fs.readFileSync("/tmp/nt/expid", "utf8"))
const way = process.argv[2]
const wsUrl = /listening on (ws:\/\/\S+)/.exec(fs.readFileSync("/tmp/nt/ex.log", "utf8"))[1]
const t = await openTransport("/work/main/dist", way === "ws" ? { url: wsUrl } : { servers: ["nats://127.0.0.1:14999"], environmentId: "pipe1" })
let id = 1; const pending = new Map(); let bytes = 0; let done
t.listen((text) => { const m = JSON.parse(text); if (m.id !== undefined) pending.get(m.id)?.(m); else if (m.method === "process/output") bytes += Buffer.byteLength(m.params.chunk, "base64"); else if (m.method === "process/closed") done() })
const call = (method, params) => new Promise((r) => { const i = id++; pending.set(i, r); t.send(JSON.stringify({ id: i, method, params })) })
await call("initialize", { clientName: "pipe" }); t.send(JSON.stringify({ method: "initialized", params: {} }))
for (let round = 0; round < 3; round++) {
  const c0 = [cpu(natsPid), cpu(exPid), process.cpuUsage()]; const t0 = performance.now(); bytes = 0
  const closed = new Promise((r) => (done = r))
  await call("process/start", { processId: `p${round}`, argv: ["cat", "/tmp/nt/32m.bin"], cwd: "/tmp", env: { PATH: "/usr/bin:/bin" }, tty: false })
  await closed
  const ms = performance.now() - t0; const u = process.cpuUsage(c0[2])
  console.log(`${way}: ${(bytes / 1048576 / ms * 1000).toFixed(0)} MB/s; CPU ms: nats-server ${cpu(natsPid) - c0[0]}, executor ${cpu(exPid) - c0[1]}, client ${((u.user + u.system) / 1000).toFixed(0)}; wall ${ms.toFixed(0)}`)
}
await t.close(); process.exit(0)
