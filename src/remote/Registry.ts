/**
 * The registry of remote executors: one JetStream KV bucket (default
 * `exec_server_environments`), one key per environment id, whose value is
 * the executor's `EnvironmentRecord`. The bucket is the registry; this
 * module only claims, refreshes and releases keys and reads them back.
 *
 * Ownership rests on KV revisions: `create` claims a free key, every later
 * write (heartbeat, takeover, delete) is a compare-and-set on the revision
 * last written, so two executors never both hold one id for longer than it
 * takes the loser's next heartbeat to fail.
 *
 * Time: nats-server 2.9 has no per-key TTL and no expiry events, so
 * liveness is judged by age. The age of an entry is measured from the KV
 * entry's `created` timestamp, which the stream leader stamps: executors'
 * clocks are never compared with each other, only a reader's with the NATS
 * servers'. Register also counts, on its own monotonic clock, how long a
 * revision stays unchanged, which needs no clock agreement at all.
 * docs/PROTOCOL.md ("Registry") is the contract.
 */
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { JetStreamApiCodes, JetStreamApiError, StorageType } from "@nats-io/jetstream"
import { type KV, type KvEntry, Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/transport-node"
import { PROTOCOL_VERSION } from "../protocol/schema.js"
// Environment ids are single subject tokens, so also valid KV keys.
import { environmentIdProblem } from "./natsUrl.js"

/** The bucket used when none is given. */
export const DEFAULT_BUCKET = "exec_server_environments"
/** The heartbeat period used when none is given. */
export const DEFAULT_HEARTBEAT_MS = 2000
/** An entry not rewritten for this many of its owner's heartbeat periods is stale. */
export const STALE_HEARTBEATS = 3

/** What a client needs to choose an executor; the value stored under its id. */
export const EnvironmentRecord = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  serverVersion: Schema.String,
  protocolVersion: Schema.String,
  host: Schema.String,
  /** Sessions the executor holds (attached and detached) at its last heartbeat. */
  sessions: Schema.Number,
  /** ISO-8601, the executor's clock: when this run started. */
  startedAt: Schema.String,
  /** ISO-8601, the executor's clock: when this value was written (informative; liveness uses the server's timestamp). */
  heartbeatAt: Schema.String,
  /** The owner's heartbeat period: staleness is measured in it. */
  heartbeatMs: Schema.Number,
  /** Random per executor run: tells this run's writes from another's. */
  owner: Schema.String
})
export type EnvironmentRecord = typeof EnvironmentRecord.Type

/** A live entry as `list` reads it. */
export interface ListedEnvironment {
  readonly record: EnvironmentRecord
  readonly revision: number
  /** The server's timestamp of the entry's last write. */
  readonly updatedAt: Date
  /** How long ago that was, by the reader's clock. */
  readonly ageMs: number
}

/** The id is held by a live executor (it heartbeated while this one watched). */
export class EnvironmentInUse extends Data.TaggedError("RemoteEnvironmentInUse")<{
  readonly environmentId: string
  readonly holder: EnvironmentRecord
  readonly message: string
}> {}

/** While heartbeating, the key was found written by someone else: another executor took the id over. */
export class EnvironmentTakenOver extends Data.TaggedError("RemoteEnvironmentTakenOver")<{
  readonly environmentId: string
  readonly message: string
}> {}

/** The registry could not be used: a bad id, the bucket, or a KV operation failed. */
export class RegistryError extends Data.TaggedError("RemoteRegistryError")<{
  readonly reason: "bad-id" | "bucket" | "kv"
  readonly message: string
}> {}

export interface BucketOptions {
  readonly bucket?: string
  /** Replicas of the bucket's stream when this call creates it: 1 on a 1-node cluster, up to 3 (or 5) on larger ones. */
  readonly replicas?: number
  /**
   * File storage (the KV default) by default: a registration survives a
   * restart of the whole cluster, so an executor that outlives it keeps its
   * claim; a heartbeat every 2 s is a negligible write load.
   */
  readonly storage?: "file" | "memory"
  /**
   * Bucket-wide max age: the server removes entries not rewritten for this
   * long (garbage collection of executors that died; no event on 2.9). Must
   * be far above any heartbeat period. Default one hour.
   */
  readonly maxAgeMs?: number
}

export interface RegisterOptions extends BucketOptions {
  readonly environmentId: string
  readonly name?: string
  readonly serverVersion: string
  readonly protocolVersion?: string
  readonly host?: string
  readonly heartbeatMs?: number
  /** Read at each heartbeat. */
  readonly sessions: () => number
}

/** A held registration: its id and a way to learn that it was lost. */
export interface Registration {
  readonly environmentId: string
  readonly owner: string
  /** The last record written. */
  readonly current: Effect.Effect<{ readonly record: EnvironmentRecord; readonly revision: number }>
  /** Fails when another executor took the id over (heartbeats have then stopped); never succeeds. */
  readonly lost: Effect.Effect<never, EnvironmentTakenOver>
  /**
   * Stops the heartbeats and deletes the entry now, rather than when the
   * scope closes (an executor handing its environment to the next one).
   */
  readonly release: Effect.Effect<void>
}

const kvError = (reason: RegistryError["reason"]) => (error: unknown) =>
  new RegistryError({ reason, message: error instanceof Error ? error.message : String(error) })

/** The server refused a write because the key's revision was not the one given: the compare-and-set was lost. */
const isWrongRevision = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)

const EnvironmentRecordJson = Schema.fromJsonString(EnvironmentRecord)
const encode = Schema.encodeSync(EnvironmentRecordJson)
const decode = Schema.decodeUnknownResult(EnvironmentRecordJson)

const decodeEntry = (entry: KvEntry): EnvironmentRecord | undefined => {
  if (entry.operation !== "PUT") return undefined
  const decoded = decode(entry.string())
  return Result.isSuccess(decoded) ? decoded.success : undefined
}

/** Age of an entry by the server's timestamp of its last write; never negative (a reader behind the servers' clock). */
const ageOf = (entry: KvEntry, now: number): number => Math.max(0, now - entry.created.getTime())

/** Stale: not rewritten for STALE_HEARTBEATS of its owner's periods. An unreadable value counts as written with the default period. */
const isStale = (entry: KvEntry, record: EnvironmentRecord | undefined, now: number): boolean =>
  ageOf(entry, now) >= STALE_HEARTBEATS * (record?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)

/** Opens the bucket, creating it if missing (history 1: only the current record matters). */
export const openBucket = (nc: NatsConnection, options: BucketOptions = {}): Effect.Effect<KV, RegistryError> =>
  Effect.tryPromise({
    try: () =>
      new Kvm(nc).create(options.bucket ?? DEFAULT_BUCKET, {
        history: 1,
        replicas: options.replicas ?? 1,
        storage: options.storage === "memory" ? StorageType.Memory : StorageType.File,
        ttl: options.maxAgeMs ?? 3_600_000
      }),
    catch: kvError("bucket")
  })

const now = Effect.sync(() => Date.now())
const monotonic = Effect.sync(() => performance.now())

/**
 * Claims `environmentId` in the registry for the life of the scope, then
 * heartbeats. When the key is held: if its revision changes while this
 * watches, the holder is live and this fails with EnvironmentInUse (after
 * about one of the holder's heartbeats); once it is stale (by the server's
 * timestamp, or unchanged for STALE_HEARTBEATS periods on this side's own
 * clock, whichever comes first) it is taken over by compare-and-set. Closing
 * the scope stops the heartbeats and deletes the key if it is still ours.
 */
export const register = (
  nc: NatsConnection,
  options: RegisterOptions
): Effect.Effect<Registration, EnvironmentInUse | RegistryError, Scope.Scope> =>
  Effect.gen(function*() {
    const key = options.environmentId
    const problem = environmentIdProblem(key)
    if (problem !== undefined) return yield* new RegistryError({ reason: "bad-id", message: problem })
    const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
    const kv = yield* openBucket(nc, options)
    const owner = randomUUID()
    const startedAt = new Date().toISOString()
    const recordNow = (): EnvironmentRecord => ({
      id: key,
      name: options.name ?? key,
      serverVersion: options.serverVersion,
      protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
      host: options.host ?? hostname(),
      sessions: options.sessions(),
      startedAt,
      heartbeatAt: new Date().toISOString(),
      heartbeatMs,
      owner
    })

    // Claim: create, or watch the holder until it proves alive or goes stale.
    let watched: { revision: number; since: number } | undefined
    let claimed: { record: EnvironmentRecord; revision: number } | undefined
    while (claimed === undefined) {
      const record = recordNow()
      const created = yield* Effect.tryPromise({ try: () => kv.create(key, encode(record)), catch: (error) => error }).pipe(
        Effect.map((revision) => ({ record, revision })),
        Effect.catch((error) => isWrongRevision(error) ? Effect.succeed(undefined) : Effect.fail(kvError("kv")(error)))
      )
      if (created !== undefined) {
        claimed = created
        break
      }
      const entry = yield* Effect.tryPromise({ try: () => kv.get(key), catch: kvError("kv") })
      // Deleted or expired between the two calls: create again.
      if (entry === null || entry.operation !== "PUT") continue
      const holder = decodeEntry(entry)
      const at = yield* monotonic
      if (watched !== undefined && watched.revision !== entry.revision) {
        return yield* new EnvironmentInUse({
          environmentId: key,
          holder: holder ?? { ...record, owner: "unknown" },
          message: `environment ${key} is served by a live executor${holder ? ` (${holder.name} on ${holder.host}, started ${holder.startedAt})` : ""}`
        })
      }
      watched ??= { revision: entry.revision, since: at }
      const periodMs = holder?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
      const stale = isStale(entry, holder, yield* now) || at - watched.since >= STALE_HEARTBEATS * periodMs
      if (stale) {
        // Losing this compare-and-set means someone else wrote it: the next round sees a new revision.
        claimed = yield* Effect.tryPromise({ try: () => kv.update(key, encode(record), entry.revision), catch: (error) => error }).pipe(
          Effect.map((revision) => ({ record, revision })),
          Effect.catch((error) => isWrongRevision(error) ? Effect.succeed(undefined) : Effect.fail(kvError("kv")(error)))
        )
        continue
      }
      // A quarter period: the holder's next heartbeat is seen soon after it is written.
      yield* Effect.sleep(Math.max(25, Math.floor(periodMs / 4)))
    }

    const state = yield* Ref.make(claimed)
    const lostSignal = yield* Deferred.make<never, EnvironmentTakenOver>()

    /** The entry if it still carries our owner token (a write that timed out may have landed). */
    const ours = Effect.tryPromise({ try: () => kv.get(key), catch: kvError("kv") }).pipe(
      Effect.map((entry) => entry !== null && decodeEntry(entry)?.owner === owner ? entry : undefined)
    )

    // Released on scope close, after the heartbeat fiber (forked below, so interrupted first) has stopped,
    // or by `release`, which stops it first.
    let released = false
    const releaseEntry = Effect.suspend(() => {
      if (released) return Effect.void
      released = true
      return Effect.gen(function*() {
        const { revision } = yield* Ref.get(state)
        const deleted = yield* Effect.tryPromise({ try: () => kv.delete(key, { previousSeq: revision }), catch: (error) => error }).pipe(
          Effect.as(true),
          Effect.catch((error) => isWrongRevision(error) ? Effect.succeed(false) : Effect.fail(kvError("kv")(error)))
        )
        if (deleted) return
        const entry = yield* ours
        if (entry !== undefined) yield* Effect.tryPromise({ try: () => kv.delete(key, { previousSeq: entry.revision }), catch: kvError("kv") })
      }).pipe(
        // A finalizer is uninterruptible; the timeout needs an interruptible region to fire (EFFECT-STACK.md).
        Effect.interruptible,
        Effect.timeout(Math.max(1000, heartbeatMs)),
        // A dead connection leaves the key to go stale, as a SIGKILL would.
        Effect.ignore
      )
    })
    yield* Effect.addFinalizer(() => releaseEntry)

    const beat = Effect.gen(function*() {
      const { revision } = yield* Ref.get(state)
      const record = recordNow()
      const written = yield* Effect.tryPromise({ try: () => kv.update(key, encode(record), revision, heartbeatMs), catch: (error) => error }).pipe(
        Effect.map((next) => ({ record, revision: next })),
        Effect.catch((error) => isWrongRevision(error) ? Effect.succeed(undefined) : Effect.fail(error))
      )
      if (written !== undefined) return yield* Ref.set(state, written)
      // The compare-and-set was lost: ours if an earlier write that timed out landed, else taken over.
      const entry = yield* ours
      const mine = entry === undefined ? undefined : decodeEntry(entry)
      if (entry !== undefined && mine !== undefined) return yield* Ref.set(state, { record: mine, revision: entry.revision })
      return yield* new EnvironmentTakenOver({ environmentId: key, message: `environment ${key} was taken over by another executor` })
    })

    const heartbeats = yield* Effect.forkScoped(
      Effect.gen(function*() {
        for (;;) {
          yield* Effect.sleep(heartbeatMs)
          // A failed write (a node down, a timeout) is retried at the next beat; the compare-and-set keeps it safe.
          yield* beat.pipe(Effect.catchIf((error): error is Exclude<typeof error, EnvironmentTakenOver> => !(error instanceof EnvironmentTakenOver), () => Effect.void))
        }
      }).pipe(Effect.catch((error) => Deferred.fail(lostSignal, error)))
    )

    return {
      environmentId: key,
      owner,
      current: Ref.get(state),
      lost: Deferred.await(lostSignal),
      release: Effect.andThen(Fiber.interrupt(heartbeats), releaseEntry)
    }
  })

/** How long one listing may take before it is asked again. */
const LIST_TIMEOUT_MS = 5000

/** The live registrations, oldest id first; stale entries (an executor that died) are left out. */
export const list = (nc: NatsConnection, options: BucketOptions = {}): Effect.Effect<ReadonlyArray<ListedEnvironment>, RegistryError> =>
  Effect.gen(function*() {
    const kv = yield* openBucket(nc, options)
    const keys = yield* Effect.tryPromise({
      try: async () => {
        const found: Array<string> = []
        for await (const k of await kv.keys()) found.push(k)
        return found
      },
      catch: kvError("kv")
    })
    const entries = yield* Effect.forEach(keys, (k) => Effect.tryPromise({ try: () => kv.get(k), catch: kvError("kv") }), { concurrency: 8 })
    const at = yield* now
    const live: Array<ListedEnvironment> = []
    for (const entry of entries) {
      if (entry === null) continue
      const record = decodeEntry(entry)
      if (record === undefined || isStale(entry, record, at)) continue
      live.push({ record, revision: entry.revision, updatedAt: entry.created, ageMs: ageOf(entry, at) })
    }
    return live.sort((a, b) => a.record.id.localeCompare(b.record.id))
  }).pipe(
    // A listing is a few small reads; one that stalls (the keys' consumer of nats.js can wait for
    // ever on a loaded or failing-over cluster) is given up and asked again, never waited on.
    Effect.timeoutOrElse({
      duration: LIST_TIMEOUT_MS,
      orElse: () => Effect.fail(new RegistryError({ reason: "kv", message: `listing the registry took over ${LIST_TIMEOUT_MS} ms` }))
    }),
    Effect.retry({ times: 2 })
  )

/** The `environments` command's output: a table, or with `json` one JSON array (a line) of the records with their age. */
export const renderEnvironments = (environments: ReadonlyArray<ListedEnvironment>, options: { readonly json?: boolean } = {}): string => {
  if (options.json === true) {
    return JSON.stringify(environments.map((e) => ({ ...e.record, revision: e.revision, updatedAt: e.updatedAt.toISOString(), ageMs: e.ageMs }))) + "\n"
  }
  if (environments.length === 0) return "no live environments\n"
  const header = ["ID", "NAME", "HOST", "VERSION", "PROTOCOL", "SESSIONS", "STARTED", "HEARTBEAT"]
  const rows = environments.map((e) => [
    e.record.id,
    e.record.name,
    e.record.host,
    e.record.serverVersion,
    e.record.protocolVersion,
    String(e.record.sessions),
    e.record.startedAt,
    `${(e.ageMs / 1000).toFixed(1)}s ago`
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i]!)).join("  ")
  return [header, ...rows].map(line).join("\n") + "\n"
}
