/**
 * Children started with posix_spawn through our small addon (native/spawn.c)
 * instead of Node's child_process, whose fork() costs CPU in proportion to the
 * server's memory. To the pipe spawner the child looks much like Node's:
 * `pid`, stdin as a socket, `exit` and then `close` once the output has
 * ended; stdout and stderr are read by the addon (native/output.c).
 */
import { EventEmitter } from "node:events"
import { closeSync } from "node:fs"
import * as Net from "node:net"
import { nativeSpawner, type OutputWatch } from "../native/addon.js"
import { killProcessGroup, signalName } from "./signals.js"

/**
 * Whether children can be started with posix_spawn here: the addon is built
 * and not switched off, and this kernel has pidfds; otherwise Node's
 * child_process is used.
 */
export const posixSpawnAvailable = (): boolean => nativeSpawner() !== undefined

/**
 * One read buffer for the output of every child: each read is handed to
 * `onOutput` within the read's own callback, before the next read anywhere
 * (the loop reads one stream at a time), so nothing is allocated per read
 * and a live process holds no buffer while it is quiet. A consumer that
 * keeps the bytes copies them (see `ChildEvent`).
 */
const READ_BUFFER_BYTES = 64 * 1024
let sharedReadBuffer: Buffer | undefined

/** The `syscall` of the error `spawn` throws when the child could not join one of its cgroups. */
export const JOIN_SYSCALL = "cgroup join"

/** Whether `error` says the child could not join one of its cgroups (nothing ran). */
export const isJoinFailure = (error: unknown): error is Error & { readonly path: string } =>
  error instanceof Error && "syscall" in error && error.syscall === JOIN_SYSCALL && "path" in error

/** What the pipe spawner asks of a child. */
export interface SpawnOptions {
  readonly file: string
  /** argv[0] included. */
  readonly argv: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  readonly pipeStdin: boolean
  /**
   * cgroup.procs files the child writes itself into between its setup and
   * its execve: in its groups before the command runs, with no launcher.
   */
  readonly joinCgroups?: ReadonlyArray<string> | undefined
  /** Each read of stdout or stderr, valid only during the call. */
  readonly onOutput: (stream: "stdout" | "stderr", bytes: Buffer) => void
}

/**
 * A child started with posix_spawn: the events of Node's ChildProcess that
 * we use (`exit`, then `close` once stdout and stderr have ended) and its
 * stdin. Its output comes through `onOutput`, read by the addon (no stream
 * objects: see native/output.c).
 */
export interface PosixChild extends EventEmitter {
  readonly pid: number
  readonly stdin: Net.Socket | null
  /** Stops reading stdout and stderr (the child blocks once their pipes are full). */
  readonly pauseOutput: () => void
  readonly resumeOutput: () => void
  /** Closes stdout and stderr now (a descendant holding them gets EPIPE); `close` follows. */
  readonly destroyOutput: () => void
}

/**
 * Starts a child in a session of its own with stdout and stderr as pipes and
 * stdin a pipe or /dev/null. Throws like Node's spawn (an Error with `code`);
 * a cgroup it could not join throws with `syscall` `JOIN_SYSCALL` and the
 * file as `path` (nothing ran).
 */
export const spawn = (options: SpawnOptions): PosixChild => {
  const addon = nativeSpawner()
  if (addon === undefined) throw new Error("posix_spawn is not available")
  const env: Array<string> = []
  for (const name in options.env) env.push(`${name}=${options.env[name]}`)
  const child = new EventEmitter() as EventEmitter & {
    pid: number
    stdin: Net.Socket | null
    pauseOutput: () => void
    resumeOutput: () => void
    destroyOutput: () => void
  }
  let exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined
  let openStreams = 2
  const closeWhenDone = () => {
    if (exit !== undefined && openStreams === 0) child.emit("close", exit.code, exit.signal)
  }
  const [pid, stdinFd, stdoutFd, stderrFd] = addon.spawn(
    options.file,
    options.argv,
    env,
    options.cwd,
    options.pipeStdin,
    (code, signal) => {
      // -1: the status was lost (something else reaped the child); it is not reported as a success.
      exit = signal !== 0 ? { code: null, signal: signalName(signal) as NodeJS.Signals } : { code, signal: null }
      child.emit("exit", exit.code, exit.signal)
      closeWhenDone()
    },
    ...(options.joinCgroups === undefined || options.joinCgroups.length === 0 ? [] : [options.joinCgroups])
  )
  const buffer = (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES))
  let watch: OutputWatch
  try {
    watch = addon.watchOutput(stdoutFd, stderrFd, buffer, (stream, bytesRead) => {
      if (bytesRead > 0) {
        options.onOutput(stream === 1 ? "stdout" : "stderr", buffer.subarray(0, bytesRead))
        return
      }
      openStreams--
      closeWhenDone()
    })
  } catch (error) {
    // Not a child we can read: it does not run on (the addon closed both descriptors).
    killProcessGroup(pid, "SIGKILL")
    if (stdinFd >= 0) closeSync(stdinFd)
    throw error
  }
  let destroyed = false
  child.pid = pid
  child.pauseOutput = () => addon.pauseOutput(watch)
  child.resumeOutput = () => addon.resumeOutput(watch)
  child.destroyOutput = () => {
    if (destroyed || openStreams === 0) return
    destroyed = true
    addon.closeOutput(watch)
    openStreams = 0
    // A tick later, as a destroyed stream's `close`: never within the caller's own turn.
    process.nextTick(closeWhenDone)
  }
  child.stdin = stdinFd < 0 ? null : new Net.Socket({ fd: stdinFd, readable: false, writable: true })
  return child
}
