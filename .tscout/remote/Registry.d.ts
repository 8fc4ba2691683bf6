import * as Effect from "effect/Effect";
import * as Schema from "effect/Schema";
import type * as Scope from "effect/Scope";
import { type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
/** The bucket used when none is given. */
export declare const DEFAULT_BUCKET = "exec_server_environments";
/** The heartbeat period used when none is given. */
export declare const DEFAULT_HEARTBEAT_MS = 2000;
/** An entry not rewritten for this many of its owner's heartbeat periods is stale. */
export declare const STALE_HEARTBEATS = 3;
/** What a client needs to choose an executor; the value stored under its id. */
export declare const EnvironmentRecord: Schema.Struct<{
    id: typeof Schema.String;
    name: typeof Schema.String;
    serverVersion: typeof Schema.String;
    protocolVersion: typeof Schema.String;
    host: typeof Schema.String;
    /** Sessions the executor holds (attached and detached) at its last heartbeat. */
    sessions: typeof Schema.Number;
    /** ISO-8601, the executor's clock: when this run started. */
    startedAt: typeof Schema.String;
    /** ISO-8601, the executor's clock: when this value was written (informative; liveness uses the server's timestamp). */
    heartbeatAt: typeof Schema.String;
    /** The owner's heartbeat period: staleness is measured in it. */
    heartbeatMs: typeof Schema.Number;
    /** Random per executor run: tells this run's writes from another's. */
    owner: typeof Schema.String;
}>;
export type EnvironmentRecord = typeof EnvironmentRecord.Type;
/** A live entry as `list` reads it. */
export interface ListedEnvironment {
    readonly record: EnvironmentRecord;
    readonly revision: number;
    /** The server's timestamp of the entry's last write. */
    readonly updatedAt: Date;
    /** How long ago that was, by the reader's clock. */
    readonly ageMs: number;
}
declare const EnvironmentInUse_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "RemoteEnvironmentInUse";
} & Readonly<A>;
/** The id is held by a live executor (it heartbeated while this one watched). */
export declare class EnvironmentInUse extends EnvironmentInUse_base<{
    readonly environmentId: string;
    readonly holder: EnvironmentRecord;
    readonly message: string;
}> {
}
declare const EnvironmentTakenOver_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "RemoteEnvironmentTakenOver";
} & Readonly<A>;
/** While heartbeating, the key was found written by someone else: another executor took the id over. */
export declare class EnvironmentTakenOver extends EnvironmentTakenOver_base<{
    readonly environmentId: string;
    readonly message: string;
}> {
}
declare const RegistryError_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "RemoteRegistryError";
} & Readonly<A>;
/** The registry could not be used: a bad id, the bucket, or a KV operation failed. */
export declare class RegistryError extends RegistryError_base<{
    readonly reason: "bad-id" | "bucket" | "kv";
    readonly message: string;
}> {
}
export interface BucketOptions {
    readonly bucket?: string;
    /** Replicas of the bucket's stream when this call creates it: 1 on a 1-node cluster, up to 3 (or 5) on larger ones. */
    readonly replicas?: number;
    /**
     * File storage (the KV default) by default: a registration survives a
     * restart of the whole cluster, so an executor that outlives it keeps its
     * claim; a heartbeat every 2 s is a negligible write load.
     */
    readonly storage?: "file" | "memory";
    /**
     * Bucket-wide max age: the server removes entries not rewritten for this
     * long (garbage collection of executors that died; no event on 2.9). Must
     * be far above any heartbeat period. Default one hour.
     */
    readonly maxAgeMs?: number;
}
export interface RegisterOptions extends BucketOptions {
    readonly environmentId: string;
    readonly name?: string;
    readonly serverVersion: string;
    readonly protocolVersion?: string;
    readonly host?: string;
    readonly heartbeatMs?: number;
    /** Read at each heartbeat. */
    readonly sessions: () => number;
}
/** A held registration: its id and a way to learn that it was lost. */
export interface Registration {
    readonly environmentId: string;
    readonly owner: string;
    /** The last record written. */
    readonly current: Effect.Effect<{
        readonly record: EnvironmentRecord;
        readonly revision: number;
    }>;
    /** Fails when another executor took the id over (heartbeats have then stopped); never succeeds. */
    readonly lost: Effect.Effect<never, EnvironmentTakenOver>;
}
/** Opens the bucket, creating it if missing (history 1: only the current record matters). */
export declare const openBucket: (nc: NatsConnection, options?: BucketOptions) => Effect.Effect<KV, RegistryError>;
/**
 * Claims `environmentId` in the registry for the life of the scope, then
 * heartbeats. When the key is held: if its revision changes while this
 * watches, the holder is live and this fails with EnvironmentInUse (after
 * about one of the holder's heartbeats); once it is stale (by the server's
 * timestamp, or unchanged for STALE_HEARTBEATS periods on this side's own
 * clock, whichever comes first) it is taken over by compare-and-set. Closing
 * the scope stops the heartbeats and deletes the key if it is still ours.
 */
export declare const register: (nc: NatsConnection, options: RegisterOptions) => Effect.Effect<Registration, EnvironmentInUse | RegistryError, Scope.Scope>;
/** The live registrations, oldest id first; stale entries (an executor that died) are left out. */
export declare const list: (nc: NatsConnection, options?: BucketOptions) => Effect.Effect<ReadonlyArray<ListedEnvironment>, RegistryError>;
/** The `environments` command's output: a table, or with `json` one JSON array (a line) of the records with their age. */
export declare const renderEnvironments: (environments: ReadonlyArray<ListedEnvironment>, options?: {
    readonly json?: boolean;
}) => string;
export {};
//# sourceMappingURL=Registry.d.ts.map