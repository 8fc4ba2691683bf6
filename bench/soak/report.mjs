/** What the soak prints: a line per sample, slopes per hour, the summary and its verdicts. */

/** Least-squares slope of `points` ({t: seconds, value}) per hour; undefined with fewer than two. */
export const slopePerHour = (points) => {
  if (points.length < 2) return undefined
  const meanT = points.reduce((sum, point) => sum + point.t, 0) / points.length
  const meanValue = points.reduce((sum, point) => sum + point.value, 0) / points.length
  const spread = points.reduce((sum, point) => sum + (point.t - meanT) ** 2, 0)
  if (spread === 0) return undefined
  const covariance = points.reduce((sum, point) => sum + (point.t - meanT) * (point.value - meanValue), 0)
  return (covariance / spread) * 3600
}

/** The figures a sample has that get a slope, with their units. */
export const SLOPED = [
  { key: "rssMiB", label: "RSS", unit: "MiB" },
  { key: "fds", label: "descriptors", unit: "" },
  { key: "threads", label: "threads", unit: "" },
  { key: "children", label: "live processes", unit: "" },
  { key: "probeP50Ms", label: "probe p50", unit: "ms" }
]

/** The slope per hour of each of SLOPED over the samples taken at or after `fromSeconds`. */
export const slopes = (samples, fromSeconds) => {
  const kept = samples.filter((sample) => sample.t >= fromSeconds)
  return Object.fromEntries(SLOPED.map(({ key }) =>
    [key, slopePerHour(kept.filter((sample) => sample[key] !== undefined).map((sample) => ({ t: sample.t, value: sample[key] })))]))
}

const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, "0")}`
const fixed = (value, digits = 1) => value === undefined ? "-" : value.toFixed(digits)
const count = (value) => value.toLocaleString("en-US")
const signed = (value, digits = 1) => value === undefined ? "-" : `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`

const COLUMNS = [
  ["elapsed", 7, (sample) => clock(sample.t)],
  ["RSS MiB", 8, (sample) => fixed(sample.rssMiB)],
  ["fds", 5, (sample) => String(sample.fds)],
  ["threads", 7, (sample) => String(sample.threads)],
  ["live", 5, (sample) => String(sample.children)],
  ["zombies", 7, (sample) => String(sample.zombies)],
  ["probe ms p50/max", 16, (sample) => `${fixed(sample.probeP50Ms)}/${fixed(sample.probeMaxMs)}`],
  ["processes", 9, (sample) => count(sample.processes)],
  ["checked MB", 10, (sample) => fixed(sample.bytesChecked / 1e6)],
  ["failures", 8, (sample) => String(sample.failures)]
]

/** The header of the sample lines. */
export const sampleHeader = () => COLUMNS.map(([name, width]) => name.padStart(width)).join("  ")

/** One sample as a line under sampleHeader. */
export const sampleLine = (sample) => COLUMNS.map(([, width, show]) => show(sample).padStart(width)).join("  ")

const percentile = (sorted, p) => sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

/** p50, p99 and max of latencies (ms). */
export const latencyFigures = (latencies) => {
  const sorted = [...latencies].sort((a, b) => a - b)
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) }
}

/** The summary of a soak's result (runSoak's), as lines. */
export const summaryLines = (result) => {
  const { totals, faults, probe, baseline, settled, options } = result
  const kinds = Object.entries(totals.byKind).map(([kind, n]) => `${kind} ${count(n)}`).join(", ")
  const lines = [
    `soak: ${clock(result.seconds)} of load on ${options.connections} connections (${options.concurrency} processes each at a time), seed ${options.seed}`,
    `  processes: ${count(totals.processes)} checked (${kinds}); ${count(totals.counts.abandoned ?? 0)} abandoned with their sessions; ${count(totals.counts["retried starts"] ?? 0)} starts retried (a limit), ${count(totals.counts["starts refused while starved"] ?? 0)} refused while starved`,
    `  output: ${fixed(totals.bytesChecked / 1e9, 2)} GB checked (SHA-256 or whole), ${fixed(totals.stdinBytes / 1e6)} MB written to stdin and checked back`,
    `  faults: ${faults.cuts.resumed} cuts resumed, ${faults.cuts.abandoned} abandoned; ${faults.pauses} readers paused ${options.pauseSeconds} s; ${faults.stops} server stops of ${options.stopSeconds} s; ${faults.starvations} descriptor starvations of ${options.starveSeconds} s; ${faults.forkBombs} fork bombs (${faults.bombPeak} processes at most); ${faults.fullDisks} full disks`,
    ...Object.entries(faults.skipped).map(([name, why]) => `  skipped: ${name} (${why})`),
    `  probe: ${count(probe.answered)} answered, ${probe.failed} failed; p50 ${fixed(probe.p50)} ms, p99 ${fixed(probe.p99)} ms, max ${fixed(probe.max)} ms`,
    `  slopes per hour (least squares over the samples from ${clock(result.slopesFrom)}): ${SLOPED.map(({ key, label, unit }) => `${label} ${signed(result.slopes[key])}${unit === "" ? "" : ` ${unit}`}`).join(", ")}`,
    settled === undefined
      ? "  after the load: not measured"
      : `  after the load: ${settled.fds} descriptors (baseline ${baseline.fds}), ${settled.threads} threads (${baseline.threads}), ${settled.children} live children (${baseline.children}), ${settled.zombies} zombies, ${settled.reached ? `in ${fixed(settled.afterMs / 1000)} s` : "not within the deadline"}`,
    `  server: exit ${result.serverExit} on SIGTERM`
  ]
  const failures = result.failures
  if (failures.length === 0) lines.push("verdict: PASS (no output lost, every exit status right, back to baseline, no zombie, the probe answered throughout)")
  else {
    const byKind = Object.entries(Object.groupBy(failures, (failure) => failure.kind)).map(([kind, list]) => `${list.length} ${kind}`).join(", ")
    lines.push(`verdict: FAIL (${byKind})`)
    for (const failure of failures.slice(0, 40)) lines.push(`  ${failure.kind}: ${failure.detail}`)
    if (failures.length > 40) lines.push(`  … and ${failures.length - 40} more`)
  }
  return lines
}
