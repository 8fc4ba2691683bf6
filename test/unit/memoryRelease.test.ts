/**
 * When the binary gives memory back (src/native/memoryRelease.ts): a
 * collection once quiet after work, again as what the work left expires,
 * never more often than its cost allows (2% of the work it follows); under
 * sustained load only a trim, when it grew well past where the last
 * release left it.
 */
import { describe, expect, it } from "vitest"
import {
  afterRelease,
  initialReleaseState,
  nextRelease,
  releasePolicy,
  type ReleaseState
} from "../../src/native/memoryRelease.js"

const MiB = 1024 * 1024
const SAMPLE = releasePolicy.sampleMs

/**
 * Runs samples of `activeMs` busy time each (from `state`, at `now`); the
 * times (ms since `now`) at which it collected, and at which it only trimmed.
 * A collection takes 30 ms; each release leaves 70 MiB.
 */
const run = (state: ReleaseState, now: number, activeMs: ReadonlyArray<number>, rss = (_: number) => 100 * MiB) => {
  const releasedAt: Array<number> = []
  const trimmedAt: Array<number> = []
  let current = state
  let time = now
  for (const active of activeMs) {
    time += SAMPLE
    const next = nextRelease(releasePolicy, current, { elapsedMs: SAMPLE, activeMs: active, rss: rss(time - now), now: time })
    current = next.state
    if (next.release === undefined) continue
    ;(next.release === "collect" ? releasedAt : trimmedAt).push(time - now)
    const ms = next.release === "collect" ? 30 : 1
    current = afterRelease(current, { kind: next.release, rssBefore: 100 * MiB, rssAfter: 70 * MiB, ms }, time)
  }
  return { releasedAt, trimmedAt, state: current }
}

const busy = (samples: number) => Array.from({ length: samples }, () => 2_000)
const quiet = (samples: number) => Array.from({ length: samples }, () => 1)

describe("memory release pacing", () => {
  it("collects 10 s into the quiet after work, then at 40 s, 2 min and 5 min of it, and no more", () => {
    const { releasedAt } = run(initialReleaseState(0, 70 * MiB), 0, [...busy(2), ...quiet(100)])
    expect(releasedAt).toEqual([10_000, 40_000, 120_000, 300_000].map((quietMs) => 2 * SAMPLE + quietMs))
  })

  it("releases on an idle server only once its little work adds up (its timers: a tenth of a millisecond per sample)", () => {
    const idle = Array.from({ length: 200 }, () => 0.1)
    expect(run(initialReleaseState(0, 70 * MiB), 0, idle).releasedAt).toEqual([])
    // A trickle of requests (a millisecond per sample, each sample quiet) does add up: 200 ms after 200 samples,
    // and what it leaves to expire is given back 30 s later.
    expect(run(initialReleaseState(0, 70 * MiB), 0, quiet(210)).releasedAt).toEqual([200 * SAMPLE, 206 * SAMPLE])
  })

  it("starts the quiet stretch again when work comes back, with no release while it works", () => {
    const { releasedAt } = run(initialReleaseState(0, 70 * MiB), 0, [...busy(2), ...quiet(3), ...busy(2), ...quiet(2)])
    // 10 s of quiet after the first work (2 samples), then busy again: the next release waits for 10 s of quiet.
    expect(releasedAt).toEqual([4 * SAMPLE, 9 * SAMPLE])
  })

  it("under sustained load, never collects, and trims once it grew 64 MiB past the last release, at most once a minute", () => {
    // Resident size climbs 4 MiB per sample (5 s) from 70 MiB.
    const { releasedAt, trimmedAt } = run(initialReleaseState(0, 70 * MiB), 0, busy(60), (ms) => 70 * MiB + (ms / SAMPLE) * 4 * MiB)
    expect(releasedAt).toEqual([])
    // 64 MiB of growth takes 16 samples (80 s); after the trim (70 MiB left), it is past 64 MiB again at once: a minute later.
    expect(trimmedAt).toEqual([80_000, 140_000, 200_000, 260_000])
  })

  it("waits for work of fifty times what the last release took before releasing again", () => {
    // The last release took 30 ms: 1.5 s of work is needed, where the first needed 200 ms.
    const released = afterRelease(initialReleaseState(0, 70 * MiB), { kind: "collect", rssBefore: 90 * MiB, rssAfter: 70 * MiB, ms: 30 }, 0)
    // (It grew 5 MiB past that release: too little to be a reason of its own.)
    const little = run(released, 0, [1_400, ...quiet(3)], () => 75 * MiB)
    expect(little.releasedAt).toEqual([])
    const enough = run(released, 0, [1_600, ...quiet(3)])
    expect(enough.releasedAt).toEqual([3 * SAMPLE])
  })

  it("collects once quiet after work that grew it 16 MiB past the last release, however long that release took", () => {
    // A loaded machine's collection took 2 s of wall time: fifty times that (100 s of work) would hold back the next for good.
    const slow = afterRelease(initialReleaseState(0, 70 * MiB), { kind: "collect", rssBefore: 130 * MiB, rssAfter: 70 * MiB, ms: 2_000 }, 0)
    const grown = run(slow, 0, [10_000, ...quiet(3)], () => 86 * MiB)
    expect(grown.releasedAt).toEqual([3 * SAMPLE])
    // Less growth, and the same work, waits for its fifty times.
    expect(run(slow, 0, [10_000, ...quiet(3)], () => 85 * MiB).releasedAt).toEqual([])
    // Growth with no work to speak of (an idle server's timers) is not a reason.
    expect(run(slow, 0, quiet(3), () => 100 * MiB).releasedAt).toEqual([])
  })
})
