/**
 * What a takeover by another executor that judged a registered one stale
 * writes to the registry: the same record under a new owner, compare-and-set
 * on the revision read. The registered executor's heartbeat may write between
 * the read and the update; a compare-and-set that lost that race is tried again
 * on the newer revision, as a real executor's would be.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"

export const takeOverEntry = async (kv: KV, key: string, owner = "someone-else"): Promise<void> => {
  for (let attempt = 1;; attempt++) {
    const entry = await kv.get(key)
    if (entry === null || entry.operation !== "PUT") throw new Error(`no registration under ${key}`)
    try {
      await kv.update(key, JSON.stringify({ ...entry.json<object>(), owner }), entry.revision)
      return
    } catch (error) {
      const lostRace = error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence
      if (!lostRace || attempt >= 10) throw error
    }
  }
}
