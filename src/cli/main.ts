#!/usr/bin/env node
/**
 * The `exec-server` command: parses flags with @effect/cli, logs to stderr
 * (stdout is the wire in stdio mode) and runs the server until its transport
 * ends or SIGINT/SIGTERM arrives; either way every managed process is
 * terminated before exit.
 */
import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer, Logger } from "effect"
import * as ExecServer from "../server/ExecServer.js"
import * as ServerConfig from "../server/ServerConfig.js"
import * as StdioTransport from "../transport/StdioTransport.js"

/** A `--listen` value the server cannot serve. */
class ListenUrlError extends Error {
  readonly _tag = "ListenUrlError"
}

const listen = Options.text("listen").pipe(
  Options.withDefault("stdio://"),
  Options.withDescription("Transport endpoint: stdio:// (the default)")
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

const transportLayer = (url: string): Effect.Effect<Layer.Layer<ExecServer.ServerTransport, never, ServerConfig.ServerConfig>, ListenUrlError> =>
  url === "stdio://" || url === "stdio"
    ? Effect.succeed(StdioTransport.layer)
    : Effect.fail(new ListenUrlError(`unsupported --listen value ${JSON.stringify(url)}: expected stdio://`))

const command = Command.make(
  "exec-server",
  { listen, graceMs, retainedOutputBytes, retentionMs, maxMessageBytes },
  (flags) =>
    Effect.gen(function*() {
      const transport = yield* transportLayer(flags.listen)
      const config = ServerConfig.layer({
        graceMs: flags.graceMs,
        retainedOutputBytes: flags.retainedOutputBytes,
        retentionMs: flags.retentionMs,
        maxMessageBytes: flags.maxMessageBytes
      })
      yield* Effect.logDebug(`exec-server ${ServerConfig.version} serving ${flags.listen}`)
      yield* ExecServer.run.pipe(
        Effect.provide(Layer.mergeAll(transport, ExecServer.layerNodeServices).pipe(Layer.provideMerge(config)))
      )
    })
).pipe(Command.withDescription("A process supervisor speaking the exec-server JSON-RPC protocol"))

const cli = Command.run(command, { name: "exec-server", version: ServerConfig.version })

const stderrLogger = Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))

cli(process.argv).pipe(
  Effect.catchTag("ListenUrlError", (error) =>
    Effect.zipRight(
      Effect.logError(error.message),
      Effect.sync(() => {
        process.exitCode = 2
      })
    )),
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
