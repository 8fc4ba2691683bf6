/**
 * A server-wide count of something the operator bounds over all sessions
 * (sessions, live processes, open file handles, watched directories): a slot is taken when one is
 * created and given back when it ends. Taking is a plain synchronous check
 * and write, so a caller that takes with no `yield*` between its own checks
 * and its claim cannot be overtaken by another fiber. Beyond the limit the
 * request is refused with a retryable -32001 (`ServerBusy`).
 */
import type * as Metric from "effect/Metric"
import * as Metrics from "../observability/metrics.js"
import { type BusyLimit, type ServerBusy, serverBusy } from "../protocol/errors.js"

/** What a server bounds over all sessions with `Slots`. */
export type LimitedResource = Extract<BusyLimit, "sessions" | "liveProcesses" | "fileHandles" | "watchedDirectories" | "httpRequests">

/** Settings of a count of slots. */
export interface SlotsOptions {
  /** What is counted: the `limit` of the refusal's data and the metrics' `resource` label. */
  readonly resource: LimitedResource
  /** Most slots taken at once. */
  readonly limit: number
  /** The setting that sets the limit, named in refusals (a flag, such as `--max-sessions`). */
  readonly setting: string
  /** A gauge moved with every slot taken and given back (none: the caller keeps its own). */
  readonly gauge?: Metric.Gauge<number> | undefined
}

/** A server-wide count of slots of one resource. */
export class Slots {
  private taken = 0
  private readonly tags: ReturnType<typeof Metrics.label>

  constructor(readonly options: SlotsOptions) {
    this.tags = Metrics.label("resource", options.resource)
    Metrics.setGauge(Metrics.limits, options.limit, this.tags)
  }

  /** Slots taken now. */
  get inUse(): number {
    return this.taken
  }

  /** Takes a slot when one is free (else counts the refusal and returns false). */
  tryTake(): boolean {
    if (this.taken >= this.options.limit) {
      Metrics.bump(Metrics.limitRefusals, 1, this.tags)
      return false
    }
    this.taken++
    if (this.options.gauge !== undefined) Metrics.adjust(this.options.gauge, 1)
    return true
  }

  /** Gives back `count` slots. */
  release(count = 1): void {
    if (count <= 0) return
    this.taken -= count
    if (this.options.gauge !== undefined) Metrics.adjust(this.options.gauge, -count)
  }

  /** The refusal of a request that found no free slot: `what` says what the server already has. */
  refusal(what: string): ServerBusy {
    return serverBusy(`server busy: ${what}, the most it allows (${this.options.setting}); retry once one has ended`, this.options.resource)
  }
}
