/**
 * What a process reports (a `process/read` result, its `process/list`
 * entry, its console details) from its output and state, and the process
 * after `closed` as the table keeps it: the actor and the closed record
 * answer alike.
 */
import * as Effect from "effect/Effect"
import type { LiveUsage } from "../limits/ResourceLimits.js"
import type { ProcessDetails } from "../protocol/console.js"
import type { SandboxType } from "../protocol/sandbox.js"
import type { PolicyDecisionNotification, ProcessInfo, ReadResult, WriteStatus } from "../protocol/schema.js"
import type { RetainedOutput } from "./OutputBuffers.js"
import type { ProcessActor } from "./ProcessActor.js"
import type * as Lifecycle from "./ProcessLifecycle.js"
import type { ExitStatus } from "./ProcessLifecycle.js"
import type { TerminalSizes } from "./TerminalSizes.js"

/** A `process/read` result from the retained output and the process's state. */
export const readResult = (
  output: RetainedOutput,
  afterSeq: number,
  maxBytes: number | undefined,
  state: Pick<Lifecycle.Lifecycle, "phase" | "failure">
): ReadResult => {
  const retained = output.read(afterSeq, maxBytes)
  const exit = state.phase._tag === "Running" ? null : state.phase.exit
  return {
    chunks: retained.chunks.map((chunk) => ({ seq: chunk.seq, stream: chunk.stream, chunk: chunk.bytes })),
    nextSeq: retained.nextSeq,
    exited: exit !== null,
    exitCode: exit?.exitCode ?? null,
    closed: state.phase._tag === "Closed",
    failure: state.failure,
    truncated: retained.truncated,
    sandboxDenied: exit?.sandboxDenied ?? false,
    signal: exit?.signal ?? null,
    exitedSeq: exit?.seq ?? null
  }
}

/** A `process/list` entry of a process and its exit status so far. */
export const infoOf = (
  process: Pick<ProcessActor, "processId" | "pid" | "argv" | "tty" | "startedAtMs">,
  exit: ExitStatus | null
): ProcessInfo => ({
  processId: process.processId,
  pid: process.pid,
  argv: process.argv,
  tty: process.tty,
  running: exit === null,
  exitCode: exit?.exitCode ?? null,
  startedAtMs: process.startedAtMs
})

/** A live process's figures as `process/list` and the console give them: those its cgroup could tell. */
export const liveFigures = (usage: LiveUsage): Pick<ProcessInfo, "memoryBytes" | "cpuTimeMs"> => ({
  ...(usage.memoryBytes === undefined ? {} : { memoryBytes: usage.memoryBytes }),
  ...(usage.cpuTimeMs === undefined ? {} : { cpuTimeMs: usage.cpuTimeMs })
})

/**
 * A `console/processes` entry: with `live` (what a running process's cgroup
 * holds now), its memory and CPU time so far; once it has exited, its
 * `process/exited` figures (peak memory, CPU time), for a process in a
 * cgroup of its own.
 */
export const detailsOf = (
  process: Pick<ProcessActor, "processId" | "pid" | "argv" | "tty" | "startedAtMs" | "sandboxType" | "sizes" | "networkDecisions">,
  exit: ExitStatus | null,
  output: RetainedOutput,
  live?: LiveUsage | undefined
): ProcessDetails => {
  const networkDecisions = process.networkDecisions?.()
  const usage = exit?.usage
  return {
    ...infoOf(process, exit),
    ...(live === undefined ? {} : liveFigures(live)),
    ...(usage?.peakMemoryBytes === undefined ? {} : { peakMemoryBytes: usage.peakMemoryBytes }),
    ...(usage?.cpuTimeMs === undefined ? {} : { cpuTimeMs: usage.cpuTimeMs }),
    signal: exit?.signal ?? null,
    sandboxType: process.sandboxType,
    retainedBytes: output.retainedBytes,
    nextSeq: output.nextSeq,
    size: process.sizes?.current() ?? null,
    ...(networkDecisions === undefined ? {} : { networkDecisions })
  }
}

/** What a command to a process that is no longer running answers. */
export const STDIN_CLOSED = Effect.succeed<WriteStatus>("stdinClosed")
export const NOT_RUNNING = Effect.succeed(false)

/**
 * A process after `closed`, as the table keeps it for the retention period:
 * its retained output and exit status, and nothing of the child or the
 * actor (no fiber, no scope, no callbacks), so that thousands of finished
 * processes cost about what their output takes. Commands answer as they do
 * for a closed process, but for a write retried by its `writeId`, which
 * gets its first status.
 */
export class ClosedProcess implements ProcessActor {
  constructor(
    readonly processId: string,
    readonly pid: number,
    readonly argv: ReadonlyArray<string>,
    readonly tty: boolean,
    readonly startedAtMs: number,
    readonly sandboxType: SandboxType,
    /** How the process ended. */
    readonly exit: ExitStatus,
    private readonly failure: string | null,
    private readonly output: RetainedOutput,
    readonly sizes: TerminalSizes | undefined,
    /** Its proxy's latest decisions as they were when it closed (none without a proxy). */
    private readonly decisions?: ReadonlyArray<PolicyDecisionNotification> | undefined,
    /** The statuses of its latest writes by `writeId` (none when it was written none with one), for retries. */
    private readonly writeStatuses?: ReadonlyMap<string, WriteStatus> | undefined
  ) {}
  get networkDecisions(): (() => ReadonlyArray<PolicyDecisionNotification>) | undefined {
    const decisions = this.decisions
    return decisions === undefined ? undefined : () => decisions
  }
  write(_bytes?: Uint8Array, writeId?: string): Effect.Effect<WriteStatus> {
    const remembered = writeId === undefined ? undefined : this.writeStatuses?.get(writeId)
    return remembered === undefined ? STDIN_CLOSED : Effect.succeed(remembered)
  }
  get closeStdin(): Effect.Effect<WriteStatus> {
    return STDIN_CLOSED
  }
  resize(): Effect.Effect<void> {
    return Effect.void
  }
  signal(): Effect.Effect<boolean> {
    return NOT_RUNNING
  }
  terminate(): Effect.Effect<boolean> {
    return NOT_RUNNING
  }
  read(options: { readonly afterSeq: number; readonly maxBytes: number | undefined }): Effect.Effect<ReadResult> {
    return Effect.sync(() =>
      readResult(this.output, options.afterSeq, options.maxBytes, { phase: { _tag: "Closed", exit: this.exit }, failure: this.failure })
    )
  }
  get info(): Effect.Effect<ProcessInfo> {
    return Effect.succeed(infoOf(this, this.exit))
  }
  get details(): Effect.Effect<ProcessDetails> {
    return Effect.sync(() => detailsOf(this, this.exit, this.output))
  }
  get release(): Effect.Effect<void> {
    return Effect.void
  }
  closedRecord(): ClosedProcess {
    return this
  }
  setPaused(): void {}
  setDetached(): void {}
}
