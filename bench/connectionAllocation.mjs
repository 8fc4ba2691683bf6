#!/usr/bin/env node
/**
 * What one short WebSocket connection costs the server in memory allocated
 * (issue 48's per-connection target) and CPU: `initialize`, `initialized`,
 * close, as a client that only asks the server's environment does. Each
 * server runs under V8's allocation sampler (bench/allocationSampler.cjs),
 * serves `--warm` connections first, then `--connections` sampled ones, 10
 * at a time; ours, the floor (bench/bareWsServer.mjs) and the Effect 4
 * floor (bench/floor/effectWsServer.mjs: a scope, a fiber, Schema codecs
 * per connection; again with `--session`, a session and four log lines)
 * alternate, each round a fresh process of each. Prints min, median and
 * max per server.
 *
 *   npm run build && node bench/connectionAllocation.mjs [--rounds 3] [--connections 1000] [--warm 300]
 *     [--server path/to/main.js] [--compare path/to/other/main.js] [--profile DIR] [-- server flags…]
 *
 * `--compare` adds another build of ours (its `dist/cli/main.js`), in the same rounds.
 *
 * The sampler counts what is allocated, whether collected since or not; it
 * slows the server, so the CPU column is for comparing builds, not a speed.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { WebSocket } from "ws"
import { args, option, root } from "./common.mjs"

const rounds = Number(option("rounds", "3"))
const connections = Number(option("connections", "1000"))
const warm = Number(option("warm", "300"))
const ours = Path.resolve(option("server", Path.join(root, "dist", "cli", "main.js")))
const other = option("compare", undefined)
// Where each server's sampled profile of each round goes (DevTools opens a .heapprofile), to see where it goes.
const profiles = option("profile", undefined)
const serverFlags = args.includes("--") ? args.slice(args.indexOf("--") + 1) : []
const servers = [
  { name: "effect-exec-server", script: ours, flags: serverFlags },
  ...(other === undefined ? [] : [{ name: `compare (${other})`, script: Path.resolve(other), flags: serverFlags }]),
  { name: "floor (bareWsServer)", script: Path.join(root, "bench", "bareWsServer.mjs"), flags: [] },
  { name: "Effect 4 floor (floor/effectWsServer)", script: Path.join(root, "bench", "floor", "effectWsServer.mjs"), flags: [] },
  {
    name: "Effect 4 floor with a session (floor/effectWsServer --session)",
    script: Path.join(root, "bench", "floor", "effectWsServer.mjs"),
    flags: ["--session"]
  }
]
const work = mkdtempSync(Path.join(tmpdir(), "exec-server-alloc-"))

const waitFor = async (check) => {
  for (let i = 0; i < 400; i++) {
    const value = check()
    if (value) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error("timed out")
}

/** One connection: `initialize`, then `initialized` and a close once it is answered. */
const shortConnection = (url) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false })
    socket.once("error", reject)
    socket.once("open", () =>
      socket.send(JSON.stringify({ id: 1, method: "initialize", params: { clientName: "bench", detachTtlMs: 0 } })))
    socket.once("message", () => {
      socket.send(JSON.stringify({ method: "initialized", params: {} }))
      socket.close()
    })
    socket.once("close", resolve)
  })

const serveMany = async (url, count) => {
  for (let done = 0; done < count; done += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - done) }, () => shortConnection(url)))
  }
}

const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return Number(fields[11]) + Number(fields[12])
}

const measure = async (server, round) => {
  const out = Path.join(work, `${round}-${servers.indexOf(server)}`)
  const child = spawn(process.execPath, ["--require", Path.join(root, "bench", "allocationSampler.cjs"), server.script, "--listen", "ws://127.0.0.1:0", ...server.flags], {
    env: {
      ...process.env,
      ALLOCATION_OUT: out,
      ...(profiles === undefined ? {} : { ALLOCATION_PROFILE: Path.resolve(profiles, `${servers.indexOf(server)}-${server.name.split(" ")[0]}-${round}.heapprofile`) })
    },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr.on("data", (chunk) => (stderr += chunk))
  try {
    const url = await waitFor(() => /ws:\/\/[0-9.:]+/.exec(stderr)?.[0])
    await serveMany(url, warm)
    child.kill("SIGUSR2")
    await waitFor(() => existsSync(`${out}.on`))
    const cpuBefore = cpuTicks(child.pid)
    await serveMany(url, connections)
    const cpu = cpuTicks(child.pid) - cpuBefore
    child.kill("SIGUSR2")
    const bytes = Number(await waitFor(() => existsSync(out) && readFileSync(out, "utf8")))
    return { kb: bytes / connections / 1000, cpuMs: (cpu * 10) / connections }
  } finally {
    child.kill("SIGTERM")
  }
}

const figures = servers.map(() => [])
for (let round = 0; round < rounds; round++) {
  // Alternated, the order reversed every other round.
  const order = round % 2 === 0 ? servers : [...servers].reverse()
  for (const server of order) figures[servers.indexOf(server)].push(await measure(server, round))
}
rmSync(work, { recursive: true, force: true })

const summary = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return `${sorted[0].toFixed(1)} / ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} / ${sorted.at(-1).toFixed(1)}`
}
console.log(`${connections} connections after ${warm}, ${rounds} rounds (min / median / max)`)
console.log(["server", "KB allocated per connection", "CPU ms per connection (sampled)"].join(" | "))
servers.forEach((server, i) =>
  console.log([server.name, summary(figures[i].map((f) => f.kb)), summary(figures[i].map((f) => f.cpuMs))].join(" | ")))
