/**
 * A server-wide count of something the operator bounds over all sessions
 * (sessions, live processes, open file handles, watched directories): a slot is taken when one is
 * created and given back when it ends. Taking is a plain synchronous check
 * and write, so a caller that takes with no `yield*` between its own checks
 * and its claim cannot be overtaken by another fiber. Beyond the limit the
 * request is refused with a retryable -32001 (`ServerBusy`).
 */
import type * as Metric from "effect/Metric";
import { ServerBusy } from "../protocol/errors.js";
/** What a server bounds over all sessions with `Slots`. */
export type LimitedResource = "sessions" | "liveProcesses" | "fileHandles" | "watchedDirectories";
/** Settings of a count of slots. */
export interface SlotsOptions {
    /** What is counted: the `limit` of the refusal's data and the metrics' `resource` label. */
    readonly resource: LimitedResource;
    /** Most slots taken at once. */
    readonly limit: number;
    /** The setting that sets the limit, named in refusals (a flag, such as `--max-sessions`). */
    readonly setting: string;
    /** A gauge moved with every slot taken and given back (none: the caller keeps its own). */
    readonly gauge?: Metric.Metric.Gauge<number> | undefined;
}
/** A server-wide count of slots of one resource. */
export declare class Slots {
    readonly options: SlotsOptions;
    private taken;
    private readonly tags;
    constructor(options: SlotsOptions);
    /** Slots taken now. */
    get inUse(): number;
    /** Takes a slot when one is free (else counts the refusal and returns false). */
    tryTake(): boolean;
    /** Gives back `count` slots. */
    release(count?: number): void;
    /** The refusal of a request that found no free slot: `what` says what the server already has. */
    refusal(what: string): ServerBusy;
}
//# sourceMappingURL=Slots.d.ts.map