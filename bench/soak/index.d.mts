/** The types of index.mjs, for the suite's test/integration/soak.test.ts. */

/** What runSoak takes (DEFAULTS says each default). */
export interface SoakOptions {
  readonly seconds?: number
  readonly server?: ReadonlyArray<string>
  readonly connections?: number
  readonly concurrency?: number
  readonly resumableEvery?: number
  readonly maxOutputBytes?: number
  readonly maxTerminalOutputBytes?: number
  readonly maxStdinBytes?: number
  readonly maxTerminalStdinBytes?: number
  readonly resumableOutputBytes?: number
  readonly sampleSeconds?: number
  readonly probeMs?: number
  readonly cutSeconds?: number
  readonly faultSeconds?: number
  readonly pauseSeconds?: number
  readonly stopSeconds?: number
  readonly starveSeconds?: number
  readonly kinds?: ReadonlyArray<string>
  readonly faults?: ReadonlyArray<string>
  readonly warmupSeconds?: number
  readonly drainSeconds?: number
  readonly settleSeconds?: number
  readonly probeTimeoutMs?: number
  readonly seed?: number
  readonly fileUris?: boolean
  readonly beforeLoad?: () => Promise<void>
  readonly onSample?: (sample: SoakSample) => void
  readonly onEvent?: (line: string) => void
  readonly signal?: AbortSignal
}

/** The server's figures at one moment (descriptors, threads, live and zombie children). */
export interface ServerFigures {
  readonly rssMiB: number
  readonly fds: number
  readonly threads: number
  readonly children: number
  readonly zombies: number
}

/** One sample: `t` seconds into the load, the server's figures, the probe's latencies since the last sample, the totals so far. */
export interface SoakSample extends ServerFigures {
  readonly t: number
  readonly probeP50Ms: number | undefined
  readonly probeP99Ms: number | undefined
  readonly probeMaxMs: number | undefined
  readonly probes: number
  readonly processes: number
  readonly bytesChecked: number
  readonly failures: number
}

/** What went wrong: `kind` is output, order, stuck, exit, error, connection, probe, survivor, baseline, zombie, server or fault. */
export interface SoakFailure {
  readonly kind: string
  readonly detail: string
  readonly t: number
}

/** What runSoak resolves with. */
export interface SoakResult {
  readonly ok: boolean
  readonly failures: ReadonlyArray<SoakFailure>
  readonly verdicts: {
    /** Every byte arrived (checksums), in order, and every process closed. */
    readonly outputIntact: boolean
    readonly exitStatusesRight: boolean
    /** Every probe answered, none late. */
    readonly probeAnswered: boolean
    /** Descriptors, threads and children back to the baseline (or below) after the load. */
    readonly backToBaseline: boolean
    readonly noZombies: boolean
    /** Every process group given up (an abandoned session's, a terminated one's, the fork bomb's) gone. */
    readonly noSurvivors: boolean
    readonly serverUp: boolean
  }
  readonly options: Required<Omit<SoakOptions, "beforeLoad" | "onSample" | "onEvent" | "signal" | "warmupSeconds" | "seed">> & { readonly warmupSeconds: number; readonly seed: number }
  readonly seconds: number
  readonly samples: ReadonlyArray<SoakSample>
  readonly slopesFrom: number
  /** Per hour, least squares over the samples from `slopesFrom`; undefined with fewer than two. */
  readonly slopes: Readonly<Record<"rssMiB" | "fds" | "threads" | "children" | "probeP50Ms", number | undefined>>
  readonly totals: {
    readonly processes: number
    readonly byKind: Readonly<Record<string, number>>
    readonly bytesChecked: number
    readonly stdinBytes: number
    readonly counts: Readonly<Record<string, number>>
  }
  readonly faults: {
    readonly cuts: { readonly resumed: number; readonly abandoned: number }
    readonly pauses: number
    readonly stops: number
    readonly starvations: number
    readonly forkBombs: number
    readonly bombPeak: number
    readonly fullDisks: number
    /** The faults this machine could not run, and why. */
    readonly skipped: Readonly<Record<string, string>>
  }
  readonly probe: { readonly answered: number; readonly failed: number; readonly p50?: number; readonly p99?: number; readonly max?: number }
  /** Every probe answered: when (ms since the epoch) and its latency (ms). */
  readonly probeAnswers: ReadonlyArray<{ readonly at: number; readonly ms: number }>
  /** When the load started and ended (ms since the epoch); undefined when it never did. */
  readonly loadStartedAt: number | undefined
  readonly loadEndedAt: number | undefined
  readonly baseline: ServerFigures | undefined
  readonly settled: (ServerFigures & { readonly reached: boolean; readonly afterMs: number }) | undefined
  readonly serverExit: number | string | undefined
  /** The last of what the server logged. */
  readonly serverOutput: string
}

export declare const DEFAULTS: Required<Omit<SoakOptions, "beforeLoad" | "onSample" | "onEvent" | "signal" | "warmupSeconds" | "seed">>

/** Runs the soak; rejects only when the server cannot be started. */
export declare const runSoak: (options?: SoakOptions) => Promise<SoakResult>

export declare const sampleHeader: () => string
export declare const sampleLine: (sample: SoakSample) => string
export declare const summaryLines: (result: SoakResult) => Array<string>
