/**
 * The soak beside the reference: the same load on ours and on Codex's
 * exec-server at the same time (as many connections each, the same seed,
 * so the same draws), no faults and no cuts, and both probes' latencies
 * side by side per sample window and over the whole load. Each server runs
 * its own `runSoak` (index.mjs); both loads start together once both have
 * warmed up (`beforeLoad`), so that their windows cover the same seconds.
 *
 * Only the kinds the reference can run are drawn by default
 * (BESIDE_KINDS): it has no `process/closeStdin` (-32601, so no `pipe
 * stdin`), and a `stubborn` process's child, which ignores SIGTERM, outlives
 * its `process/terminate` there (exit 1 or 137, no signal; its children
 * still running after the load). What else its checks find in the
 * reference is how it reports, not load: a signal's exit with `signal`
 * null, a terminal's last output after `exited`. Those failures are
 * counted, not fatal.
 */
import { existsSync } from "node:fs"
import { loadavg } from "node:os"
import { REFERENCE_BINARY } from "../../test/support/reference.ts"
import { runSoak } from "./index.mjs"
import { latencyFigures } from "./report.mjs"
import { BINARY } from "./server.mjs"

/** The kinds drawn beside the reference: those it runs to their close. */
export const BESIDE_KINDS = ["pipe output", "terminal output", "terminal stdin", "exit status", "missing program"]

/** The reference's command (`--listen ws://127.0.0.1:0` is added), or undefined where it is not installed. */
export const referenceCommand = () => existsSync(REFERENCE_BINARY) ? [REFERENCE_BINARY, "exec-server"] : undefined

const fixed = (value, digits = 1) => value === undefined ? "-" : value.toFixed(digits)
const ratio = (ours, theirs) => ours === undefined || theirs === undefined || theirs === 0 ? undefined : ours / theirs
const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, "0")}`

const COLUMNS = [
  ["window", 7],
  ["ours p50/p99 ms", 16],
  ["ref p50/p99 ms", 16],
  ["p50 ×", 6],
  ["p99 ×", 6],
  ["probes", 7],
  ["RSS MiB ours/ref", 16],
  ["load", 5]
]

/** The header of the window lines. */
export const besideHeader = () => COLUMNS.map(([name, width]) => name.padStart(width)).join("  ")

/** One window as a line under besideHeader: `{t, ours, reference, load}`, each side's figures `{p50, p99, probes, rssMiB}`. */
export const besideLine = ({ t, ours, reference, load }) =>
  [
    clock(t),
    `${fixed(ours.p50)}/${fixed(ours.p99)}`,
    `${fixed(reference.p50)}/${fixed(reference.p99)}`,
    fixed(ratio(ours.p50, reference.p50), 2),
    fixed(ratio(ours.p99, reference.p99), 2),
    `${ours.probes}/${reference.probes}`,
    `${fixed(ours.rssMiB)}/${fixed(reference.rssMiB)}`,
    fixed(load, 2)
  ].map((text, index) => text.padStart(COLUMNS[index][1])).join("  ")


/**
 * Runs both. `options`: seconds, connections, concurrency, seed, kinds,
 * sampleSeconds, probeMs, ours (ours's command), reference (the
 * reference's), onWindow(window), onEvent(line), signal. Resolves with
 * `{windows, whole, ours, reference, seed}`: each window's and the whole
 * load's p50 and p99 per server and their ratios, and each server's
 * runSoak result.
 */
export const runBeside = async (given) => {
  const options = {
    kinds: BESIDE_KINDS,
    ours: [BINARY],
    reference: referenceCommand(),
    connections: 9,
    concurrency: 4,
    sampleSeconds: 30,
    ...given
  }
  if (options.reference === undefined) throw new Error(`no reference at ${REFERENCE_BINARY} (npm install --prefix /opt/codex @openai/codex@0.171.0, or CODEX=/path/to/codex)`)
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)

  // Both loads start once both servers are warm.
  let arrived = 0
  let open
  let refuse
  const gate = new Promise((resolve, reject) => {
    open = resolve
    refuse = reject
  })
  gate.catch(() => {})
  const beforeLoad = () => {
    if (++arrived === 2) open()
    return gate
  }

  // A window's line once both servers have sampled it.
  const samples = { ours: [], reference: [] }
  const windows = []
  const sampled = (side) => (sample) => {
    samples[side].push(sample)
    const index = samples[side].length - 1
    const ours = samples.ours[index]
    const reference = samples.reference[index]
    // The samples taken as the loads end come a few ms after the last interval's: nothing to show.
    if (ours === undefined || reference === undefined || (ours.probes === 0 && reference.probes === 0)) return
    const side_ = (s) => ({ p50: s.probeP50Ms, p99: s.probeP99Ms, probes: s.probes, rssMiB: s.rssMiB })
    const window = { t: Math.max(ours.t, reference.t), ours: side_(ours), reference: side_(reference), load: loadavg()[0] }
    windows.push(window)
    options.onWindow?.(window)
  }

  const common = {
    seconds: options.seconds,
    connections: options.connections,
    concurrency: options.concurrency,
    seed,
    kinds: options.kinds,
    faults: [],
    fileUris: true,
    // No cuts: the cut's clock never fires.
    cutSeconds: Number.POSITIVE_INFINITY,
    sampleSeconds: options.sampleSeconds,
    ...(options.probeMs === undefined ? {} : { probeMs: options.probeMs }),
    drainSeconds: 120,
    settleSeconds: 30,
    beforeLoad,
    signal: options.signal
  }
  // The reference's failures are its known differences (above), counted in the summary rather than told one by one.
  const told = (side) => (line) => {
    if (side === "reference" && line.startsWith("failure")) return
    options.onEvent?.(`${side}: ${line}`)
  }
  const run = (side, server) =>
    runSoak({ ...common, server, onSample: sampled(side), onEvent: told(side) }).catch((error) => {
      refuse(error)
      throw error
    })
  const [ours, reference] = await Promise.all([run("ours", options.ours), run("reference", options.reference)])

  // The whole load: the probes answered while both loads ran.
  const from = Math.max(ours.loadStartedAt, reference.loadStartedAt)
  const to = Math.min(ours.loadEndedAt, reference.loadEndedAt)
  const during = (result) => result.probeAnswers.filter((answer) => answer.at >= from && answer.at <= to).map((answer) => answer.ms)
  const figures = (result) => {
    const latencies = during(result)
    return { ...latencyFigures(latencies), probes: latencies.length }
  }
  const whole = { ours: figures(ours), reference: figures(reference) }
  whole.p50Ratio = ratio(whole.ours.p50, whole.reference.p50)
  whole.p99Ratio = ratio(whole.ours.p99, whole.reference.p99)
  return { seed, windows, whole, ours, reference }
}

/** The summary of runBeside's result, as lines. */
export const besideSummaryLines = ({ seed, windows, whole, ours, reference }) => {
  const side = (name, result, figures) =>
    `  ${name}: ${result.totals.processes.toLocaleString("en-US")} processes, ${fixed(result.totals.bytesChecked / 1e9, 2)} GB checked; probe p50 ${fixed(figures.p50)} ms, p99 ${fixed(figures.p99)} ms, max ${fixed(figures.max)} ms (${figures.probes} probes); ${result.failures.length} failures${result.failures.length === 0 ? "" : ` (${Object.entries(Object.groupBy(result.failures, (failure) => failure.kind)).map(([kind, list]) => `${list.length} ${kind}`).join(", ")}; first: ${result.failures[0].detail.slice(0, 160)})`}`
  const p50s = windows.map((window) => ratio(window.ours.p50, window.reference.p50)).filter((value) => value !== undefined)
  const p99s = windows.map((window) => ratio(window.ours.p99, window.reference.p99)).filter((value) => value !== undefined)
  const median = (values) => latencyFigures(values).p50
  return [
    `beside the reference: ${clock(ours.seconds)} of load on ${ours.options.connections} connections each (${ours.options.concurrency} processes each at a time), seed ${seed}, kinds ${ours.options.kinds.join(", ")}`,
    side("ours", ours, whole.ours),
    side("reference", reference, whole.reference),
    `  whole load: p50 ${fixed(whole.p50Ratio, 2)}×, p99 ${fixed(whole.p99Ratio, 2)}× the reference's; per window, median p50 ${fixed(median(p50s), 2)}×, median p99 ${fixed(median(p99s), 2)}× (${windows.length} windows)`
  ]
}
