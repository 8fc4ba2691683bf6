/**
 * Gives back to the system the memory a server used for work it has done.
 *
 * Two kinds of memory outlive the work that needed them, and V8 does not
 * hand them back by itself on a server:
 * - V8's pooled pages. A collection that empties pages keeps them in a pool
 *   for reuse, released only by a collection made to reduce memory (V8's
 *   memory reducer, which on a server that was busy a moment ago judges the
 *   allocation rate high and never runs one). One long connection of short
 *   processes grew the pool by about 12 MiB per 1,000 of them.
 * - glibc's free pages. What was freed (64 KiB reads, compilers' zones,
 *   Buffers of output) stays in malloc's arenas; malloc_trim(0) returns it.
 * So the server releases both (a memory-reducing collection, then the
 * addon's trim) once it has worked and then gone quiet, again as closed
 * processes and dropped sessions expire later in the same quiet stretch;
 * under sustained load, where a collection would hold every request, it
 * only trims, once its resident size grew well past where the last
 * release left it. "Quiet" is read off the event loop's utilization,
 * sampled every few seconds: it costs nothing while the server works.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { performance } from "node:perf_hooks"
import { nativeAddon } from "./addon.js"

/** V8's `gc` as `--expose-gc` gives it, with the options of its extension. */
type ExposedGc = (options?: { readonly type?: "major"; readonly execution?: "sync"; readonly flavor?: "regular" | "last-resort" }) => void

/**
 * A full collection that also releases V8's pooled pages ("last-resort":
 * V8's all-available-garbage collection, which reduces memory), where
 * `--expose-gc` gave `gc` (the binary has it). Looked up at each call: a
 * server started from its startup snapshot has `gc` only once it runs.
 */
export const collectReducingMemory = (): boolean => {
  const gc = (globalThis as { gc?: ExposedGc }).gc
  if (gc === undefined) return false
  gc({ type: "major", execution: "sync", flavor: "last-resort" })
  return true
}

/** glibc's malloc_trim(0) through the addon, where it is built; false where it gave nothing back or cannot. */
export const trimMalloc = (): boolean => nativeAddon()?.trimMemory?.() ?? false

/** How memory is released: a memory-reducing collection and glibc's trim, or the trim alone (a millisecond or two). */
export type ReleaseKind = "collect" | "trim"

/** What one release did: the resident size before and after, and the milliseconds it held the event loop. */
export interface Released {
  readonly kind: ReleaseKind
  readonly rssBefore: number
  readonly rssAfter: number
  readonly ms: number
}

/**
 * Releases memory: for "collect", a memory-reducing collection (V8's
 * all-available-garbage one: a few full collections, 100-200 ms on a
 * server that has just run thousands of processes), then glibc's trim, at
 * once and once more a moment later (V8 may free a collection's buffers
 * after it returns); for "trim", the trim alone.
 */
export const releaseMemory = (kind: ReleaseKind): Effect.Effect<Released> =>
  Effect.gen(function*() {
    const rssBefore = process.memoryUsage.rss()
    const started = performance.now()
    if (kind === "collect") collectReducingMemory()
    trimMalloc()
    const ms = performance.now() - started
    if (kind === "collect") {
      yield* Effect.sleep("500 millis")
      trimMalloc()
    }
    return { kind, rssBefore, rssAfter: process.memoryUsage.rss(), ms }
  })

/** How the release is paced; `releasePolicy` holds the defaults. */
export interface ReleasePolicy {
  /** How often the event loop's utilization is sampled. */
  readonly sampleMs: number
  /** A sample whose loop was busy less than this share of it is quiet. */
  readonly quietUtilization: number
  /** Busy loop time since the last collection that makes a quiet stretch worth one. */
  readonly workMs: number
  /** A collection waits until work since the last one came to this many times what that one took... */
  readonly workPerCollectCost: number
  /**
   * ...or until the resident size grew this much past where the last
   * release left it: a loaded machine's slow collection (its wall time is
   * what is counted) would otherwise hold back the next one for good.
   */
  readonly quietGrowthBytes: number
  /**
   * How long into a quiet stretch after work the collections come: the
   * first gives back what the work left; the later ones what expired since
   * (closed processes after their retention, 30 s by default; dropped
   * sessions after their 75 s).
   */
  readonly quietCollectAtMs: ReadonlyArray<number>
  /**
   * Under load, no collection (it would hold every request for its
   * duration), but a trim once the resident size grew this much past
   * where the last release left it...
   */
  readonly growthBytes: number
  /** ...and no sooner than this after the last trim. */
  readonly growthIntervalMs: number
}

/** The defaults: a sample every 5 s; collections at 10 s, 40 s, 2 min and 5 min of quiet (the first after work of 50 times the last collection's time, or 16 MiB of growth); under load a trim past 64 MiB of growth, once a minute at most. */
export const releasePolicy: ReleasePolicy = {
  sampleMs: 5_000,
  // Not 1%: the 30 s after a long run of processes, their records expiring kept the loop busy about 2%.
  quietUtilization: 0.05,
  workMs: 200,
  workPerCollectCost: 50,
  quietGrowthBytes: 16 * 1024 * 1024,
  quietCollectAtMs: [10_000, 40_000, 120_000, 300_000],
  growthBytes: 64 * 1024 * 1024,
  growthIntervalMs: 60_000
}

/** Where the pacing stands between two samples. */
export interface ReleaseState {
  /** Busy loop time since the last collection. */
  readonly workMs: number
  /** How long the loop has been quiet, 0 while it works. */
  readonly quietMs: number
  /** Collections made in this quiet stretch. */
  readonly quietCollects: number
  /** What the last collection took, ms. */
  readonly collectMs: number
  /** When the last trim was (the clock's milliseconds; a collection trims too), and the resident size the last release left. */
  readonly lastTrimAt: number
  readonly rssAfterRelease: number
}

/** The state of a server that has just started (its start's memory was given back then). */
export const initialReleaseState = (now: number, rss: number): ReleaseState => ({
  workMs: 0,
  quietMs: 0,
  quietCollects: 0,
  collectMs: 0,
  lastTrimAt: now,
  rssAfterRelease: rss
})

/** One sample: how long it spanned, how much of that the loop was busy, the resident size, and the time. */
export interface ReleaseSample {
  readonly elapsedMs: number
  readonly activeMs: number
  readonly rss: number
  readonly now: number
}

/** What to release now (if anything), and the state to carry to the next sample. */
export const nextRelease = (
  policy: ReleasePolicy,
  state: ReleaseState,
  sample: ReleaseSample
): { readonly release: ReleaseKind | undefined; readonly state: ReleaseState } => {
  const workMs = state.workMs + sample.activeMs
  if (sample.activeMs >= policy.quietUtilization * sample.elapsedMs) {
    const grown = sample.rss - state.rssAfterRelease >= policy.growthBytes && sample.now - state.lastTrimAt >= policy.growthIntervalMs
    return { release: grown ? "trim" : undefined, state: { ...state, workMs, quietMs: 0, quietCollects: 0 } }
  }
  const due = policy.quietCollectAtMs[state.quietCollects]
  const quietMs = state.quietMs + sample.elapsedMs
  const enoughWork = workMs >= Math.max(policy.workMs, policy.workPerCollectCost * state.collectMs) ||
    (workMs >= policy.workMs && sample.rss - state.rssAfterRelease >= policy.quietGrowthBytes)
  // The first collection of a quiet stretch answers work; the later ones only follow one.
  const collect = due !== undefined && quietMs >= due && (state.quietCollects > 0 || enoughWork)
  return {
    release: collect ? "collect" : undefined,
    state: {
      ...state,
      workMs,
      // Work that added up deep in a long quiet stretch has its later collections counted from its own.
      quietMs: collect && state.quietCollects === 0 ? due : quietMs,
      quietCollects: state.quietCollects + (collect ? 1 : 0)
    }
  }
}

/** The state after a release. */
export const afterRelease = (state: ReleaseState, released: Released, now: number): ReleaseState =>
  released.kind === "collect"
    ? { ...state, workMs: 0, collectMs: released.ms, lastTrimAt: now, rssAfterRelease: released.rssAfter }
    : { ...state, lastTrimAt: now, rssAfterRelease: released.rssAfter }

/**
 * Samples the event loop and releases memory as `policy` says, logging
 * each release (info); runs until interrupted. The binary runs it
 * beside its server (an embedding application owns its process's memory).
 */
export const releaseWhenQuiet = (policy: ReleasePolicy = releasePolicy): Effect.Effect<never> =>
  Effect.gen(function*() {
    let state = initialReleaseState(yield* Clock.currentTimeMillis, process.memoryUsage.rss())
    let utilization = performance.eventLoopUtilization()
    while (true) {
      yield* Effect.sleep(policy.sampleMs)
      const now = performance.eventLoopUtilization()
      const delta = performance.eventLoopUtilization(now, utilization)
      utilization = now
      const sample = {
        elapsedMs: delta.idle + delta.active,
        activeMs: delta.active,
        rss: process.memoryUsage.rss(),
        now: yield* Clock.currentTimeMillis
      }
      const next = nextRelease(policy, state, sample)
      state = next.state
      if (next.release === undefined) continue
      const released = yield* releaseMemory(next.release)
      state = afterRelease(state, released, yield* Clock.currentTimeMillis)
      // The release's own loop time is not work.
      utilization = performance.eventLoopUtilization()
      yield* Effect.logInfo("memory released").pipe(Effect.annotateLogs({
        rssBeforeBytes: released.rssBefore,
        rssAfterBytes: released.rssAfter,
        durationMs: Math.round(released.ms * 10) / 10,
        collected: released.kind === "collect"
      }))
    }
  })
