/**
 * Preloaded into a server (`node --import ./bench/loopDelay.mjs …`), writes
 * its event loop's delay (perf_hooks' monitorEventLoopDelay, 5 ms
 * resolution) every `EXEC_SERVER_LOOP_DELAY_SECONDS` (default 5) as a JSON
 * line to the file `EXEC_SERVER_LOOP_DELAY_FILE`: `{at, p50, p99, max,
 * mean}` in ms, `at` ms since the epoch. Only for measuring: it is in no build.
 */
import { appendFileSync } from "node:fs"
import { monitorEventLoopDelay } from "node:perf_hooks"

const file = process.env.EXEC_SERVER_LOOP_DELAY_FILE
if (file !== undefined) {
  const histogram = monitorEventLoopDelay({ resolution: 5 })
  histogram.enable()
  const ms = (ns) => Math.round(ns / 1e4) / 100
  setInterval(() => {
    appendFileSync(file, `${JSON.stringify({ at: Date.now(), p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean) })}\n`)
    histogram.reset()
  }, Number(process.env.EXEC_SERVER_LOOP_DELAY_SECONDS ?? 5) * 1000).unref()
}
