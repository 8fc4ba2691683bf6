/**
 * The command-line client's entry: a command line whose first word names a
 * client command (`exec`, `attach`, `ps`, ...: `remote.ts`) is read by the
 * binary's command line (`commandLine.ts`) as any other, with none of the
 * server's modules loaded, which a client never runs. The binary's entry
 * (`main.ts`) imports this for those command lines, and the client's
 * startup snapshot (`clientStartupSnapshot.ts`) holds it evaluated.
 */
import * as Effect from "effect/Effect"
import * as CommandLine from "./commandLine.js"
import { forgetLauncherTunables } from "./launcherTunables.js"
import { runToExit } from "./runToExit.js"

/** The server's command, which a command line that starts with a client command never reaches. */
const noServerHere = () => Effect.die(new Error("the client's entry was given a server's command line"))

/** Runs the client command on `process.argv` until it ends, then exits with its status. */
export const mainClient = (): void => {
  forgetLauncherTunables()
  runToExit(CommandLine.run(process.argv, noServerHere))
}
