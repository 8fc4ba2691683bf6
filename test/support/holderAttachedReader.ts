/**
 * A stand-in for a server that starts a holder attached (Holder.spawnAttached)
 * and reads its output, for test/integration/holder.test.ts to SIGKILL at
 * any point:
 *   node --import tsx holderAttachedReader.ts SOCKET RING_BYTES OUT_FILE TELL_AFTER [--terminal] -- ARGV...
 * Writes every output byte it takes to OUT_FILE (synchronously, in order,
 * before the next is taken), prints "started HOLDER_PID CHILD_PID" once the
 * holder runs, "listening" once it is bound to SOCKET, and "read N" once it
 * has taken at least TELL_AFTER bytes; then reads on until it is killed.
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Holder from "../../src/holder/Holder.js"
import { CHILD_ENV, readUntilKilled, runStandIn } from "./holderReading.js"

const [socketPath, ringBytes, outFile, tellAfter, ...rest] = process.argv.slice(2)
const terminal = rest[0] === "--terminal"
const separatorAt = rest.indexOf("--")
if (socketPath === undefined || ringBytes === undefined || outFile === undefined || tellAfter === undefined || separatorAt < 0) {
  throw new Error("usage: SOCKET RING_BYTES OUT_FILE TELL_AFTER [--terminal] -- ARGV...")
}
const argv = rest.slice(separatorAt + 1)

runStandIn(Effect.gen(function*() {
  const { connection, started } = yield* Holder.spawnAttached({
    socketPath,
    argv,
    env: CHILD_ENV,
    ringBytes: Number(ringBytes),
    orphanTtlMs: 60_000,
    terminal: terminal ? { rows: 24, cols: 80 } : undefined
  })
  process.stdout.write(`started ${started.holderPid} ${started.childPid} ${connection.sharedRing ? "shared" : "relayed"}\n`)
  yield* connection.listening
  process.stdout.write("listening\n")
  const out = Fs.openSync(outFile, "w")
  yield* readUntilKilled(connection, Number(tellAfter), (bytes) => Fs.writeSync(out, bytes))
}))
