/**
 * A stand-in for a server that starts a holder and reads from it, for
 * test/integration/holder.test.ts to kill in the middle of the stream:
 *   node --import tsx holderStarter.ts SOCKET RING_BYTES -- ARGV...
 * Prints "started CHILD_PID" once the holder runs, then "read N" once it has
 * taken at least 1 MiB, and goes on reading until it is killed.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Holder from "../../src/holder/Holder.js"

const [socketPath, ringBytes, separator, ...argv] = process.argv.slice(2)
if (socketPath === undefined || ringBytes === undefined || separator !== "--") throw new Error("usage: SOCKET RING_BYTES -- ARGV...")

const program = Effect.gen(function*() {
  const started = yield* Holder.spawn({
    socketPath,
    argv,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    ringBytes: Number(ringBytes),
    orphanTtlMs: 60_000
  })
  process.stdout.write(`started ${started.childPid}\n`)
  const connection = yield* Holder.attach(socketPath)
  let taken = 0
  let told = false
  yield* connection.events.pipe(
    Stream.runForEach((event) =>
      Effect.sync(() => {
        if (event._tag !== "Output") return
        taken += event.bytes.byteLength
        if (!told && taken >= 1024 * 1024) {
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
