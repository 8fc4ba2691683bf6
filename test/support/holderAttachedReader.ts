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
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Holder from "../../src/holder/Holder.js"

const [socketPath, ringBytes, outFile, tellAfter, ...rest] = process.argv.slice(2)
const terminal = rest[0] === "--terminal"
const separatorAt = rest.indexOf("--")
if (socketPath === undefined || ringBytes === undefined || outFile === undefined || tellAfter === undefined || separatorAt < 0) {
  throw new Error("usage: SOCKET RING_BYTES OUT_FILE TELL_AFTER [--terminal] -- ARGV...")
}
const argv = rest.slice(separatorAt + 1)

const program = Effect.gen(function*() {
  const { connection, started } = yield* Holder.spawnAttached({
    socketPath,
    argv,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    ringBytes: Number(ringBytes),
    orphanTtlMs: 60_000,
    terminal: terminal ? { rows: 24, cols: 80 } : undefined
  })
  process.stdout.write(`started ${started.holderPid} ${started.childPid} ${connection.sharedRing ? "shared" : "relayed"}\n`)
  yield* connection.listening
  process.stdout.write("listening\n")
  const out = Fs.openSync(outFile, "w")
  let taken = 0
  let told = false
  yield* connection.events.pipe(
    Stream.runForEach((event) =>
      Effect.sync(() => {
        if (event._tag !== "Output") return
        Fs.writeSync(out, event.bytes)
        taken += event.bytes.byteLength
        if (!told && taken >= Number(tellAfter)) {
          told = true
          process.stdout.write(`read ${taken}\n`)
        }
      })
    )
  )
})

Effect.runPromise(Effect.scoped(program)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
