#!/usr/bin/env node
/**
 * The soak: mixed load on the built server over WebSocket for N minutes,
 * under faults, checking every byte and exit status (bench/soak/index.mjs).
 *
 *   npm run soak -- --minutes 25
 *
 * Prints a line per sample (RSS, descriptors, threads, live processes,
 * zombies, probe latency, processes and bytes checked so far), what the
 * faults did, and a summary with the slopes per hour; exits 1 when
 * anything was lost or wrong, the probe went unanswered, or the server did
 * not go back to its baseline.
 *
 * Options: --minutes N (default 10) or --seconds N, --connections N (18),
 * --concurrency N (processes per connection at a time, 4), --seed N,
 * --kinds a,b (the jobs drawn, of: "pipe output", "terminal output", "pipe
 * stdin", "terminal stdin", "exit status", stubborn, "missing program";
 * default all), --faults a,b (of: pause, stop, descriptors, "fork bomb", "full disk";
 * default all; --faults none for none), --pause-seconds N (20),
 * --stop-seconds N (5), --starve-seconds N (5), --cut-seconds N (20),
 * --fault-seconds N (30), --sample-seconds N (30), --server CMD (the
 * server's command instead of dist/cli/exec-server), --json FILE (the
 * whole result).
 *
 * --beside-reference runs the same load on Codex's exec-server at the same
 * time (bench/soak/beside.mjs): 9 connections each by default, no faults,
 * the kinds the reference runs to their close, and a line per window with
 * each server's probe p50/p99 and the ratios. --reference CMD names the
 * reference's binary and its subcommand (default: test/support/reference.ts's,
 * `exec-server`).
 */
import { writeFileSync } from "node:fs"
import { args, option } from "./common.mjs"
import { besideHeader, besideLine, besideSummaryLines, runBeside } from "./soak/beside.mjs"
import { DEFAULTS, runSoak, sampleHeader, sampleLine, summaryLines } from "./soak/index.mjs"

const number = (name, fallback) => {
  const value = option(name, undefined)
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed < 0) {
    console.error(`soak: --${name} wants a number, not ${JSON.stringify(value)}`)
    process.exit(2)
  }
  return parsed
}

const faults = option("faults", undefined)
const kinds = option("kinds", undefined)
const serverCommand = option("server", undefined)
const jsonFile = option("json", undefined)
const seconds = number("seconds", number("minutes", 10) * 60)

if (args.includes("--help")) {
  console.log("npm run soak -- [--beside-reference [--reference CMD]] [--minutes N] [--connections N] [--concurrency N] [--seed N] [--kinds a,b] [--faults a,b|none] [--pause-seconds N] [--stop-seconds N] [--starve-seconds N] [--server CMD] [--json FILE]")
  process.exit(0)
}

const interrupt = new AbortController()
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(130)
  interrupt.abort()
  console.log("soak: interrupted, the load ends now (the checks still run); a second ^C ends it at once, the server killed")
})

if (args.includes("--beside-reference")) {
  const reference = option("reference", undefined)
  console.log(`soak beside the reference: ${seconds / 60} minutes; a line every ${number("sample-seconds", DEFAULTS.sampleSeconds)} s`)
  console.log(besideHeader())
  const result = await runBeside({
    seconds,
    connections: number("connections", 9),
    concurrency: number("concurrency", DEFAULTS.concurrency),
    seed: number("seed", undefined),
    ...(kinds === undefined ? {} : { kinds: kinds.split(",") }),
    sampleSeconds: number("sample-seconds", DEFAULTS.sampleSeconds),
    ...(serverCommand === undefined ? {} : { ours: serverCommand.split(/\s+/) }),
    ...(reference === undefined ? {} : { reference: reference.split(/\s+/) }),
    onWindow: (window) => console.log(besideLine(window)),
    onEvent: (line) => console.log(`  ${line}`),
    signal: interrupt.signal
  })
  for (const line of besideSummaryLines(result)) console.log(line)
  if (jsonFile !== undefined) writeFileSync(jsonFile, JSON.stringify(result, null, 2))
  process.exit(0)
}

console.log(`soak: ${seconds / 60} minutes; a line every ${number("sample-seconds", DEFAULTS.sampleSeconds)} s`)
console.log(sampleHeader())

const result = await runSoak({
  seconds,
  connections: number("connections", DEFAULTS.connections),
  concurrency: number("concurrency", DEFAULTS.concurrency),
  seed: number("seed", undefined),
  faults: faults === undefined ? DEFAULTS.faults : faults === "none" ? [] : faults.split(","),
  kinds: kinds === undefined ? DEFAULTS.kinds : kinds.split(","),
  pauseSeconds: number("pause-seconds", DEFAULTS.pauseSeconds),
  stopSeconds: number("stop-seconds", DEFAULTS.stopSeconds),
  starveSeconds: number("starve-seconds", DEFAULTS.starveSeconds),
  cutSeconds: number("cut-seconds", DEFAULTS.cutSeconds),
  faultSeconds: number("fault-seconds", DEFAULTS.faultSeconds),
  sampleSeconds: number("sample-seconds", DEFAULTS.sampleSeconds),
  ...(serverCommand === undefined ? {} : { server: serverCommand.split(/\s+/) }),
  onSample: (sample) => console.log(sampleLine(sample)),
  onEvent: (line) => console.log(`  ${line}`),
  signal: interrupt.signal
})

for (const line of summaryLines(result)) console.log(line)
if (jsonFile !== undefined) writeFileSync(jsonFile, JSON.stringify(result, null, 2))
process.exit(result.ok ? 0 : 1)
