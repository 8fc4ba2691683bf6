#!/usr/bin/env node
/**
 * The `exec-server` command: parses flags with @effect/cli, logs to stderr
 * (stdout is the wire in stdio mode) and runs the server until its transport
 * ends or SIGINT/SIGTERM arrives; either way every managed process is
 * terminated before exit.
 */
import { Command, Options, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Data, Effect, Exit, Layer, Logger, type Scope } from "effect"
import * as ExecServer from "../server/ExecServer.js"
import * as ServerConfig from "../server/ServerConfig.js"
import * as StdioTransport from "../transport/StdioTransport.js"
import * as WebSocketTransport from "../transport/WebSocketTransport.js"

/** A `--listen` value the server cannot serve. */
class ListenUrlError extends Data.TaggedError("ListenUrlError")<{ readonly message: string }> {}

const listen = Options.text("listen").pipe(
  Options.withDefault("stdio://"),
  Options.withDescription("Transport endpoint: stdio:// (the default) or ws://IP:PORT (port 0 picks a free port)")
)
const maxDetachTtlMs = Options.integer("max-detach-ttl-ms").pipe(
  Options.withDefault(ServerConfig.defaults.maxDetachTtlMs),
  Options.withDescription("Cap of the detachTtlMs a client may ask for in initialize (0 disables detaching), in ms")
)
const maxReadFileBytes = Options.integer("max-read-file-bytes").pipe(
  Options.withDefault(ServerConfig.defaults.maxReadFileBytes),
  Options.withDescription("Largest file fs/readFile returns whole, and the most one ranged read returns, in bytes")
)
const pingIntervalMs = Options.integer("ping-interval-ms").pipe(
  Options.withDefault(30_000),
  Options.withDescription("WebSocket keep-alive ping interval; a peer that misses a ping is disconnected, in ms")
)
const graceMs = Options.integer("grace-ms").pipe(
  Options.withDefault(ServerConfig.defaults.graceMs),
  Options.withDescription("Grace period between SIGTERM and SIGKILL when terminating a process group, in ms")
)
const retainedOutputBytes = Options.integer("retained-output-bytes").pipe(
  Options.withDefault(ServerConfig.defaults.retainedOutputBytes),
  Options.withDescription("Output retained per process for process/read, in bytes (oldest chunks are evicted)")
)
const retentionMs = Options.integer("retention-ms").pipe(
  Options.withDefault(ServerConfig.defaults.retentionMs),
  Options.withDescription("How long a closed process stays readable before its id is freed, in ms")
)
const maxMessageBytes = Options.integer("max-message-bytes").pipe(
  Options.withDefault(ServerConfig.defaults.maxMessageBytes),
  Options.withDescription("Largest accepted JSON-RPC message, in bytes")
)

/**
 * The transport `--listen` names. A WebSocket server announces its real
 * address with one line on stderr, for tools to parse.
 */
const transportOf = (
  url: string,
  pingIntervalMs: number
): Effect.Effect<
  typeof ExecServer.ServerTransport.Service,
  ListenUrlError | ExecServer.TransportError,
  ServerConfig.ServerConfig | Scope.Scope
> => {
  if (url === "stdio://" || url === "stdio") {
    return Effect.provide(ExecServer.ServerTransport, StdioTransport.layer)
  }
  if (url.startsWith("ws://")) {
    const parsed = WebSocketTransport.parseListenUrl(url)
    if (typeof parsed === "string") return Effect.fail(new ListenUrlError({ message: `invalid --listen value: ${parsed}` }))
    return WebSocketTransport.make({ ...parsed, pingIntervalMs }).pipe(
      Effect.tap(({ url }) => Effect.sync(() => process.stderr.write(`exec-server listening on ${url}\n`))),
      Effect.map(({ transport }) => transport)
    )
  }
  return Effect.fail(
    new ListenUrlError({
      message: `unsupported --listen value ${JSON.stringify(url)}: expected stdio:// or ws://IP:PORT`
    })
  )
}

const command = Command.make(
  "exec-server",
  {
    listen,
    graceMs,
    retainedOutputBytes,
    retentionMs,
    maxMessageBytes,
    maxDetachTtlMs,
    maxReadFileBytes,
    pingIntervalMs
  },
  (flags) =>
    Effect.gen(function*() {
      const transport = yield* transportOf(flags.listen, flags.pingIntervalMs)
      yield* Effect.logDebug(`exec-server ${ServerConfig.version} serving ${transport.url}`)
      yield* ExecServer.run.pipe(Effect.provideService(ExecServer.ServerTransport, transport))
    }).pipe(
      Effect.scoped,
      Effect.provide(ExecServer.layerNodeServices),
      Effect.provide(ServerConfig.layer({
        graceMs: flags.graceMs,
        retainedOutputBytes: flags.retainedOutputBytes,
        retentionMs: flags.retentionMs,
        maxMessageBytes: flags.maxMessageBytes,
        maxDetachTtlMs: flags.maxDetachTtlMs,
        maxReadFileBytes: flags.maxReadFileBytes
      }))
    )
).pipe(Command.withDescription("A process supervisor speaking the exec-server JSON-RPC protocol"))

/** Bad flags and unusable addresses: a clear line on stderr and exit code 2. */
const reportUsageError = (error: { readonly message: string }) =>
  Effect.sync(() => {
    process.stderr.write(`exec-server: ${error.message}\n`)
    process.exitCode = 2
  })

const cli = Command.run(command, { name: "exec-server", version: ServerConfig.version })

const stderrLogger = Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))

/**
 * @effect/cli reads its built-in `--log-level` only before the command's own
 * flags; accept it anywhere by moving it to the front.
 */
const withLogLevelFirst = (argv: ReadonlyArray<string>): Array<string> => {
  const [node, script, ...args] = argv
  const logLevel: Array<string> = []
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--log-level" && i + 1 < args.length) logLevel.push(arg, args[++i]!)
    else if (arg.startsWith("--log-level=")) logLevel.push("--log-level", arg.slice("--log-level=".length))
    else rest.push(arg)
  }
  return [node!, script!, ...logLevel, ...rest]
}

cli(withLogLevelFirst(process.argv)).pipe(
  Effect.catchTags({ ListenUrlError: reportUsageError, TransportError: reportUsageError }),
  // The CLI has already printed what was wrong with the arguments.
  Effect.catchIf(ValidationError.isValidationError, () =>
    Effect.sync(() => {
      process.exitCode = 2
    })),
  Effect.provide(Layer.merge(NodeContext.layer, stderrLogger)),
  NodeRuntime.runMain({
    disablePrettyLogger: true,
    // Exit as soon as the server is done: nothing else should keep Node alive.
    teardown: (exit, onExit) => {
      const failed = Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)
      const code = failed ? 1 : Number(process.exitCode ?? 0)
      onExit(code)
      process.exit(code)
    }
  })
)
