/**
 * What Effect makes while its modules load and a process must have of its
 * own when it starts from a startup snapshot (`startupSnapshot.ts`).
 */
import type * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { randomBytes } from "node:crypto"

/**
 * A random generator seeded anew for this process. In a startup snapshot
 * whatever Effect made while its modules loaded was made at build time, and
 * every server would draw the same numbers from a generator made then.
 * The clock needs nothing of ours in Effect 4: its default reads
 * `Date.now()` and the monotonic clock at each call and re-anchors its
 * wall time when the two drift more than a second apart (as they do after
 * a snapshot's restore or a reboot), where Effect 3's kept the origin it
 * took at load.
 */
export const withFreshDefaultServices = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Random.withSeed(program, randomBytes(16).toString("hex"))
