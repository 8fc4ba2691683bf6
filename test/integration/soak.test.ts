/**
 * The soak (bench/soak, `npm run soak`) for 3 minutes on the built binary:
 * 18 WebSocket clients running pipe and terminal processes of known output,
 * stdin round trips, exit codes and signals, children that ignore SIGTERM;
 * connections cut mid-stream (resumed or abandoned), a reader paused, the
 * server stopped (SIGSTOP), its descriptors starved, a fork bomb, a full
 * disk (those this machine can run). It asserts properties only, never
 * speed or memory: nothing lost, every status right, the server answering
 * throughout and back to its baseline after. It runs alone (vitest.config.ts).
 */
import * as Path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { runSoak, sampleHeader, sampleLine, type SoakResult, summaryLines } from "../../bench/soak/index.mjs"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const BINARY = Path.join(ROOT, "dist", "cli", "exec-server")

/** The details of the failures of these kinds (an empty list reads best when an assertion fails). */
const failuresOf = (result: SoakResult, ...kinds: Array<string>) =>
  result.failures.filter((failure) => kinds.includes(failure.kind)).map((failure) => failure.detail)

describe("a 3-minute soak under faults", () => {
  let result: SoakResult
  beforeAll(async () => {
    // Shown when a test fails (the suite is silent for those that pass).
    console.log(sampleHeader())
    result = await runSoak({
      seconds: 180,
      server: [BINARY],
      onSample: (sample) => console.log(sampleLine(sample)),
      onEvent: (line) => console.log(`  ${line}`)
    })
    for (const line of summaryLines(result)) console.log(line)
  }, 10 * 60_000)

  it("ran the load and every fault this machine can run", () => {
    expect(result.totals.processes).toBeGreaterThan(0)
    expect(result.totals.bytesChecked).toBeGreaterThan(0)
    expect(result.faults.cuts.resumed + result.faults.cuts.abandoned).toBeGreaterThan(0)
    const ran = { pause: result.faults.pauses, stop: result.faults.stops, descriptors: result.faults.starvations, "fork bomb": result.faults.forkBombs, "full disk": result.faults.fullDisks }
    for (const [fault, times] of Object.entries(ran)) {
      if (result.faults.skipped[fault] === undefined) expect(times, `${fault} ran`).toBeGreaterThan(0)
    }
  })

  it("loses no output: every stream's checksum is what its process wrote, in seq order, and every process closed", () => {
    expect(failuresOf(result, "output", "order", "stuck")).toEqual([])
    expect(result.verdicts.outputIntact).toBe(true)
  })

  it("reports every exit status right", () => {
    expect(failuresOf(result, "exit")).toEqual([])
  })

  it("answers every probe throughout", () => {
    expect(failuresOf(result, "probe")).toEqual([])
    expect(result.probe.failed).toBe(0)
    expect(result.probe.answered).toBeGreaterThan(0)
  })

  it("goes back to its baseline of descriptors, threads and children after the load, with no zombie", () => {
    expect(failuresOf(result, "baseline", "zombie")).toEqual([])
    expect(result.settled).toBeDefined()
    expect(result.settled!.fds).toBeLessThanOrEqual(result.baseline!.fds)
    expect(result.settled!.threads).toBeLessThanOrEqual(result.baseline!.threads)
    expect(result.settled!.zombies).toBe(0)
  })

  it("kills every process group it gave up: abandoned sessions', terminated children's, the fork bomb's", () => {
    expect(failuresOf(result, "survivor")).toEqual([])
  })

  it("answers every request as the protocol says, keeps its connections, and exits 0 on SIGTERM", () => {
    expect(failuresOf(result, "error", "connection", "fault", "server")).toEqual([])
    expect(result.serverExit).toBe(0)
  })
})
