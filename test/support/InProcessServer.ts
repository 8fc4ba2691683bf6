/**
 * The server's command, run in this process on src/: the same program as
 * the binary's (`serve` of src/cli/run.ts, its flags read as the command
 * line reads them, the real spawners, sandboxes, file system and sockets),
 * with a host of the test's instead of the process's: stdio is a pair of
 * in-memory streams, stderr and the logs are kept in memory. For the
 * protocol's behaviour, which needs no binary: the tests run the sources as
 * they are, without a build. What only the binary shows (its launcher and
 * snapshot, signals, exit codes of a process, a server killed or out of
 * memory, another environment) stays with StdioServer and
 * startWebSocketServer.
 *
 * A server here shares the test's process: it does not close inherited
 * descriptors or take the process's memory protection, refuses
 * `--exit-on-stdin-close`, and takes `--no-native` (and the no-native
 * project's EXEC_SERVER_NATIVE=0) for the whole process, before anything
 * loads the addon; its children inherit the test's environment.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { PassThrough } from "node:stream"
import { afterEach, vi } from "vitest"
import { commandOf, serve, type ServerHost } from "../../src/cli/run.js"
import { logLines } from "../../src/cli/stderrLog.js"
import { replacingLogger } from "../../src/observability/loggers.js"
import { keptText } from "./keptOutput.js"
import { REFERENCE_COMMAND } from "./reference.js"
import { WireClient } from "./WireClient.js"

/** How a server in process ended: its exit code as the binary's would be (0, 1 on a failure, 2 on a usage error). */
export interface InProcessExit {
  readonly code: number
  readonly signal: null
}

/** A server command running in this process, and what it wrote. */
interface Running {
  readonly stderr: () => string
  readonly exited: Promise<InProcessExit>
  /** Whether it still runs (as a child's `exitCode === null`). */
  readonly running: () => boolean
  /** Interrupts it, as SIGTERM does the binary: its processes are ended (TERM, then KILL after the grace). */
  readonly stop: () => Promise<InProcessExit>
}

/** Runs the server command on `args` with `stdio` as its stdin and stdout. */
const runServer = (args: ReadonlyArray<string>, stdio: ServerHost["stdio"], onStderr?: (text: string) => void): Running => {
  const kept = keptText("the server (in process)")
  const write = (text: string) => {
    kept.append(text)
    onStderr?.(text)
  }
  // One logger per format, as ServerHost asks.
  const loggers = {
    text: Logger.map(logLines.text, (line) => write(`${line}\n`)),
    json: Logger.map(logLines.json, (line) => write(`${line}\n`))
  }
  const host: ServerHost = {
    stderr: write,
    boundUrl: () => {},
    loggerFor: (format) => loggers[format],
    ownsProcess: false,
    stdio
  }
  const usageError = (error: { readonly message: string }) =>
    Effect.sync(() => {
      write(`exec-server: ${error.message}\n`)
      return 2
    })
  const fiber = Effect.runFork(
    // The command line's reading, as the binary's.
    commandOf(["node", "exec-server", ...args], serve({ startup: "in process" }, host)).pipe(
      Effect.as(0),
      Effect.catchTags({ ListenUrlError: usageError, TransportError: usageError }),
      // As the binary's command line: its text lines in place of Effect's default logger, the others kept.
      replacingLogger(Logger.defaultLogger, loggers.text)
    )
  )
  let ended = false
  const exited = new Promise<InProcessExit>((resolve) =>
    fiber.addObserver((exit) => {
      ended = true
      if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) write(`${Cause.pretty(exit.cause)}\n`)
      resolve({ code: Exit.isSuccess(exit) ? exit.value : Cause.hasInterruptsOnly(exit.cause) ? 0 : 1, signal: null })
    })
  )
  return {
    stderr: kept.text,
    exited,
    running: () => !ended,
    stop: () => Effect.runPromise(Fiber.interrupt(fiber)).then(() => exited)
  }
}

/** One stdio connection to a server command of its own, in this process. */
export class InProcessServer extends WireClient {
  private readonly input = new PassThrough()
  private readonly running: Running

  /** `args`: the server's flags (`--listen stdio://` is its default). */
  constructor(args: ReadonlyArray<string> = []) {
    super()
    const output = new PassThrough()
    output.setEncoding("utf8")
    output.on("data", (text: string) => this.receivedText(text))
    this.running = runServer(args, { input: this.input, output })
  }

  /** All it has written to its stderr and logs so far. */
  get stderr(): string {
    return this.running.stderr()
  }

  /** Its end: as the binary's exit, with no signal. */
  get exited(): Promise<InProcessExit> {
    return this.running.exited
  }

  /** Whether it still runs. */
  get isRunning(): boolean {
    return this.running.running()
  }

  sendLine(line: string): void {
    if (!this.input.writableEnded) this.input.write(line + "\n")
  }

  /** Ends its stdin, as a client that goes away does, and waits for the server to end. */
  close(): Promise<InProcessExit> {
    this.input.end()
    return this.running.exited
  }

  /** Stops it at once, as SIGTERM does the binary (its processes are ended), and waits for that. */
  stop(): Promise<InProcessExit> {
    return this.running.stop()
  }
}

/**
 * Sets the server's own environment, as a binary started with `env` would
 * have it: a server in process reads the test's (process.env, at each
 * request), so the test's is set until the test ends. Call it before
 * `useInProcessServers` (or the WebSocket one): vitest runs the later hook
 * first, so the environment is put back after the servers stop.
 */
export const useServerEnvironment = () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })
  return (env: Readonly<Record<string, string>>) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
  }
}

/**
 * Starts in-process stdio servers (after the handshake unless `handshake:
 * false`) that are stopped after each test of the calling file.
 */
export const useInProcessServers = () => {
  let servers: Array<InProcessServer> = []
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.stop()))
    servers = []
  })
  return async (args: ReadonlyArray<string> = [], options: { readonly handshake?: boolean } = {}) => {
    const server = new InProcessServer(args)
    servers.push(server)
    if (options.handshake !== false) await server.handshake()
    return server
  }
}

/**
 * A server command in this process, once it said where it serves: on a
 * WebSocket (`--listen ws://127.0.0.1:0` unless `args` has a --listen), or a
 * NATS executor.
 */
export interface InProcessWebSocketServer {
  readonly url: string
  /** Its line on stderr that said so (`exec-server listening on ws://…`, `exec-server serving nats://…`). */
  readonly banner: string
  /** All it has written to stderr and its logs so far, banner included. */
  readonly stderr: () => string
  readonly exited: Promise<InProcessExit>
  /** Whether it still runs. */
  readonly running: () => boolean
  /** Stops it, as SIGTERM does the binary, and waits for its end. */
  stop(): Promise<InProcessExit>
}

/**
 * Runs the server command on `args` until its stderr shows `banner` (its
 * first group: the address it serves), resolving to it; rejects if the
 * server ends first. Its stdio is never read.
 */
const startAnnounced = (args: ReadonlyArray<string>, banner: RegExp): Promise<InProcessWebSocketServer> =>
  new Promise((resolve, reject) => {
    let running: Running | undefined
    let announced = false
    const onStderr = (text: string) => {
      const match = announced ? null : banner.exec(text)
      if (match === null || running === undefined) return
      announced = true
      const server = running
      resolve({ url: match[1]!, banner: match[0], stderr: server.stderr, exited: server.exited, running: server.running, stop: server.stop })
    }
    running = runServer(args, { input: new PassThrough(), output: new PassThrough() }, onStderr)
    void running.exited.then(({ code }) => {
      if (!announced) reject(new Error(`server ended (${code}) before serving: ${running!.stderr()}`))
    })
  })

/**
 * Starts a server command listening on a WebSocket in this process, which
 * the caller stops (a file's shared server, started before its tests);
 * useInProcessWebSocketServers stops each test's.
 */
export const startInProcessWebSocketServer = (args: ReadonlyArray<string> = []): Promise<InProcessWebSocketServer> =>
  startAnnounced([...(args.includes("--listen") ? [] : ["--listen", "ws://127.0.0.1:0"]), ...args], /exec-server listening on (ws:\/\/\S+)/)

/**
 * Starts a NATS executor in this process (`--connect URL --environment-id
 * ID`, then `args`), which the caller stops: resolved once it serves (its
 * `url` the NATS address it serves at). For its end as a process (SIGKILL),
 * natsExecutor.ts starts the binary.
 */
export const startInProcessExecutor = (url: string, environmentId: string, args: ReadonlyArray<string> = []): Promise<InProcessWebSocketServer> =>
  startAnnounced(["--connect", url, "--environment-id", environmentId, ...args], /exec-server serving (nats:\/\/\S+)/)

/** Starts in-process WebSocket servers that are stopped after each test of the calling file. */
export const useInProcessWebSocketServers = () => {
  let servers: Array<InProcessWebSocketServer> = []
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.stop()))
    servers = []
  })
  return async (args: ReadonlyArray<string> = []) => {
    const server = await startInProcessWebSocketServer(args)
    servers.push(server)
    return server
  }
}

/**
 * The servers a comparison runs its cases on, as `describe.each` takes them
 * (StdioServer's list, with ours in process): ours (`command` undefined) and
 * the reference where it is installed (CI has none).
 */
export const SERVERS_TO_COMPARE: ReadonlyArray<{ readonly name: string; readonly command: ReadonlyArray<string> | undefined }> = [
  { name: "ours", command: undefined },
  ...(REFERENCE_COMMAND === undefined ? [] : [{ name: "reference", command: REFERENCE_COMMAND }])
]

/** Another server speaking the protocol on its stdio, as a child (the reference): `env` over this process's environment. */
export class ChildStdioServer extends WireClient {
  readonly child: ChildProcessWithoutNullStreams
  private readonly kept: ReturnType<typeof keptText>

  constructor(command: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) {
    super()
    this.kept = keptText(command[0]!)
    this.child = spawn(command[0]!, command.slice(1), { stdio: "pipe", env: { ...process.env, ...env } })
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", (text: string) => this.receivedText(text))
    this.child.stderr.setEncoding("utf8")
    this.child.stderr.on("data", (text: string) => this.kept.append(text))
    this.child.stdin.on("error", () => {})
  }

  get stderr(): string {
    return this.kept.text()
  }

  sendLine(line: string): void {
    this.child.stdin.write(line + "\n")
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL")
  }
}

/**
 * For the comparisons: starts ours in process (`command` undefined) or the
 * command as a child (the reference), after the handshake unless
 * `handshake: false`; all are stopped after each test of the calling file.
 * `env`: the child's variables over this process's; ours reads this
 * process's environment when it answers, so they are set here for the rest
 * of the test (`vi.stubEnv`: the last server's win) and put back after it.
 */
export const useServersToCompare = () => {
  const startOurs = useInProcessServers()
  let children: Array<ChildStdioServer> = []
  afterEach(() => {
    for (const child of children) child.kill()
    children = []
    vi.unstubAllEnvs()
  })
  return async (
    args: ReadonlyArray<string> = [],
    options: { readonly command?: ReadonlyArray<string> | undefined; readonly env?: Readonly<Record<string, string>>; readonly handshake?: boolean } = {}
  ): Promise<WireClient> => {
    if (options.command === undefined) {
      for (const [name, value] of Object.entries(options.env ?? {})) vi.stubEnv(name, value)
      return startOurs(args, options)
    }
    const server = new ChildStdioServer([...options.command, ...args], options.env)
    children.push(server)
    if (options.handshake !== false) await server.handshake()
    return server
  }
}
