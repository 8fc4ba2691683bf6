/**
 * Children started with posix_spawn through our small addon (native/spawn.c)
 * instead of Node's child_process, whose fork() costs CPU in proportion to the
 * server's memory. The child looks like Node's to the pipe spawner: `pid`,
 * the three stdio streams, `exit` and then `close` once the output has ended.
 */
import { EventEmitter } from "node:events"
import * as Net from "node:net"
import { type NativeAddon, nativeAddon } from "../native/addon.js"
import { signalName } from "./signals.js"

/** The addon when it was built and this kernel has pidfds; otherwise Node's child_process is used. */
const addon: NativeAddon | undefined = nativeAddon?.supported() === true ? nativeAddon : undefined

/** Whether children can be started with posix_spawn here. */
export const posixSpawnAvailable: boolean = addon !== undefined

/**
 * One read buffer for the output of every child: each read is handed to
 * `onOutput` within the read's own callback, before the next read anywhere
 * (the loop reads one stream at a time), so nothing is allocated per read
 * and a live process holds no buffer while it is quiet. A consumer that
 * keeps the bytes copies them (see `ChildEvent`).
 */
const READ_BUFFER_BYTES = 64 * 1024
let sharedReadBuffer: Buffer | undefined

/** What the pipe spawner asks of a child. */
export interface SpawnOptions {
  readonly file: string
  /** argv[0] included. */
  readonly argv: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  readonly pipeStdin: boolean
  /** Each read of stdout or stderr, valid only during the call. */
  readonly onOutput: (stream: "stdout" | "stderr", bytes: Buffer) => void
}

/**
 * A child started with posix_spawn: the events and streams of Node's
 * ChildProcess that we use. Its output comes through `onOutput`, not as
 * `data` events; `pause()` and `resume()` of stdout and stderr still stop
 * and restart reading.
 */
export interface PosixChild extends EventEmitter {
  readonly pid: number
  readonly stdin: Net.Socket | null
  readonly stdout: Net.Socket
  readonly stderr: Net.Socket
}

/**
 * Starts a child in a session of its own with stdout and stderr as pipes and
 * stdin a pipe or /dev/null. Throws like Node's spawn (an Error with `code`).
 */
export const spawn = (options: SpawnOptions): PosixChild => {
  if (addon === undefined) throw new Error("posix_spawn is not available")
  const env: Array<string> = []
  for (const name in options.env) env.push(`${name}=${options.env[name]}`)
  const child = new EventEmitter() as EventEmitter & {
    pid: number
    stdin: Net.Socket | null
    stdout: Net.Socket
    stderr: Net.Socket
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
    }
  )
  const buffer = (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES))
  const output = (fd: number, name: "stdout" | "stderr") => {
    // The constructor takes `onread` as net.connect() does; @types/node 20 lists it for connect only.
    const socketOptions: Net.SocketConstructorOpts & { readonly onread: Net.OnReadOpts } = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer,
        callback: (bytesRead, readInto) => {
          options.onOutput(name, Buffer.from(readInto.buffer, readInto.byteOffset, bytesRead))
          // Flow control pauses through the stream's pause(), not through this answer.
          return true
        }
      }
    }
    const stream = new Net.Socket(socketOptions)
    stream.once("close", () => {
      openStreams--
      closeWhenDone()
    })
    return stream
  }
  child.pid = pid
  child.stdout = output(stdoutFd, "stdout")
  child.stderr = output(stderrFd, "stderr")
  child.stdin = stdinFd < 0 ? null : new Net.Socket({ fd: stdinFd, readable: false, writable: true })
  return child
}
