#!/usr/bin/env node
/**
 * How a fresh server warms up: batches of 200 concurrent `true` over stdio,
 * in phases, with the server's CPU per spawn in each phase split between
 * its main thread and its other threads (V8's compiler and collector
 * helpers), from the threads' nanosecond counters. With --compile, V8
 * traces its optimizing compiles and the table adds their time per phase
 * and the modules whose functions took longest to compile (the file names
 * mean most with the unbundled build: `npx tsc -p tsconfig.build.json
 * --outDir .plain` and `--entry .plain/cli/main.js`).
 *
 *   node bench/warmup.mjs [--phases 600,1000,2000] [--compile] [--entry FILE] [--node-flags "FLAGS"]
 *
 * The server runs under the flags of the binary's shebang plus --node-flags.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { args, option, root, threadCpuSeconds } from "./common.mjs"

const phases = option("phases", "600,1000,2000").split(",").map(Number)
const compile = args.includes("--compile")
const entry = Path.resolve(root, option("entry", "dist/cli/main.js"))
const shebang = readFileSync(Path.join(root, "dist/cli/main.js"), "utf8").split("\n")[0]
const binaryFlags = shebang.replace(/^#!.*?node\s*/, "").split(/\s+/).filter(Boolean)
const extraFlags = option("node-flags", "").split(/\s+/).filter(Boolean)
const traceFlags = compile ? ["--trace-opt", "--trace-file-names"] : []

const server = spawn(process.execPath, [...binaryFlags, ...extraFlags, ...traceFlags, entry, "--max-processes", "4096"], {
  stdio: ["pipe", "pipe", "ignore"]
})
const waiters = new Map()
const closedWaiters = new Map()
let traceLines = []
let buffered = ""
server.stdout.setEncoding("utf8")
server.stdout.on("data", (text) => {
  buffered += text
  let newline
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, newline)
    buffered = buffered.slice(newline + 1)
    // V8's traces share stdout with the wire; they never start with "{".
    if (!line.startsWith("{")) {
      traceLines.push(line)
      continue
    }
    const message = JSON.parse(line)
    if (message.id !== undefined) waiters.get(message.id)?.(message)
    else if (message.method === "process/closed") closedWaiters.get(message.params.processId)?.()
  }
})
let nextId = 0
const request = (method, params) =>
  new Promise((resolve) => {
    const id = ++nextId
    waiters.set(id, resolve)
    server.stdin.write(JSON.stringify({ id, method, params }) + "\n")
  })

/** Milliseconds of CPU of the server's main thread and of all its threads. */
const cpu = () => {
  const threads = threadCpuSeconds(server.pid)
  const all = [...threads.values()].reduce((total, seconds) => total + seconds, 0)
  return { main: threads.get(String(server.pid)) * 1000, all: all * 1000 }
}

const runBatches = async (count, tag) => {
  for (let start = 0; start < count; start += 200) {
    const ids = Array.from({ length: Math.min(200, count - start) }, (_, i) => `${tag}-${start + i}`)
    const closed = ids.map((id) => new Promise((resolve) => closedWaiters.set(id, resolve)))
    const answers = await Promise.all(ids.map((processId) =>
      request("process/start", { processId, argv: ["true"], cwd: root, env: { PATH: process.env.PATH }, tty: false })))
    const refused = answers.find((answer) => answer.error !== undefined)
    if (refused !== undefined) throw new Error(JSON.stringify(refused.error))
    await Promise.all(closed)
  }
}

/** Compile milliseconds of the traced lines, in total and by file. */
const compileTimes = (lines) => {
  const byFile = new Map()
  let total = 0
  for (const line of lines) {
    const match = /completed compiling .*?<JSFunction (.*?) \(sfi.*? - took ([\d.]+), ([\d.]+), ([\d.]+) ms/.exec(line)
    if (match === null) continue
    const ms = Number(match[2]) + Number(match[3]) + Number(match[4])
    const file = /<(?:file:\/\/)?([^>]*)>/.exec(match[1])?.[1]?.replace(root + "/", "") ?? "?"
    total += ms
    byFile.set(file, (byFile.get(file) ?? 0) + ms)
  }
  return { total, byFile }
}

await request("initialize", { clientName: "warmup" })
server.stdin.write(JSON.stringify({ method: "initialized" }) + "\n")
const allCompiles = new Map()
console.log(["phase", "spawns", "CPU ms/spawn", "main thread", "other threads", ...(compile ? ["compile ms"] : [])].join(" | "))
console.log(["---", "---", "---", "---", "---", ...(compile ? ["---"] : [])].join(" | "))
for (const [index, count] of phases.entries()) {
  traceLines = []
  const before = cpu()
  await runBatches(count, `phase${index}`)
  const after = cpu()
  const all = (after.all - before.all) / count
  const main = (after.main - before.main) / count
  const row = [index + 1, count, all.toFixed(3), main.toFixed(3), (all - main).toFixed(3)]
  if (compile) {
    const { total, byFile } = compileTimes(traceLines)
    row.push(total.toFixed(0))
    for (const [file, ms] of byFile) allCompiles.set(file, (allCompiles.get(file) ?? 0) + ms)
  }
  console.log(row.join(" | "))
}
if (compile) {
  console.log("\ncompile ms by file, all phases:")
  for (const [file, ms] of [...allCompiles].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms.toFixed(1).padStart(8)}  ${file}`)
}
server.kill()
