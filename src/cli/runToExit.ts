/**
 * How the binary runs a command: on Effect's Node runtime, logging as text
 * to stderr, with default services made for this process (a startup
 * snapshot's were made when it was built), exiting as soon as the command
 * is done. Shared by the server's entry (`run.ts`) and the client's
 * (`clientMain.ts`).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { withFreshDefaultServices } from "./freshServices.js"
import { withTextLogger } from "./stderrLog.js"

/**
 * Runs `command` until it ends, then exits: with 1 when it failed (other
 * than by an interruption), else with `process.exitCode` (0 unless the
 * command set it). Nothing else should keep Node alive.
 */
export const runToExit = <E>(command: Effect.Effect<void, E>): void =>
  command.pipe(
    withTextLogger,
    withFreshDefaultServices,
    // Effect 4's runMain installs no pretty logger of its own (v3 needed `disablePrettyLogger`).
    NodeRuntime.runMain({
      teardown: (exit, onExit) => {
        const failed = Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)
        const code = failed ? 1 : Number(process.exitCode ?? 0)
        onExit(code)
        process.exit(code)
      }
    })
  )
