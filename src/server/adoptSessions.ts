/**
 * `--keep-processes`: at start, the sessions a server that is gone left in
 * the state directory, each with the processes its records name (whose
 * holders are still there), handed to `adopt` one session at a time.
 */
import * as Effect from "effect/Effect"
import { type FoundRecord, ownerRuns, readRecords } from "../process/heldRecords.js"

/**
 * Reads the records in `stateDir` and adopts each session's processes, in
 * the order they started: those of servers that are gone (or that hand
 * over to this one), never those of a server that runs beside this one
 * with the same state directory.
 */
export const adoptSessions = <E, R>(
  kept: { readonly stateDir: string; readonly handingOver?: number | undefined },
  adopt: (key: string, processes: ReadonlyArray<FoundRecord>) => Effect.Effect<void, E, R>
): Effect.Effect<void, E, R> =>
  Effect.suspend(() => {
    const bySession = new Map<string, Array<FoundRecord>>()
    for (const found of readRecords(kept.stateDir)) {
      if (ownerRuns(found.record.owner, kept.handingOver)) continue
      const list = bySession.get(found.record.sessionKey)
      if (list === undefined) bySession.set(found.record.sessionKey, [found])
      else list.push(found)
    }
    return Effect.forEach(
      bySession,
      ([key, processes]) => adopt(key, [...processes].sort((a, b) => a.record.startedAtMs - b.record.startedAtMs)),
      { discard: true }
    )
  })
