#!/usr/bin/env node
/**
 * Summarizes a V8 CPU profile (a `.cpuprofile` from `node --cpu-prof`):
 * where the time went by self time (the function on top of the stack), by
 * total time (on the stack at all), and the event loop's busy turns: runs
 * of consecutive samples that are not `(idle)`, how long they were (p50,
 * p99, max, and how much of the busy time came in turns of 10 ms or more)
 * and, for the longest, the call path that most of their samples were in.
 *
 *   node bench/cpuprofile.mjs FILE.cpuprofile [--top N] [--turns N] [--from MS] [--to MS]
 *
 * --from and --to keep the samples between those milliseconds after the
 * profile's start (a soak's load, not its warm-up and drain).
 */
import { readFileSync } from "node:fs"
import { args, option } from "./common.mjs"

const file = args.find((arg) => arg.endsWith(".cpuprofile"))
if (file === undefined) {
  console.error("usage: node bench/cpuprofile.mjs FILE.cpuprofile [--top N] [--turns N] [--from MS] [--to MS]")
  process.exit(2)
}
const top = Number(option("top", "25"))
const turnsShown = Number(option("turns", "10"))
const fromMs = Number(option("from", "0"))
const toMs = Number(option("to", String(Number.POSITIVE_INFINITY)))

const profile = JSON.parse(readFileSync(file, "utf8"))
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const parents = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)

const shortUrl = (url) => url === "" ? "" : url.replace(/^file:\/\//, "").replace(/^.*\/(node_modules\/)/, "$1").replace(/^.*\/dist\//, "dist/")
const nameOf = (node) => {
  const frame = node.callFrame
  const where = frame.url === "" ? "" : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
  return `${frame.functionName === "" ? "(anonymous)" : frame.functionName}${where}`
}
const IDLE = new Set(["(idle)"])
const isIdle = (node) => IDLE.has(node.callFrame.functionName)
const stackOf = (id) => {
  const stack = []
  for (let at = id; at !== undefined; at = parents.get(at)) stack.push(nodes.get(at))
  return stack.reverse().slice(1)
}

// The samples kept, each with its duration (the delta to the next sample).
const samples = []
let time = profile.startTime
for (let index = 0; index < profile.samples.length; index++) {
  time += profile.timeDeltas[index]
  const next = profile.timeDeltas[index + 1] ?? 0
  const atMs = (time - profile.startTime) / 1000
  if (atMs < fromMs || atMs > toMs) continue
  samples.push({ id: profile.samples[index], us: Math.max(0, next) })
}

const self = new Map()
const total = new Map()
let busyUs = 0
let idleUs = 0
let gcUs = 0
for (const sample of samples) {
  const node = nodes.get(sample.id)
  if (isIdle(node)) {
    idleUs += sample.us
    continue
  }
  busyUs += sample.us
  if (node.callFrame.functionName === "(garbage collector)") gcUs += sample.us
  const name = nameOf(node)
  self.set(name, (self.get(name) ?? 0) + sample.us)
  for (const name of new Set(stackOf(sample.id).map(nameOf))) total.set(name, (total.get(name) ?? 0) + sample.us)
}

// Busy turns: consecutive samples outside (idle).
const turns = []
let turn
for (const sample of samples) {
  if (isIdle(nodes.get(sample.id))) {
    if (turn !== undefined) turns.push(turn)
    turn = undefined
    continue
  }
  turn ??= { us: 0, samples: [] }
  turn.us += sample.us
  turn.samples.push(sample)
}
if (turn !== undefined) turns.push(turn)
const sortedTurns = turns.map((t) => t.us).sort((a, b) => a - b)
const pct = (p) => sortedTurns.length === 0 ? 0 : sortedTurns[Math.min(sortedTurns.length - 1, Math.floor(sortedTurns.length * p))]
const ms = (us) => (us / 1000).toFixed(1)
const share = (us) => busyUs === 0 ? "0.0" : ((100 * us) / busyUs).toFixed(1)
const longUs = turns.filter((t) => t.us >= 10_000).reduce((sum, t) => sum + t.us, 0)

console.log(`${file}: ${ms(busyUs + idleUs)} ms sampled, ${ms(busyUs)} busy (${((100 * busyUs) / Math.max(1, busyUs + idleUs)).toFixed(1)}%), garbage collector ${ms(gcUs)} ms (${share(gcUs)}% of busy)`)
console.log(`busy turns: ${turns.length}; p50 ${ms(pct(0.5))} ms, p99 ${ms(pct(0.99))} ms, max ${ms(sortedTurns.at(-1) ?? 0)} ms; ${share(longUs)}% of the busy time in turns of 10 ms or more`)

const table = (title, map) => {
  console.log(`\n${title}`)
  for (const [name, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us).padStart(10)} ms ${share(us).padStart(5)}%  ${name}`)
}
table(`by self time (top ${top}):`, self)
table(`by total time (top ${top}):`, total)

// The longest turns: the call path (its last four named frames, and the leaf when it is V8's: GC, program) most of each turn's time was in.
console.log(`\nthe ${turnsShown} longest busy turns:`)
for (const longest of [...turns].sort((a, b) => b.us - a.us).slice(0, turnsShown)) {
  const paths = new Map()
  for (const sample of longest.samples) {
    const path = stackOf(sample.id).map(nameOf).filter((name) => !name.startsWith("(")).slice(-4).join(" > ")
    const leaf = nameOf(nodes.get(sample.id))
    const key = `${path}${path === "" ? "" : " > "}${leaf.startsWith("(") ? leaf : ""}`
    paths.set(key, (paths.get(key) ?? 0) + sample.us)
  }
  const [path, us] = [...paths.entries()].sort((a, b) => b[1] - a[1])[0]
  console.log(`${ms(longest.us).padStart(8)} ms (${longest.samples.length} samples); most in (${ms(us)} ms): ${path}`)
}
