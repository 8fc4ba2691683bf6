/**
 * Runs a shell snapshot's capture (shellSnapshot.ts) as the start it is
 * for would run: its directory, its environment, its sandbox, its `arg0`;
 * stdin empty, stderr dropped, in a process group of its own that is killed
 * when the capture takes more than 10 s or prints more than 4 MiB.
 */
import * as ChildProcess from "node:child_process"
import * as Effect from "effect/Effect"
import type { Confinement } from "../sandbox/policy.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import { childNeedsCloser, closerArgv } from "../native/inheritedDescriptors.js"
import { type RunCapture, SNAPSHOT_LIMITS } from "./shellSnapshot.js"

export interface CaptureContext {
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly arg0: string | undefined
  readonly confinement: Confinement
}

const killGroup = (child: ChildProcess.ChildProcess) => {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
  } catch {
    // Gone already.
  }
}

/** The capture runner of a start, with the sandbox service it may need. */
export const captureRunner = (context: CaptureContext): Effect.Effect<RunCapture, never, Sandbox> =>
  Effect.map(Sandbox, (sandbox): RunCapture => (argv) =>
    Effect.scoped(Effect.gen(function*() {
      const launch = context.confinement._tag === "Unconfined"
        ? undefined
        : yield* Effect.mapError(
          sandbox.launch(context.confinement.policy, { argv, arg0: context.arg0, cwd: context.cwd }),
          (error) => `the sandbox refused the capture: ${error.message}`
        )
      const command = launch?.argv ?? argv
      const arg0 = launch === undefined ? context.arg0 : undefined
      const closer = childNeedsCloser()
      const [file, args] = closer ? closerArgv(command[0]!, [arg0 ?? command[0]!, ...command.slice(1)]) : [command[0]!, command.slice(1)]
      return yield* Effect.callback<Buffer, string>((resume) => {
        const child = ChildProcess.spawn(file, args, {
          cwd: context.cwd,
          env: context.env,
          stdio: ["ignore", "pipe", "ignore"],
          detached: true,
          ...(arg0 === undefined || closer ? {} : { argv0: arg0 })
        })
        const chunks: Array<Buffer> = []
        let bytes = 0
        let failed: string | undefined
        const fail = (why: string) => {
          failed ??= why
          killGroup(child)
        }
        const timer = setTimeout(() => fail(`the capture took more than ${SNAPSHOT_LIMITS.captureTimeoutMs} ms`), SNAPSHOT_LIMITS.captureTimeoutMs)
        child.stdout!.on("data", (chunk: Buffer) => {
          bytes += chunk.length
          if (bytes > SNAPSHOT_LIMITS.captureOutputBytes) fail(`the capture printed more than ${SNAPSHOT_LIMITS.captureOutputBytes} bytes`)
          else chunks.push(chunk)
        })
        child.on("error", (error) => fail(`the capture could not start: ${error.message}`))
        child.on("close", (code, signal) => {
          clearTimeout(timer)
          if (failed !== undefined) resume(Effect.fail(failed))
          else if (code !== 0) {
            killGroup(child)
            resume(Effect.fail(`the capture exited with ${code ?? signal}`))
          } else resume(Effect.succeed(Buffer.concat(chunks)))
        })
        return Effect.sync(() => {
          clearTimeout(timer)
          killGroup(child)
        })
      })
    })))
