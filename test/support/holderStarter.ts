/**
 * A stand-in for a server that starts a holder and reads from it, for
 * test/integration/holder.test.ts to kill in the middle of the stream:
 *   node --import tsx holderStarter.ts SOCKET RING_BYTES -- ARGV...
 * Prints "started HOLDER_PID CHILD_PID" once the holder runs, then "read N"
 * once it has taken at least 1 MiB, and goes on reading until it is killed.
 */
import * as Effect from "effect/Effect"
import * as Holder from "../../src/holder/Holder.js"
import { CHILD_ENV, readUntilKilled, runStandIn } from "./holderReading.js"

const [socketPath, ringBytes, separator, ...argv] = process.argv.slice(2)
if (socketPath === undefined || ringBytes === undefined || separator !== "--") throw new Error("usage: SOCKET RING_BYTES -- ARGV...")

runStandIn(Effect.gen(function*() {
  const started = yield* Holder.spawn({ socketPath, argv, env: CHILD_ENV, ringBytes: Number(ringBytes), orphanTtlMs: 60_000 })
  process.stdout.write(`started ${started.holderPid} ${started.childPid}\n`)
  const connection = yield* Holder.attach(socketPath)
  yield* readUntilKilled(connection, 1024 * 1024)
}))
