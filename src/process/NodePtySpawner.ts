/** The PTY spawner on node-pty: raw bytes on stream "pty", the child leads its own session. */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { createRequire } from "node:module"
import type * as NodePty from "node-pty"
import { InternalError, internalErrorFrom, SpawnNotFound } from "../protocol/errors.js"
import { ChildEvents, type ChildProcess, stdinBacklogFull, type ProcessSpawner, type StdinStatus } from "./ChildProcess.js"
import { launcherArgv } from "../limits/launcher.js"
import { childNeedsCloser, closerArgv, terminalOpened } from "../native/inheritedDescriptors.js"
import { exitCodeOf, killProcessGroup, processGroupExists, signalChild, signalName } from "./signals.js"
import { descriptorTarget, stateOf } from "../procfs/processes.js"
import { checkArgumentSize, checkInterpreter, checkProgramName, checkWorkingDirectory, resolveExecutable } from "./spawnChecks.js"
import { type NodePtyInternals, readTerminal } from "./terminalReader.js"

/** Ctrl-D: end of input for a terminal in canonical mode. */
const EOF_BYTE = Buffer.from([4])

/**
 * Bytes node-pty holds for a terminal that the kernel has not taken yet: its
 * write stream queues what the terminal's input buffer refuses (EAGAIN) and
 * retries. Read from node-pty 1.x's private queue; 0 where it has none.
 */
const ptyBacklog = (terminal: NodePty.IPty): number => {
  const queue = (terminal as unknown as {
    readonly _writeStream?: { readonly _writeQueue?: ReadonlyArray<{ readonly buffer: Uint8Array; readonly offset: number }> }
  })._writeStream?._writeQueue
  if (!Array.isArray(queue)) return 0
  let bytes = 0
  for (const task of queue) bytes += task.buffer.byteLength - task.offset
  return bytes
}

/**
 * node-pty runs `argv[0]` with execvp, so a different argv[0] needs a helper
 * that execs with an explicit argv. Perl ships in every Debian base system
 * (perl-base) and its exec neither adds to nor changes the environment.
 */
const ARG0_HELPER = "/usr/bin/perl"
const ARG0_SCRIPT = "exec { shift @ARGV } @ARGV or die \"exec failed: $!\\n\""

/**
 * node-pty, loaded at the first terminal rather than with the server: where
 * its native module was not built (its install script not allowed, no
 * compiler) the server still starts and serves pipes, and only terminals
 * are refused.
 */
let nodePty: typeof NodePty | InternalError | undefined
const loadNodePty = (): typeof NodePty | InternalError => {
  if (nodePty === undefined) {
    try {
      nodePty = createRequire(import.meta.url)("node-pty") as typeof NodePty
    } catch (error) {
      nodePty = new InternalError({
        message: `terminals are unavailable on this server: node-pty did not load (was its install script allowed to build it?): ${
          error instanceof Error ? error.message.split("\n")[0] : String(error)
        }`
      })
    }
  }
  return nodePty
}

/** The slave side's path; node-pty knows it (`ptsName`), /proc knows it too. */
const slavePathOf = (terminal: NodePty.IPty): string | undefined => {
  const ptsName = (terminal as NodePty.IPty & { readonly ptsName?: unknown }).ptsName
  if (typeof ptsName === "string" && ptsName.startsWith("/dev/")) return ptsName
  return descriptorTarget(terminal.pid, 0)
}

/**
 * Holding the slave side open keeps Linux from hanging up the terminal when
 * the child exits, which can discard the last few KB of output that are
 * still on their way to the master. node-pty then reads everything the child
 * wrote until its exit handling closes the master.
 */
const holdSlaveOpen = (terminal: NodePty.IPty): number | undefined => {
  const path = slavePathOf(terminal)
  if (path === undefined) return undefined
  try {
    return Fs.openSync(path, Fs.constants.O_RDWR | Fs.constants.O_NOCTTY)
  } catch {
    return undefined
  }
}

/**
 * Checks run on every SIGCHLD: a PTY child that is gone gets its terminal
 * drained (even if flow control had paused it) and closed at once, instead
 * of after node-pty's 200 ms timeout, which would cut off unread output.
 */
const onChildExit = new Set<() => void>()
let sigchldInstalled = false
const watchChildExits = (check: () => void): (() => void) => {
  if (!sigchldInstalled) {
    sigchldInstalled = true
    process.on("SIGCHLD", () => {
      for (const run of [...onChildExit]) run()
    })
  }
  onChildExit.add(check)
  return () => void onChildExit.delete(check)
}

/** The largest chunk made of merged terminal reads. */
const MAX_CHUNK_BYTES = 64 * 1024
/** How long terminal reads are gathered into one chunk. */
const COALESCE_MS = 2

/**
 * How long the terminal must stay quiet after the child is gone before our
 * hold on it is let go, checked every millisecond. Letting go at once loses
 * the last few KB now and then (what the resumed stream had not yet handed
 * over); a few quiet milliseconds are enough, and each PTY process ends
 * that much sooner.
 */
const DRAIN_QUIET_MS = 3
const DRAIN_CHECK_MS = 1
/** Checks in a row (each after an I/O poll) that must find the terminal quiet. */
const DRAIN_QUIET_TICKS = 3
/**
 * How long, once node-pty asked to destroy its stream, the drain may still
 * read a terminal that never goes quiet (a descendant that keeps writing to
 * it); then what is unread is dropped, as node-pty would have at once.
 */
const DRAIN_AFTER_ASKED_MS = 2_000

/**
 * node-pty destroys its master stream 200 ms after the child's exit, read to
 * its end or not (a guard against a close macOS may never report): on a
 * loaded machine the event loop had not read the last output by then, and one
 * terminal in thirty lost its end. Held, that destroy waits until `release`
 * (the drain is done), or is made at once should node-pty ask after it.
 * Undefined when node-pty's stream is not the one this knows.
 */
const holdMasterStream = (terminal: NodePty.IPty, onAsked: () => void): { readonly release: () => void } | undefined => {
  const stream = (terminal as unknown as NodePtyInternals)._socket
  if (stream === undefined || typeof stream.destroy !== "function") return undefined
  const destroy = stream.destroy
  let held = true
  let asked: Array<unknown> | undefined
  // Once released, a destroy goes through as it came.
  stream.destroy = (...args) => {
    if (!held) return destroy.apply(stream, args)
    asked = args
    onAsked()
    return stream
  }
  return {
    release: () => {
      if (!held) return
      held = false
      if (asked !== undefined) destroy.apply(stream, asked)
    }
  }
}

/**
 * A terminal hands over a few KB per read, each in its own turn of the event
 * loop; reads within COALESCE_MS of the last chunk become one chunk (up to
 * MAX_CHUNK_BYTES). A read after a quiet spell (a keystroke's echo, a
 * prompt) goes out at once. Each read and each chunk is valid only during
 * its call (see `ChildEvent`): held reads are copied into a buffer kept
 * while reads keep coming and let go after a window without any, so that a
 * quiet terminal holds none.
 */
class OutputCoalescer {
  /** When the last read came (Date.now()). */
  lastDataAt = Date.now()
  private lastFlushAt = 0
  private held: Buffer | undefined
  private heldBytes = 0
  private timer: NodeJS.Timeout | undefined
  constructor(private readonly emit: (bytes: Uint8Array) => void) {}

  add(bytes: Uint8Array): void {
    this.lastDataAt = Date.now()
    if (this.heldBytes + bytes.byteLength > MAX_CHUNK_BYTES) this.flush()
    // Nothing held (a read larger than a chunk has just flushed what was): a read after a quiet spell, or one that fills a chunk alone, goes out as it is.
    if (this.heldBytes === 0 && (this.lastDataAt - this.lastFlushAt >= COALESCE_MS || bytes.byteLength > MAX_CHUNK_BYTES)) {
      this.lastFlushAt = this.lastDataAt
      this.emit(bytes)
      return
    }
    const held = (this.held ??= Buffer.allocUnsafeSlow(MAX_CHUNK_BYTES))
    held.set(bytes, this.heldBytes)
    this.heldBytes += bytes.byteLength
    this.timer ??= setTimeout(this.onTimer, COALESCE_MS)
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    if (this.heldBytes === 0) {
      this.held = undefined
      return
    }
    this.flush()
    // One window more: a burst goes on into it, or the buffer goes at its end.
    this.timer = setTimeout(this.onTimer, COALESCE_MS)
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.heldBytes === 0) return
    this.lastFlushAt = Date.now()
    const bytes = this.held!.subarray(0, this.heldBytes)
    this.heldBytes = 0
    this.emit(bytes)
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.held = undefined
    this.heldBytes = 0
  }
}

/** False once the process is gone or a zombie. */
const isRunning = (pid: number): boolean => {
  const state = stateOf(pid)
  return state !== undefined && state !== "Z"
}

/** Builds the PTY spawner. */
export const make = (): ProcessSpawner => ({
  spawn: (request) =>
    Effect.gen(function*() {
      yield* checkWorkingDirectory(request.cwd)
      // The forked child would only report E2BIG as output and exit code 1.
      yield* checkArgumentSize(request.sandbox?.argv ?? request.argv, request.env)
      const [program, ...args] = request.argv
      // execvp failures in the forked child would only show as exit code 1.
      // The reference's terminal spawner resolves every relative name itself
      // and calls any failure to `spawnFailed`; an absolute path goes to
      // execve, whose errno gives the kind (ENOENT, EACCES, ENOTDIR).
      yield* checkProgramName(program!)
      const resolved = yield* Effect.mapError(
        resolveExecutable(program!, request.cwd, request.env),
        (error) =>
          Path.isAbsolute(program!)
            ? error
            : error._tag === "ExecServer/SpawnNotFound"
            ? new SpawnNotFound({ message: error.message, missing: error.missing, path: error.path, kind: "spawnFailed" })
            : new InternalError({ message: error.message, ...(error.errno === undefined ? {} : { errno: error.errno }), kind: "spawnFailed" })
      )
      if (request.sandbox === undefined) yield* checkInterpreter(resolved)
      // A confined command gets its argv[0] from the sandbox's launcher.
      const useHelper = request.sandbox === undefined && request.arg0 !== undefined && request.arg0 !== program &&
        Fs.existsSync(ARG0_HELPER)
      // The closer execs with an explicit argv[0] too: it takes the helper's place.
      const closer = childNeedsCloser()
      const [plainFile, plainArgs] = request.sandbox !== undefined
        ? closer
          ? closerArgv(request.sandbox.argv[0]!, request.sandbox.argv)
          : [request.sandbox.argv[0]!, request.sandbox.argv.slice(1)]
        : closer
        ? closerArgv(program!, [request.arg0 ?? program!, ...args])
        : useHelper
        ? [ARG0_HELPER, ["-e", ARG0_SCRIPT, program!, request.arg0!, ...args]]
        : [program!, args]
      // In its cgroups before it runs anything: the launcher joins them and execs the command as it was.
      const [file, fileArgs] = request.joinCgroups === undefined
        ? [plainFile, plainArgs]
        : launcherArgv(request.joinCgroups, plainFile, [plainFile, ...plainArgs])
      const pty = loadNodePty()
      if (pty instanceof InternalError) return yield* pty
      const events = new ChildEvents()
      const coalescer = new OutputCoalescer((bytes) => events.emit({ _tag: "Output", stream: "pty", bytes }))
      // The reading is taken over in the same turn as the spawn: node-pty's stream reads from the next poll on.
      const [terminal, reader] = yield* Effect.try({
        try: () => {
          const terminal = pty.spawn(file, fileArgs, {
            name: request.env.TERM ?? "xterm-256color",
            cols: request.size.cols,
            rows: request.size.rows,
            cwd: request.cwd,
            env: request.env,
            encoding: null
          })
          try {
            const reader = readTerminal(terminal, (bytes) => coalescer.add(bytes), () => coalescer.flush())
            return [terminal, reader] as const
          } catch (error) {
            // No thread can read it now (out of descriptors or threads): the child goes, and the start is
            // refused with the reason (node-pty, once the child is gone, closes the master). The child
            // itself first: it may not lead its group yet (setsid comes between fork and exec), and
            // once killed it forks nothing more; then whatever it started after its exec.
            try {
              process.kill(terminal.pid, "SIGKILL")
            } catch {
              // Gone already.
            }
            killProcessGroup(terminal.pid, "SIGKILL")
            throw error
          }
        },
        catch: (error) => internalErrorFrom(error, `cannot spawn ${program}`)
      })
      const pid = terminal.pid
      // Its master is open, without close-on-exec, until node-pty reports the exit (after closing it).
      terminal.onExit(terminalOpened())
      let slaveFd = holdSlaveOpen(terminal)
      const releaseSlave = () => {
        if (slaveFd === undefined) return
        Fs.closeSync(slaveFd)
        slaveFd = undefined
      }
      let exited = false
      // Set once the child is gone: the terminal is then read to its end
      // whatever flow control asks, or its last output could be lost.
      let draining = false
      let paused = false
      const resume = () => reader === undefined ? terminal.resume() : reader.resume()
      const setPaused = (next: boolean) => {
        if (next === paused) return
        paused = next
        if (!paused) resume()
        else if (!exited && !draining) reader === undefined ? terminal.pause() : reader.pause()
      }
      // node-pty's reads, where the addon does not read the terminal.
      const dataListener = reader === undefined
        ? terminal.onData((data: string | Buffer) => coalescer.add(typeof data === "string" ? Buffer.from(data) : data))
        : undefined
      // Once the child is gone, read until the terminal has been quiet for a
      // moment, then let go of the slave side: the master then reports EIO,
      // node-pty closes it and reports the exit without waiting out its timer.
      let drainTimer: NodeJS.Timeout | undefined
      const stopDrain = () => {
        if (drainTimer !== undefined) clearInterval(drainTimer)
        drainTimer = undefined
      }
      // When node-pty asked to destroy its stream (held until the drain is done).
      let askedAt: number | undefined
      const master = reader === undefined
        ? holdMasterStream(terminal, () => {
          askedAt ??= Date.now()
          drainIfGone()
          if (!draining) drained()
        })
        : undefined
      const drained = () => {
        stopDrain()
        releaseSlave()
        master?.release()
      }
      const drainIfGone = () => {
        if (exited || draining || isRunning(pid)) return
        draining = true
        resume()
        // The addon reads the terminal to its hang-up, which the kernel reports
        // only once what the child wrote has been read: the slave can go now.
        if (reader !== undefined) return releaseSlave()
        // Quiet by the clock is not enough: a server starved of CPU comes back
        // to a long gap before it has polled the terminal again, and what the
        // child wrote meanwhile was lost on a loaded machine (about 1 end in 10).
        // The gap must also hold over DRAIN_QUIET_TICKS checks, each after an
        // I/O poll of the event loop that would have read it.
        let quietTicks = 0
        let quietSince = coalescer.lastDataAt
        drainTimer = setInterval(() => {
          if (askedAt !== undefined && Date.now() - askedAt >= DRAIN_AFTER_ASKED_MS) return drained()
          const lastDataAt = coalescer.lastDataAt
          if (Date.now() - lastDataAt < DRAIN_QUIET_MS || lastDataAt !== quietSince) {
            quietTicks = 0
            quietSince = lastDataAt
            return
          }
          if (++quietTicks < DRAIN_QUIET_TICKS) return
          drained()
        }, DRAIN_CHECK_MS)
      }
      const unwatch = watchChildExits(drainIfGone)
      // The child may have exited before the watch was in place.
      drainIfGone()
      // node-pty reports the exit once the master has been read to its end (or,
      // without the addon, once the drain is done; with it, after node-pty's
      // 200 ms grace), so every earlier chunk has been delivered.
      const exitListener = terminal.onExit(({ exitCode, signal }) => {
        // After the grace (a descendant still holds the terminal), what is still unread is dropped.
        reader?.close()
        coalescer.flush()
        exited = true
        stopDrain()
        unwatch()
        releaseSlave()
        master?.release()
        const signalText = signal !== undefined && signal !== 0 ? signalName(signal) : null
        events.emit({ _tag: "Exited", exitCode: exitCodeOf(exitCode, signalText), signal: signalText })
        events.emit({ _tag: "Closed" })
      })

      // Not Effect.addFinalizer: this needs nothing of its acquisition's context (see ProcessActor).
      yield* Scope.addFinalizer(
        yield* Effect.scope,
        Effect.sync(() => {
          events.close()
          coalescer.dispose()
          stopDrain()
          unwatch()
          if (!exited) killProcessGroup(pid, "SIGKILL")
          releaseSlave()
          master?.release()
          reader?.close()
          dataListener?.dispose()
          exitListener.dispose()
        })
      )

      const writeBytes = (bytes: Uint8Array) => terminal.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      // What a process does not read piles up in node-pty's queue: bounded as a pipe's stdin is.
      const write = (bytes: Uint8Array) =>
        Effect.sync((): StdinStatus => {
          if (exited || reader?.ended() === true) return "stdinClosed"
          if (stdinBacklogFull(ptyBacklog(terminal), bytes.byteLength)) return "backlogFull"
          writeBytes(bytes)
          return "accepted"
        })
      const closeStdin = Effect.sync((): Exclude<StdinStatus, "backlogFull"> => {
        if (exited || reader?.ended() === true) return "stdinClosed"
        writeBytes(EOF_BYTE)
        return "accepted"
      })
      const handle: ChildProcess = {
        pid,
        listen: (sink) => events.listen(sink),
        write,
        closeStdin,
        resize: (size) =>
          Effect.sync(() => {
            if (exited) return
            try {
              terminal.resize(size.cols, size.rows)
            } catch {
              // The child exited between the check and the ioctl.
            }
          }),
        signal: (signal) => signalChild(pid, request.sandbox, signal),
        groupExists: () => processGroupExists(pid),
        // The exit is reported together with `Closed`, at most node-pty's
        // 200 ms (without the addon, DRAIN_AFTER_ASKED_MS more) after the
        // child is gone, whoever still holds the terminal.
        endOutput: Effect.void,
        setPaused
      }
      return handle
    })
})
