/**
 * What the stand-ins for a server that test/integration/holder.test.ts
 * SIGKILLs share (holderStarter.ts, holderAttachedReader.ts): their
 * children's environment, the loop that reads a holder's output until they
 * are killed, and how a stand-in runs.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Holder from "../../src/holder/Holder.js"

/** The environment a stand-in's child runs with. */
export const CHILD_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

/**
 * Takes `connection`'s output until the stand-in is killed: each chunk to
 * `onBytes` before the next is taken, and "read N" said on stdout once at
 * least `tellAfter` bytes have been taken.
 */
export const readUntilKilled = (
  connection: Holder.HolderConnection,
  tellAfter: number,
  onBytes: (bytes: Uint8Array) => void = () => {}
): Effect.Effect<void, Holder.HolderDisconnected | Holder.HolderRefused> => {
  let taken = 0
  let told = false
  return Stream.runForEach(connection.events, (event) =>
    Effect.sync(() => {
      if (event._tag !== "Output") return
      onBytes(event.bytes)
      taken += event.bytes.byteLength
      if (!told && taken >= tellAfter) {
        told = true
        process.stdout.write(`read ${taken}\n`)
      }
    }))
}

/** Runs a stand-in's program in its scope; a failure is said on stderr, and the stand-in exits 1. */
export const runStandIn = <E>(program: Effect.Effect<void, E, Scope.Scope>): void =>
  void Effect.runPromise(Effect.scoped(program)).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  })
