/**
 * The soak: mixed load on a WebSocket server for a while, under faults,
 * checking that everything a client asked for arrived (every byte, by
 * SHA-256, and every exit status) and that the server kept answering and
 * went back to its baseline after. `runSoak(options)` runs it and returns
 * its samples and verdicts (bench/soak.mjs prints them; the suite's
 * test/integration/soak.test.ts asserts on them).
 *
 * Its parts: a server (server.mjs), clients (worker.mjs, over
 * connection.mjs) running jobs (jobs.mjs, checked by events.mjs), a probe
 * on a connection of its own (probe.mjs), faults taken in turn
 * (faults.mjs), and what is printed (report.mjs).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { membersOfGroup, startTimeOf } from "../../test/support/procfs.ts"
import { eventually } from "../../test/support/waiting.ts"
import { FAULTS } from "./faults.mjs"
import { JOB_KINDS, jobDrawer, oneOfEach } from "./jobs.mjs"
import { Probe } from "./probe.mjs"
import { latencyFigures, slopes } from "./report.mjs"
import { BINARY, canMountPrivateDisk, hasPrlimit, hasSetpriv, measure, startServer } from "./server.mjs"
import { Worker } from "./worker.mjs"

/** The options runSoak takes, and their defaults. */
export const DEFAULTS = {
  /** How long the load runs (then the drain, the settle and the stop). */
  seconds: 600,
  /** The server's command (`--listen ws://127.0.0.1:0` is added). */
  server: [BINARY],
  /** Clients, each its own WebSocket connection and session. */
  connections: 18,
  /** Processes each client keeps running at once. */
  concurrency: 4,
  /** Every how many clients one is resumable (it resumes its session after a cut; the others abandon theirs). */
  resumableEvery: 3,
  /** The largest output of a pipe process, and of a terminal's, in bytes; a resumable client's stay within what a process retains (1 MiB). */
  maxOutputBytes: 8 * 1024 * 1024,
  maxTerminalOutputBytes: 2 * 1024 * 1024,
  maxStdinBytes: 1024 * 1024,
  maxTerminalStdinBytes: 128 * 1024,
  resumableOutputBytes: 384 * 1024,
  /** Seconds between samples (a line each), probes (ms), connection cuts, and the faults taken in turn. */
  sampleSeconds: 30,
  probeMs: 1000,
  cutSeconds: 20,
  faultSeconds: 30,
  /** How long a reader stops reading, the server is stopped, its descriptors starved. */
  pauseSeconds: 20,
  stopSeconds: 5,
  starveSeconds: 5,
  /** The kinds of job to draw (jobs.mjs names; all by default, the warm-up runs one of each anyway). */
  kinds: JOB_KINDS,
  /** The faults to take (faults.mjs names), those this machine cannot run skipped. */
  faults: FAULTS.map((fault) => fault.name),
  /** Samples before this many seconds are left out of the slopes (default: a fifth of the run, at most 120 s). */
  warmupSeconds: undefined,
  /** How long the jobs running at the end may take to finish, and the server to go back to its baseline. */
  drainSeconds: 180,
  settleSeconds: 120,
  /** A probe not answered within this is a failure. */
  probeTimeoutMs: 60_000,
  /** The seed of the draws (job kinds, sizes, which client a fault takes). */
  seed: undefined,
  /** Whether the directories and paths sent are `file://` URIs (the reference takes nothing else) rather than absolute paths. */
  fileUris: false,
  /** Awaited after the warm-up and the baseline, just before the load starts (a run beside another server starts both loads at once). */
  beforeLoad: undefined,
  /** Called with each sample, and with each line of what happens (faults, phases). */
  onSample: undefined,
  onEvent: undefined,
  /** An AbortSignal that ends the load early. */
  signal: undefined
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A generator of [0, 1) from a seed (mulberry32): a run can be drawn again. */
const seeded = (seed) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Clock ticks since boot now (/proc/uptime; Linux's USER_HZ, 100), the unit of a process's start time. */
const ticksNow = () => Math.floor(Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 100)

/**
 * The processes left of group `pgid`, a group that should have ended by
 * now and was given up at `sinceTicks`; none when the id names a newer
 * group (its leader started after).
 */
const survivorsOf = (pgid, sinceTicks) => {
  const members = membersOfGroup(pgid)
  const leaderStart = startTimeOf(pgid)
  return members.includes(pgid) && leaderStart !== undefined && leaderStart > sinceTicks ? [] : members
}

/** How long a group given up may take to be gone: the grace period (2 s), the server's stops, a loaded machine. */
const GONE_WITHIN_MS = 30_000

/**
 * Runs the soak. Resolves with `{ok, failures, verdicts, samples, slopes,
 * totals, faults, probe, baseline, settled, …}` (index.d.mts); rejects only
 * when the server cannot be started.
 */
export const runSoak = async (given = {}) => {
  const options = { ...DEFAULTS, ...given }
  options.seed ??= Math.floor(Math.random() * 2 ** 31)
  options.warmupSeconds ??= Math.min(120, options.seconds / 5)
  const say = (line) => options.onEvent?.(line)
  const work = mkdtempSync(Path.join(tmpdir(), "exec-server-soak-"))
  const wanted = new Set(options.faults)
  const fullDiskDir = wanted.has("full disk") && canMountPrivateDisk(work) ? work : undefined
  const server = await startServer({ command: options.server, fullDiskDir, env: { ...process.env, TMPDIR: fullDiskDir ?? tmpdir() } })
  const began = Date.now()
  const elapsed = () => (Date.now() - began) / 1000

  const soak = {
    options,
    server,
    url: server.url,
    cwd: options.fileUris ? pathToFileURL(tmpdir()).href : tmpdir(),
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", LC_ALL: "C" },
    random: seeded(options.seed),
    reconnectMs: 60_000,
    detachTtlMs: 30_000,
    stopping: false,
    starvedUntil: 0,
    serverStopped: false,
    isRoot: process.getuid?.() === 0,
    hasPrlimit: hasPrlimit(),
    hasSetpriv: hasSetpriv(),
    fullDiskDir,
    workers: [],
    faultWorker: undefined,
    faults: { cuts: { resumed: 0, abandoned: 0 }, pauses: 0, stops: 0, starvations: 0, forkBombs: 0, bombPeak: 0, fullDisks: 0, skipped: {} },
    totals: { processes: 0, byKind: {}, bytesChecked: 0, stdinBytes: 0, counts: {} },
    failures: [],
    watches: [],
    starvedNow: () => Date.now() < soak.starvedUntil,
    count: (name) => {
      soak.totals.counts[name] = (soak.totals.counts[name] ?? 0) + 1
    },
    fail: (kind, detail) => {
      soak.failures.push({ kind, detail, t: elapsed() })
      say(`failure (${kind}): ${detail}`)
    },
    /** A job's verdict: counted when it ran clean, its problems failures otherwise. */
    checked: (job, problems) => {
      for (const found of problems) soak.fail(found.kind, found.detail)
      soak.totals.processes++
      soak.totals.byKind[job.kind] = (soak.totals.byKind[job.kind] ?? 0) + 1
      soak.totals.bytesChecked += job.bytesChecked ?? 0
      soak.totals.stdinBytes += job.stdinBytes ?? 0
    },
    /** Process groups that must be gone within GONE_WITHIN_MS (checked then). */
    expectGone: (pgids, reason) => {
      if (pgids.length === 0) return
      const since = ticksNow()
      soak.watches.push(sleep(GONE_WITHIN_MS).then(() => {
        for (const pgid of pgids) {
          const left = survivorsOf(pgid, since)
          if (left.length > 0) soak.fail("survivor", `${reason}: ${left.length} processes of group ${pgid} still alive ${GONE_WITHIN_MS / 1000} s after (${left.slice(0, 5).join(", ")})`)
        }
      }))
    },
    /** A client that can take a fault now, drawn among those `fits`. */
    pickWorker: (fits) => {
      const candidates = soak.workers.filter((worker) => worker.available && fits(worker))
      return candidates.length === 0 ? undefined : candidates[Math.floor(soak.random() * candidates.length)]
    },
    measure: () => measure(server.pid)
  }
  const limitsFor = (resumable) => ({
    maxOutputBytes: resumable ? options.resumableOutputBytes : options.maxOutputBytes,
    maxTerminalOutputBytes: resumable ? options.resumableOutputBytes : options.maxTerminalOutputBytes,
    maxStdinBytes: resumable ? Math.min(options.resumableOutputBytes, options.maxStdinBytes) : options.maxStdinBytes,
    maxTerminalStdinBytes: options.maxTerminalStdinBytes
  })

  // Whatever ends this process, the server must not stay stopped, starved or running.
  const emergency = () => {
    try {
      process.kill(server.pid, "SIGCONT")
      process.kill(-server.pgid, "SIGKILL")
    } catch {}
  }
  process.once("exit", emergency)

  const probe = new Probe(server.url, options, (detail) => soak.fail("probe", detail))
  const samples = []
  let baseline
  let settled
  let serverExit
  let loadStartedAt
  let loadEndedAt
  const timers = []
  try {
    await probe.start()
    say(`server ${server.pid} at ${server.url}; seed ${options.seed}`)

    // Warm-up: one job of each kind, so that the baseline has what the server starts once (its threads, its reaper).
    const warmup = new Worker(soak, "warmup", { resumable: false, concurrency: 0 })
    await warmup.connect()
    await Promise.all(oneOfEach(soak.random, limitsFor(false), options.kinds).map((job) => warmup.runJob(job)))
    await warmup.close()
    await sleep(3000)
    baseline = soak.measure()
    say(`baseline: ${baseline.fds} descriptors, ${baseline.threads} threads, ${baseline.children} live children`)

    soak.faultWorker = new Worker(soak, "faults", { resumable: false, concurrency: 0 })
    await soak.faultWorker.connect()
    soak.workers = Array.from({ length: options.connections }, (_, index) =>
      new Worker(soak, `c${index}`, { resumable: options.resumableEvery > 0 && index % options.resumableEvery === options.resumableEvery - 1, concurrency: options.concurrency }))
    await Promise.all(soak.workers.map((worker) => worker.connect()))
    await options.beforeLoad?.()

    const loadStart = Date.now()
    loadStartedAt = loadStart
    const loadElapsed = () => (Date.now() - loadStart) / 1000
    let until = loadStart + options.seconds * 1000
    // An abort (the command line's ^C) ends the load now; the drain, the settle and the checks still run.
    const interrupted = new Promise((resolve) => options.signal?.addEventListener("abort", resolve, { once: true }))
    interrupted.then(() => {
      until = Math.min(until, Date.now())
    })
    const running = soak.workers.map((worker) => worker.run(jobDrawer(soak.random, limitsFor(worker.resumable), options.kinds)))

    // A line per sample.
    const takeSample = () => {
      const sample = { t: loadElapsed(), ...soak.measure() }
      const latencies = probe.takeLatencies()
      const figures = latencyFigures(latencies)
      Object.assign(sample, {
        probeP50Ms: figures.p50,
        probeP99Ms: figures.p99,
        probeMaxMs: figures.max,
        probes: latencies.length,
        processes: soak.totals.processes,
        bytesChecked: soak.totals.bytesChecked,
        failures: soak.failures.length
      })
      samples.push(sample)
      options.onSample?.(sample)
    }
    timers.push(setInterval(takeSample, options.sampleSeconds * 1000))

    // Cuts, on their own clock.
    const cuts = (async () => {
      while (Date.now() + options.cutSeconds * 1000 < until) {
        await Promise.race([sleep(options.cutSeconds * 1000), interrupted])
        if (Date.now() >= until) break
        const worker = soak.pickWorker(() => true)
        if (worker === undefined) continue
        try {
          const how = await worker.cut()
          soak.faults.cuts[how]++
          say(`${clock(loadElapsed())} ${worker.name}'s connection cut mid-stream, its session ${how}`)
        } catch (error) {
          soak.fail("connection", `${worker.name}'s cut: ${error.message}`)
        }
      }
    })()

    // The other faults, one at a time, in turn.
    const enabled = FAULTS.filter((fault) => {
      if (!wanted.has(fault.name)) return false
      const why = fault.unavailable(soak)
      if (why !== undefined) soak.faults.skipped[fault.name] = why
      return why === undefined
    })
    const faults = (async () => {
      for (let turn = 0; enabled.length > 0; turn++) {
        await Promise.race([sleep(Math.max(0, loadStart + (turn + 1) * options.faultSeconds * 1000 - Date.now())), interrupted])
        if (Date.now() + options.faultSeconds * 500 > until) break
        const fault = enabled[turn % enabled.length]
        const from = clock(loadElapsed())
        try {
          const what = await fault.run(soak)
          say(`${from}-${clock(loadElapsed())} ${fault.name}: ${what}`)
        } catch (error) {
          soak.fail("fault", `${fault.name}: ${error.message}`)
        }
      }
    })()

    await Promise.race([sleep(Math.max(0, until - Date.now())), interrupted])
    soak.stopping = true
    loadEndedAt = Date.now()
    takeSample()
    say(`${clock(loadElapsed())} load ends; waiting for the processes still running`)
    await Promise.all([cuts, faults])
    const drained = await Promise.race([Promise.all(running).then(() => true), sleep(options.drainSeconds * 1000).then(() => false)])
    if (!drained) {
      for (const worker of soak.workers) {
        for (const job of worker.unfinished) soak.fail("stuck", `${job.kind} ${job.processId} not closed ${options.drainSeconds} s after the load ended: ${JSON.stringify(job)}`)
      }
    }
    clearInterval(timers.pop())
    await Promise.all([...soak.workers, soak.faultWorker].map((worker) => worker.close()))
    await Promise.all(soak.watches)

    // Back to baseline: descriptors, threads, children, and no zombie, within settleSeconds.
    const settleStart = Date.now()
    const back = () => {
      const now = soak.measure()
      return now.fds <= baseline.fds && now.threads <= baseline.threads && now.children <= baseline.children && now.zombies === 0
    }
    const reached = await eventually(back, options.settleSeconds * 1000, 250)
    settled = { ...soak.measure(), reached, afterMs: Date.now() - settleStart }
    if (!reached) soak.fail("baseline", `${options.settleSeconds} s after the load: ${JSON.stringify(settled)}, baseline ${JSON.stringify(baseline)}`)
    if (settled.zombies > 0) soak.fail("zombie", `${settled.zombies} zombie children of the server after the load`)
    await probe.stop()
    if (server.child.exitCode !== null || server.child.signalCode !== null) soak.fail("server", `the server exited during the soak: ${server.output().slice(-2000)}`)
    serverExit = await server.stop(30_000)
    if (serverExit !== 0) soak.fail("server", `the server's exit on SIGTERM was ${serverExit}, not 0`)
  } finally {
    for (const timer of timers) clearInterval(timer)
    await probe.stop()
    emergency()
    process.off("exit", emergency)
    rmSync(work, { recursive: true, force: true })
  }

  const probeFigures = latencyFigures(probe.allLatencies)
  const byKind = (kind) => soak.failures.filter((failure) => failure.kind === kind)
  const verdicts = {
    outputIntact: byKind("output").length === 0 && byKind("order").length === 0 && byKind("stuck").length === 0,
    exitStatusesRight: byKind("exit").length === 0,
    probeAnswered: byKind("probe").length === 0 && probe.failed === 0,
    backToBaseline: settled?.reached === true,
    noZombies: settled !== undefined && settled.zombies === 0,
    noSurvivors: byKind("survivor").length === 0,
    serverUp: byKind("server").length === 0
  }
  return {
    ok: soak.failures.length === 0,
    failures: soak.failures,
    verdicts,
    options,
    seconds: options.seconds,
    samples,
    slopesFrom: options.warmupSeconds,
    slopes: slopes(samples, options.warmupSeconds),
    totals: soak.totals,
    faults: soak.faults,
    probe: { answered: probe.answered, failed: probe.failed, ...probeFigures },
    probeAnswers: probe.allAnswers,
    loadStartedAt,
    loadEndedAt,
    baseline,
    settled,
    serverExit,
    serverOutput: server.output().slice(-20_000)
  }
}

const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`

export { sampleHeader, sampleLine, summaryLines } from "./report.mjs"
