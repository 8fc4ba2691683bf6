/**
 * The pipe spawner: stdout and stderr apart, stdin a pipe or /dev/null. It
 * starts children with posix_spawn (./posixSpawn.ts) where our addon is built,
 * else with Node's child_process.
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as NodeChildProcess from "node:child_process"
import type { EventEmitter } from "node:events"
import type { Readable, Writable } from "node:stream"
import { errnoOf, type InternalError, internalErrorFrom, type SpawnNotFound } from "../protocol/errors.js"
import { ChildEvents, type ChildProcess, stdinBacklogFull, type ProcessSpawner, type StdinStatus } from "./ChildProcess.js"
import { launcherArgv } from "../limits/launcher.js"
import { childNeedsCloser, closerArgv } from "../native/inheritedDescriptors.js"
import * as PosixSpawn from "./posixSpawn.js"
import { exitCodeOf, killProcessGroup, processGroupExists, signalChild } from "./signals.js"
import { checkArgumentSize, checkInterpreter, checkProgramName, checkWorkingDirectory, resolveExecutable } from "./spawnChecks.js"

/** Options of the Node pipe spawner. */
export interface NodePipeSpawnerOptions {
  /**
   * How long to keep reading after the child exits before reporting the exit
   * while a descendant still holds its stdout or stderr open. Output the
   * child wrote before exiting is already in the pipe and is read well within
   * this window; when the pipes close sooner the exit is reported at once.
   */
  readonly exitFlushMs?: number
  /**
   * How children are started: `posixSpawn` (the default where the addon is
   * built, not switched off by `EXEC_SERVER_NATIVE=0`, and the kernel has
   * pidfds) costs the same whatever the server's size; `childProcess` is
   * Node's fork-based spawn.
   */
  readonly spawnWith?: "posixSpawn" | "childProcess"
}

/** What the spawner uses of a child, from either way of starting it. */
interface SpawnedChild extends EventEmitter {
  readonly pid?: number | undefined
  readonly stdin: Writable | null
}

/** A child's stdout and stderr together: the addon's watch, or Node's two streams. */
interface OutputControl {
  readonly pause: () => void
  readonly resume: () => void
  /** Closes both now; the child's `close` follows. */
  readonly destroy: () => void
}

const streamsOf = (stdout: Readable, stderr: Readable): OutputControl => ({
  pause: () => {
    stdout.pause()
    stderr.pause()
  },
  resume: () => {
    stdout.resume()
    stderr.resume()
  },
  destroy: () => {
    stdout.destroy()
    stderr.destroy()
  }
})

/** Builds the pipe spawner. */
export const make = (options: NodePipeSpawnerOptions = {}): ProcessSpawner => {
  const exitFlushMs = options.exitFlushMs ?? 50
  const spawnWith = options.spawnWith ?? (PosixSpawn.posixSpawnAvailable() ? "posixSpawn" : "childProcess")
  if (spawnWith === "posixSpawn" && !PosixSpawn.posixSpawnAvailable()) {
    throw new Error("posix_spawn is not available: the native addon is not built or is switched off, or the kernel has no pidfds")
  }
  return {
    spawn: (request) =>
      Effect.gen(function*() {
        const [program, ...args] = request.sandbox?.argv ?? request.argv
        // Node would call an empty name EACCES; it names no program at all.
        yield* checkProgramName(request.argv[0]!)
        yield* checkArgumentSize(request.sandbox?.argv ?? request.argv, request.env)
        // Node blames the program for a missing cwd too, and execve's ENOENT may
        // be a script's missing interpreter: tell them apart only when spawning failed.
        const spawnFailed = (error: unknown): Effect.Effect<never, InternalError | SpawnNotFound> =>
          Effect.andThen(
            request.sandbox === undefined && errnoOf(error) === "ENOENT"
              ? Effect.andThen(checkWorkingDirectory(request.cwd), resolveExecutable(program!, request.cwd, request.env))
              : checkWorkingDirectory(request.cwd),
            Effect.fail(internalErrorFrom(error, `cannot spawn ${program}`))
          )
        // A confined command gets its argv[0] from the sandbox's launcher.
        const arg0 = request.arg0 === undefined || request.sandbox !== undefined ? undefined : request.arg0
        // Through the closer, a missing program (or a script's missing interpreter) would only show as exit status 127.
        const closer = childNeedsCloser()
        if (closer && request.sandbox === undefined) yield* checkInterpreter(yield* resolveExecutable(program!, request.cwd, request.env))
        const cgroups = request.joinCgroups
        // In its cgroups before it runs anything: the addon's child joins them itself between its
        // setup and its execve; Node's spawn has no such step, and goes through the launcher, which
        // joins them and execs the command as it was.
        const viaLauncher = cgroups !== undefined && spawnWith !== "posixSpawn"
        // Through the launcher, a missing program would only show as exit status 127 too.
        if (viaLauncher && !closer && request.sandbox === undefined) {
          yield* checkInterpreter(yield* resolveExecutable(program!, request.cwd, request.env))
        }
        const [plainFile, plainArgs] = closer ? closerArgv(program!, [arg0 ?? program!, ...args]) : [program!, args]
        const [file, fileArgs] = viaLauncher
          ? launcherArgv(cgroups, plainFile, closer ? [plainFile, ...plainArgs] : [arg0 ?? program!, ...args])
          : [plainFile, plainArgs]
        const launched = viaLauncher || closer
        const events = new ChildEvents()
        // posix_spawn answers at once; Node's spawn reports its outcome by event.
        const [child, output]: readonly [SpawnedChild, OutputControl] = spawnWith === "posixSpawn"
          ? yield* Effect.suspend(() => {
            try {
              const child = PosixSpawn.spawn({
                file,
                argv: launched ? [file, ...fileArgs] : [arg0 ?? program!, ...args],
                env: request.env,
                cwd: request.cwd,
                pipeStdin: request.pipeStdin,
                joinCgroups: cgroups,
                onOutput: (stream, bytes) => events.emit({ _tag: "Output", stream, bytes })
              })
              const output: OutputControl = {
                pause: child.pauseOutput,
                resume: child.resumeOutput,
                destroy: child.destroyOutput
              }
              return Effect.succeed([child, output] as const)
            } catch (error) {
              return PosixSpawn.isJoinFailure(error)
                ? Effect.fail(internalErrorFrom(error, `cannot place the process in its cgroup (${error.path}), so it was not started`))
                : spawnFailed(error)
            }
          })
          : yield* Effect.callback<readonly [SpawnedChild, OutputControl], InternalError | SpawnNotFound>((resume) => {
            let child: NodeChildProcess.ChildProcess
            try {
              child = NodeChildProcess.spawn(file, fileArgs, {
                cwd: request.cwd,
                env: request.env,
                ...(arg0 === undefined || launched ? {} : { argv0: arg0 }),
                detached: true,
                stdio: [request.pipeStdin ? "pipe" : "ignore", "pipe", "pipe"]
              })
            } catch (error) {
              // Most exec failures (ENOTDIR, E2BIG, ...) are thrown here rather than emitted.
              resume(spawnFailed(error))
              return
            }
            const onSpawn = () => {
              child.off("error", onError)
              child.stdout!.on("data", (bytes: Buffer) => events.emit({ _tag: "Output", stream: "stdout", bytes }))
              child.stderr!.on("data", (bytes: Buffer) => events.emit({ _tag: "Output", stream: "stderr", bytes }))
              resume(Effect.succeed([child, streamsOf(child.stdout!, child.stderr!)] as const))
            }
            const onError = (error: Error) => {
              child.off("spawn", onSpawn)
              resume(spawnFailed(error))
            }
            child.once("spawn", onSpawn)
            child.once("error", onError)
          })
        const pid = child.pid!
        let exitReported = false
        let exited = false
        let flushTimer: NodeJS.Timeout | undefined
        let pendingExit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined
        const reportExit = (code: number | null, signal: NodeJS.Signals | null) => {
          if (exitReported) return
          exitReported = true
          if (flushTimer !== undefined) clearTimeout(flushTimer)
          events.emit({ _tag: "Exited", exitCode: exitCodeOf(code, signal), signal })
        }
        // Flow control: while paused the child blocks once its pipes are full.
        let paused = false
        // While output is paused, what the child wrote before exiting may still
        // be in the pipe: the flush window only runs while we are reading.
        const startFlushWindow = () => {
          if (pendingExit === undefined || paused || exitReported) return
          const { code, signal } = pendingExit
          flushTimer = setTimeout(() => {
            flushTimer = undefined
            if (paused) return
            reportExit(code, signal)
          }, exitFlushMs)
        }
        const setPaused = (next: boolean) => {
          if (next === paused) return
          paused = next
          if (paused) {
            output.pause()
          } else {
            output.resume()
            if (flushTimer === undefined) startFlushWindow()
          }
        }
        child.on("exit", (code, signal) => {
          exited = true
          pendingExit = { code, signal }
          startFlushWindow()
        })
        // `close`: exited and every stdio stream ended, so all output is read.
        child.on("close", (code, signal) => {
          reportExit(code, signal)
          events.emit({ _tag: "Closed" })
        })
        // Descendants that still hold stdout or stderr are left to write into a
        // closed pipe (EPIPE); once both streams are destroyed, `close` follows.
        const endOutput = Effect.sync(() => {
          if (!exitReported) return
          output.destroy()
        })
        // After a successful spawn Node reports only failed kill() calls here; we
        // signal groups with process.kill, so there is nothing to handle.
        child.on("error", () => {})

        const stdin = child.stdin
        let stdinOpen = stdin !== null
        // A child that exits or closes its stdin makes later writes fail with EPIPE.
        stdin?.on("error", () => {
          stdinOpen = false
        })
        stdin?.on("close", () => {
          stdinOpen = false
        })

        // Not Effect.addFinalizer: this needs nothing of its acquisition's context (see ProcessActor).
        yield* Scope.addFinalizer(
          yield* Effect.scope,
          Effect.sync(() => {
            events.close()
            if (flushTimer !== undefined) clearTimeout(flushTimer)
            if (!exited) killProcessGroup(pid, "SIGKILL")
            output.destroy()
            stdin?.destroy()
          })
        )

        const handle: ChildProcess = {
          pid,
          listen: (sink) => events.listen(sink),
          write: (bytes) =>
            Effect.sync((): StdinStatus => {
              if (stdin === null || !stdinOpen || stdin.writableEnded) return "stdinClosed"
              // What the child has not read stays in the stream's buffer: bounded, not taken beyond the backlog.
              if (stdinBacklogFull(stdin.writableLength, bytes.byteLength)) return "backlogFull"
              stdin.write(bytes)
              return "accepted"
            }),
          closeStdin: Effect.sync((): Exclude<StdinStatus, "backlogFull"> => {
            if (stdin === null || !stdinOpen || stdin.writableEnded) return "stdinClosed"
            stdin.end()
            return "accepted"
          }),
          resize: () => Effect.void,
          signal: (signal) => signalChild(pid, request.sandbox, signal),
          groupExists: () => processGroupExists(pid),
          endOutput,
          setPaused
        }
        return handle
      })
  }
}
