/** Runs the built binary as a WebSocket server and connects raw clients to it. */
import { type ChildProcess, spawn } from "node:child_process"
import { afterEach } from "vitest"
import { keepStderr, serverArgs } from "./StdioServer.js"

export { httpRequest, type HttpAnswer, RawWebSocketClient, unmaskedFrames, upgradeStatus } from "./WebSocketClient.js"

/** A server started with `--listen ws://127.0.0.1:0`, once its banner named the port. */
export interface RunningWebSocketServer {
  readonly child: ChildProcess
  readonly url: string
  readonly banner: string
  /** All it has written to stderr so far, banner included. */
  readonly stderr: () => string
  readonly exited: Promise<number | null>
  stop(): void
}

/** How to start a server: its stdin (default: none, /dev/null) and environment variables over this process's. */
export interface StartOptions {
  readonly stdin?: "ignore" | "pipe"
  readonly env?: Readonly<Record<string, string>>
  /** Runs the server under this open-file limit (RLIMIT_NOFILE, soft and hard), as `ulimit -n` does. */
  readonly openFileLimit?: number
  /** A command that execs the server (its argv after these words), such as `setpriv` to run it as another user. */
  readonly through?: ReadonlyArray<string>
  /** The binary's launcher (`dist/cli/exec-server`) to start, with the Node that PATH finds, instead of this Node with `main.js`. */
  readonly launcher?: string
  /** The server's program and the words before its flags, instead of this Node with `serverArgs` (a copy of the build, say). */
  readonly server?: ReadonlyArray<string>
}

export const startWebSocketServer = (args: ReadonlyArray<string> = [], options: StartOptions = {}): Promise<RunningWebSocketServer> =>
  new Promise((resolve, reject) => {
    const listen = args.includes("--listen") ? [] : ["--listen", "ws://127.0.0.1:0"]
    const server = options.launcher !== undefined
      ? [options.launcher, ...listen, ...args]
      : options.server !== undefined
      ? [...options.server, ...listen, ...args]
      : [process.execPath, ...serverArgs(...listen, ...args)]
    const command = [...(options.through ?? []), ...server]
    // `exec`: the child is the server itself, as without the limit.
    const [file, ...argv] = options.openFileLimit === undefined
      ? command
      : ["/bin/sh", "-c", `ulimit -n ${options.openFileLimit} && exec "$0" "$@"`, ...command]
    const child = spawn(file!, argv, {
      stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
      ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } })
    })
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
    const stderr = keepStderr("the server", child.stderr!)
    child.stderr!.on("data", () => {
      const match = /listening on (ws:\/\/\S+)/.exec(stderr())
      if (match !== null) {
        resolve({
          child,
          url: match[1]!,
          banner: stderr().split("\n")[0]!,
          stderr,
          exited,
          stop: () => {
            if (child.exitCode === null) child.kill("SIGKILL")
          }
        })
      }
    })
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${stderr()}`)))
  })

/**
 * The URL a server (or gateway) started with `--listen ws://127.0.0.1:0`
 * prints as one stdout line, for when its stderr cannot be read.
 */
export const boundUrlOnStdout = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let stdout = ""
    child.stdout!.on("data", (data: Buffer) => {
      stdout += data.toString()
      const match = /ws:\/\/127\.0\.0\.1:\d+/.exec(stdout)
      if (match !== null) resolve(match[0])
    })
    child.once("exit", (code) => reject(new Error(`exited (${code}) before listening`)))
  })

/** Starts WebSocket servers that are killed after each test of the calling file. */
export const useWebSocketServers = () => {
  let running: Array<RunningWebSocketServer> = []
  afterEach(() => {
    for (const server of running) server.stop()
    running = []
  })
  return async (args: ReadonlyArray<string> = [], options: StartOptions = {}) => {
    const server = await startWebSocketServer(args, options)
    running.push(server)
    return server
  }
}
