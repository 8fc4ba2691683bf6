/**
 * The command-line client: `exec`, `attach`, `ps` and `kill` against a
 * server (WebSocket, or a stdio server it starts), as `kubectl exec` and
 * `docker attach` work. Built on the typed client; the local terminal is
 * raw only while a TTY process is attached, and restored on every way out.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import type { ClientError, ConnectError, InitializeTimeout } from "../client/ClientError.js"
import * as ExecServerClient from "../client/ExecServerClient.js"
import type { SignalName } from "../protocol/schema.js"

/** Ctrl-P Ctrl-Q: leaves an attached process running, as `docker attach`. */
const DETACH_KEYS = Buffer.from([0x10, 0x11])

const url = Args.text({ name: "url" }).pipe(
  Args.withDescription("ws://HOST:PORT of a server, or \"stdio\" to start one as a child")
)
const tokenFile = Options.file("token-file").pipe(
  Options.withDescription("File holding the bearer token the server wants (a capability token or a JWT; whitespace trimmed)"),
  Options.optional
)
const sessionOption = Options.text("session").pipe(Options.withDescription("A detached session to take over"), Options.optional)

interface Connection {
  readonly url: string
  readonly tokenFile: Option.Option<string>
  readonly session?: Option.Option<string>
}

/** How long a session this client takes over stays detached after it lets go. */
const DETACH_TTL_MS = 300_000

/** The client of the server at `url`. */
const clientLayer = (connection: Connection): Layer.Layer<ExecServerClient.ExecServerClient, ClientError | ConnectError | InitializeTimeout> => {
  const resumeSessionId = Option.getOrUndefined(connection.session ?? Option.none())
  const options = {
    clientName: "exec-server-cli",
    ...(resumeSessionId === undefined ? {} : { resumeSessionId, detachTtlMs: DETACH_TTL_MS, reconnect: false as const })
  }
  if (connection.url === "stdio") return ExecServerClient.layerSpawnLocal({ ...options, stderr: "inherit" })
  // Read at each connect, and a file that cannot be read is a reported failure.
  const tokenFile = Option.getOrUndefined(connection.tokenFile)
  return ExecServerClient.layerWebSocket({ url: connection.url, ...(tokenFile === undefined ? {} : { tokenFile }), ...options })
}

/** The local terminal in raw mode for the scope (keystrokes go through as they are), restored after. */
const rawTerminal = Effect.acquireRelease(
  Effect.sync(() => {
    if (process.stdin.isTTY) process.stdin.setRawMode(true)
  }),
  () =>
    Effect.sync(() => {
      if (process.stdin.isTTY) process.stdin.setRawMode(false)
    })
)

const terminalSize = () => ({ rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80 })

/**
 * Runs a process's I/O against the local terminal until it closes: its
 * output to stdout (stderr apart, for pipes), local input to it (in order;
 * the end of input closes its stdin), window size changes as resizes. With
 * `detachKeys` the sequence leaves it running. The exit code to leave with.
 */
const attachTo = (
  handle: ExecServerClient.ProcessHandle,
  options: { readonly tty: boolean; readonly detachKeys: boolean }
): Effect.Effect<number, ClientError, never> =>
  Effect.scoped(Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const runFork = Runtime.runFork(runtime)
    if (options.tty) {
      yield* rawTerminal
      const onResize = () => void runFork(Effect.ignore(handle.resize(terminalSize())))
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on("SIGWINCH", onResize)),
        () => Effect.sync(() => process.off("SIGWINCH", onResize))
      )
    }
    let detached = false
    // A chunk that ends in the first key of the sequence is held back until
    // the next one says whether the second follows (keys may come one by one).
    let held: Buffer | undefined
    const watchForDetach = (chunk: Buffer): Array<Buffer> => {
      if (!options.detachKeys) return [chunk]
      const data = held === undefined ? chunk : Buffer.concat([held, chunk])
      held = undefined
      if (data.includes(DETACH_KEYS)) {
        detached = true
        return [data.subarray(0, data.indexOf(DETACH_KEYS))]
      }
      if (data[data.length - 1] === DETACH_KEYS[0]) {
        held = data.subarray(data.length - 1)
        return [data.subarray(0, data.length - 1)]
      }
      return [data]
    }
    const input = Stream.fromAsyncIterable(process.stdin as AsyncIterable<Buffer>, (error) => error).pipe(
      Stream.mapConcat(watchForDetach),
      // The keys before the sequence still go; nothing after it.
      Stream.takeUntil(() => detached),
      Stream.filter((chunk) => chunk.length > 0),
      Stream.runForEach((chunk) => Effect.ignore(handle.write(chunk))),
      // The end of local input is the end of the process's (but when leaving it attached).
      Effect.zipRight(Effect.suspend(() => detached ? Effect.void : Effect.ignore(handle.closeStdin))),
      Effect.ignore
    )
    const inputFiber = yield* Effect.forkScoped(input)
    // Runs before the input fiber is interrupted (finalizers run last first):
    // ending local input lets a read in progress return, so the fiber can stop.
    yield* Effect.addFinalizer(() => Effect.sync(() => process.stdin.destroy()))
    const output = handle.events.pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => {
          if (event._tag === "Output") (event.stream === "stderr" ? process.stderr : process.stdout).write(event.bytes)
          if (event._tag === "Gap") process.stderr.write(`\r\n[exec-server: output ${event.fromSeq}..${event.seq} was no longer retained]\r\n`)
        })
      )
    )
    if (options.detachKeys) {
      // Whichever comes first: the process closing, or the local side leaving.
      const left = yield* Effect.raceFirst(
        Effect.as(output, false),
        Effect.zipRight(Effect.fromFiber(inputFiber), Effect.suspend(() => detached ? Effect.succeed(true) : Effect.never))
      )
      if (left) {
        process.stderr.write("\r\n[exec-server: detached; the process goes on]\r\n")
        return 0
      }
    } else {
      yield* output
    }
    return (yield* handle.exited).exitCode
  }))

/** Reports a client failure on stderr and exits 1, as a remote command that could not run. */
const reportFailure = (error: { readonly _tag: string; readonly message: string }) =>
  Effect.sync(() => {
    process.stderr.write(`exec-server: ${error._tag}: ${error.message}\n`)
    process.exitCode = 1
  })

const execCommand = Command.make(
  "exec",
  {
    url,
    tokenFile,
    tty: Options.boolean("tty").pipe(
      Options.withDescription("Run in a terminal, the local one raw (the default when stdin is a terminal)")
    ),
    noTty: Options.boolean("no-tty").pipe(Options.withDescription("Run with pipes, stdout and stderr apart, even from a terminal")),
    cwd: Options.text("cwd").pipe(Options.withDescription("Working directory (default: the server's)"), Options.optional),
    env: Options.keyValueMap("env").pipe(Options.withDescription("K=V set over the server's environment"), Options.optional),
    argv: Args.text({ name: "command" }).pipe(Args.atLeast(1))
  },
  (flags) =>
    Effect.gen(function*() {
      const client = yield* ExecServerClient.ExecServerClient
      const tty = flags.tty || !flags.noTty && process.stdin.isTTY === true
      const handle = yield* client.start({
        argv: flags.argv,
        tty,
        pipeStdin: !tty,
        ...(tty ? { size: terminalSize() } : {}),
        ...Option.match(flags.cwd, { onNone: () => ({}), onSome: (cwd) => ({ cwd }) }),
        ...Option.match(flags.env, {
          onNone: () => ({}),
          onSome: (set) => ({ envPolicy: { set: Object.fromEntries(set) } })
        })
      })
      process.exitCode = yield* attachTo(handle, { tty, detachKeys: false })
    }).pipe(Effect.scoped, Effect.provide(clientLayer(flags)), Effect.catchAll(reportFailure))
).pipe(Command.withDescription("Run a command on a server, like kubectl exec; exits with its exit code"))

const attachCommand = Command.make(
  "attach",
  {
    url,
    tokenFile,
    session: Options.text("session").pipe(Options.withDescription("The detached session the process belongs to")),
    processId: Options.text("process").pipe(Options.withDescription("The process to attach to"))
  },
  (flags) =>
    Effect.gen(function*() {
      const client = yield* ExecServerClient.ExecServerClient
      const info = (yield* client.list).find((entry) => entry.processId === flags.processId)
      const handle = client.process(flags.processId)
      process.stderr.write("[exec-server: attached; Ctrl-P Ctrl-Q detaches]\r\n")
      process.exitCode = yield* attachTo(handle, { tty: info?.tty === true && process.stdin.isTTY === true, detachKeys: true })
    }).pipe(
      Effect.provide(clientLayer({ ...flags, session: Option.some(flags.session) })),
      Effect.catchAll(reportFailure)
    )
).pipe(Command.withDescription("Attach to a process of a detached session: its retained output, then live; Ctrl-P Ctrl-Q detaches"))

const psCommand = Command.make(
  "ps",
  { url, tokenFile, session: sessionOption },
  (flags) =>
    Effect.gen(function*() {
      const client = yield* ExecServerClient.ExecServerClient
      const processes = yield* client.list
      const rows = [
        ["PROCESS", "PID", "STATUS", "TTY", "COMMAND"],
        ...processes.map((entry) => [
          entry.processId,
          String(entry.pid),
          entry.running ? "running" : `exited ${entry.exitCode}`,
          entry.tty ? "yes" : "no",
          entry.argv.join(" ")
        ])
      ]
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
      for (const row of rows) {
        process.stdout.write(row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column]!)).join("  ") + "\n")
      }
      if (Option.isNone(flags.session)) process.stderr.write(`(session ${client.sessionId}; give --session ID to list a detached one)\n`)
    }).pipe(Effect.provide(clientLayer(flags)), Effect.catchAll(reportFailure))
).pipe(Command.withDescription("List the processes of a session"))

const killCommand = Command.make(
  "kill",
  {
    url,
    tokenFile,
    session: sessionOption,
    signal: Options.text("signal").pipe(Options.withDescription("A signal name such as SIGINT (default: terminate, SIGTERM then SIGKILL)"), Options.optional),
    processId: Args.text({ name: "process" })
  },
  (flags) =>
    Effect.gen(function*() {
      const client = yield* ExecServerClient.ExecServerClient
      const handle = client.process(flags.processId)
      const delivered = yield* Option.match(flags.signal, {
        onNone: () => handle.terminate(),
        onSome: (signal) => handle.signal(signal as SignalName)
      })
      if (!delivered) {
        process.stderr.write(`exec-server: ${flags.processId} is not running\n`)
        process.exitCode = 1
      }
    }).pipe(Effect.provide(clientLayer(flags)), Effect.catchAll(reportFailure))
).pipe(Command.withDescription("Terminate a process, or send it a signal"))

/** The client subcommands of the binary. */
export const clientCommands = [execCommand, attachCommand, psCommand, killCommand] as const
