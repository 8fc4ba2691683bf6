/**
 * The `exec-server` command: the server on its flags (parsed by
 * `commandLine.ts`), logging to stderr (stdout is the wire in stdio mode),
 * until its transport ends or SIGINT/SIGTERM arrives; then every managed
 * process is terminated before exit. Loaded by `main.ts`, or held
 * evaluated in the startup snapshot (`startupSnapshot.ts`).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Record from "effect/Record"
import * as Stream from "effect/Stream"
import type * as Scope from "effect/Scope"
import type { Readable, Writable } from "node:stream"
import { NATIVE_ENV, nativeSwitchOf, nativeUse, turnOffNativeAddon } from "../native/addon.js"
import { releaseWhenQuiet } from "../native/memoryRelease.js"
import * as NodeResourceLimits from "../limits/NodeResourceLimits.js"
import { startupDone } from "../native/oversizedMemory.js"
import { serverOwnsProcess } from "../native/inheritedDescriptors.js"
import { protectMemory } from "../native/protectMemory.js"
import { makeLogBudget } from "../observability/logBudget.js"
import * as Metrics from "../observability/metrics.js"
import { metricsOnDemand } from "../observability/metricsOnDemand.js"
import * as Sandbox from "../sandbox/Sandbox.js"
import * as ExecServer from "../server/ExecServer.js"
import * as Handover from "./handover.js"
import type * as Net from "node:net"
import { tracesUrlOf } from "../observability/tracesUrl.js"
import { runToExit } from "./runToExit.js"
import { forgetLauncherTunables } from "./launcherTunables.js"
import { stderrLoggerFor, withLogFormat, writeStderr } from "./stderrLog.js"
import * as ServerConfig from "../server/ServerConfig.js"
import * as ServerFlags from "./commandFlags.js"
import * as WebSocketListen from "./webSocketListen.js"
import { ListenUrlError } from "./webSocketListen.js"
import { operatorLimitsOfFlags, operatorPolicyOf } from "./operatorSettings.js"
import * as NatsFlags from "./natsFlagValues.js"
import type { NatsServerOptions } from "../remote/NatsServerTransport.js"
import type { ValuesOf } from "./flagOptions.js"
import { referenceSettingsOf, switchOrEnv } from "./referenceFlags.js"
import { plainValuesOf } from "./flagValues.js"
import * as Transport from "../jsonrpc/Transport.js"
import * as StdioTransport from "../listeners/StdioTransport.js"
import type { ListenerHandover } from "../listeners/webSocketOptions.js"
import { ConsoleAuth } from "../console/ConsoleAuth.js"
import * as ConsoleKey from "../console/consoleKey.js"
import { keptProcessesOf, leavingOnExit } from "./keptProcesses.js"
import { CONSOLE_PATH, consolePageUrl, WebConsole } from "../console/WebConsole.js"


/**
 * What the server writes outside its wire, and what of the process it may
 * take: the binary's own (`processHost`), or a test's or an application's
 * that runs a server in a process it shares (`ServerHost` of its own).
 */
export interface ServerHost {
  /** Lines for people and tools (the `listening on` banner): the process's stderr. */
  readonly stderr: (text: string) => void
  /** The bound address alone, for a script's `$(...)`: a line on the process's stdout. */
  readonly boundUrl: (url: string) => void
  /** The logger for `--log-format`: the same one for the same format (the text one is what the command line logs with). */
  readonly loggerFor: (format: "text" | "json") => Logger.Logger<unknown, unknown>
  /**
   * Whether the server owns the process: it then closes the descriptors it
   * inherited, keeps its memory from other processes of its uid and may
   * read its stdin (`--exit-on-stdin-close`). A server sharing its process
   * does neither, and refuses that flag; `--no-native` (or
   * `EXEC_SERVER_NATIVE=0`) applies to its whole process, so it takes it
   * only before anything there loaded the addon.
   */
  readonly ownsProcess: boolean
  /** What `--listen stdio://` reads and writes: the process's stdin and stdout. */
  readonly stdio: { readonly input: Readable; readonly output: Writable }
}

/** The binary's: its stderr (gathered), stdout, and the whole process. */
export const processHost: ServerHost = {
  stderr: writeStderr,
  boundUrl: WebSocketListen.printBoundUrl,
  loggerFor: stderrLoggerFor,
  ownsProcess: true,
  get stdio() {
    return { input: process.stdin, output: process.stdout }
  }
}

/** The server command's options, from the flags' declarations. */

/**
 * The listener `--listen` names. A WebSocket server announces its real
 * address with one line on stderr, for tools to parse.
 */
const listenerOf = (
  host: ServerHost,
  url: string,
  flags: WebSocketListen.WebSocketFlags,
  auth: WebSocketListen.WebSocketAuth,
  webConsole: typeof WebConsole.Service | undefined,
  consoleKeyPlace: ConsoleKey.ConsoleKeyPlace | undefined,
  listening: Net.Server | undefined
): Effect.Effect<
  {
    readonly listener: typeof Transport.ServerTransport.Service
    /** The web console's connections, with `--console`. */
    readonly consoleConnections?: Stream.Stream<Transport.FrameTransport> | undefined
    /** A WebSocket listener's handover to a server that replaces this one. */
    readonly handOver?: ListenerHandover | undefined
  },
  ListenUrlError | Transport.TransportError,
  ServerConfig.ServerConfig | Sandbox.Sandbox | Scope.Scope
> => {
  if (isStdio(url)) {
    // Someone typing at the server sees why nothing happens.
    if (host.ownsProcess && process.stdin.isTTY === true) {
      host.stderr(
        "exec-server: waiting for JSON-RPC on stdin, one message per line (see docs/PROTOCOL.md); Ctrl-D ends it. " +
          "For a WebSocket server instead (what `codex exec-server` serves by default): --listen ws://127.0.0.1:0\n"
      )
    }
    return Effect.map(StdioTransport.make({ maxMessageBytes: flags.maxMessageBytes }, host.stdio), (listener) => ({ listener }))
  }
  if (url.startsWith("ws://")) {
    return WebSocketListen.optionsOf(url, flags, auth).pipe(
      // Loaded on demand: a stdio server never needs `ws` or Node's HTTP stack, and the exporter waits for a scrape.
      Effect.zip(Effect.promise(() => import("../listeners/WebSocketTransport.js"))),
      Effect.zip(metricsOnDemand({ name: "effect-exec-server", version: ServerConfig.version })),
      Effect.zip(Effect.context<never>()),
      // The console's HTTP side, with the transport: only with --console.
      Effect.zip(webConsole === undefined ? Effect.succeed(undefined) : Effect.promise(() => import("../console/ConsoleHttp.js"))),
      Effect.flatMap(([[[[listenOptions, WebSocketTransport], metrics], context], ConsoleHttp]) => {
        const refusedLogins = makeLogBudget()
        return WebSocketTransport.make({
          ...listenOptions,
          listening,
          metrics,
          mount: webConsole === undefined || ConsoleHttp === undefined
            ? undefined
            : ConsoleHttp.makeConsoleMount(webConsole.auth, {
              allowOrigins: listenOptions.allowOrigins,
              audit: (event, peer) => {
                // A refused login costs its sender nothing: bounded as the listener's refusals are.
                const heldBack = event === "console login refused" ? refusedLogins.take(peer) : {}
                if (heldBack === undefined) return
                Effect.runForkWith(context)(Effect.logInfo(event).pipe(Effect.annotateLogs({ peer, ...heldBack })))
              }
            })
        })
      }),
      // The console key is in its file before the listener is announced: console-url may run as soon as it is.
      Effect.tap(({ url }) =>
        webConsole === undefined || consoleKeyPlace === undefined
          ? Effect.void
          : publishConsoleKey(consoleKeyPlace, url, webConsole.auth.operatorKey)
      ),
      Effect.tap(({ url }) =>
        Effect.sync(() => {
          host.stderr(`exec-server listening on ${url}\n`)
          host.boundUrl(url)
          // The page's address and how to get in; never a credential (logs are read by others).
          if (webConsole !== undefined) {
            host.stderr(`exec-server console on ${consolePageUrl(url, `${CONSOLE_PATH}/`)} (log in with: exec-server console-url ${url})\n`)
          }
        })
      ),
      Effect.map(({ handOver, mounted, transport }) => ({
        listener: transport,
        consoleConnections: webConsole === undefined ? undefined : mounted,
        handOver
      }))
    )
  }
  return Effect.fail(
    new ListenUrlError({
      message: `unsupported --listen value ${JSON.stringify(url)}: expected stdio:// or ws://IP:PORT`
    })
  )
}

/** What executor mode needs, from the flags. */
type ExecutorFlags = ValuesOf<typeof ServerFlags.executorFlags> & { readonly maxMessageBytes: number }

/**
 * Executor mode's options (undefined without `--connect`), with the NATS
 * flags checked. `--environment-id` and `--name` alone are `codex
 * exec-server`'s flags too, which it takes without `--remote` and serves
 * as if they were absent: so do we, saying so on stderr (scripts written
 * for it pass them); our `--nats-*` flags still need `--connect`.
 */
const executorOf = (host: ServerHost, flags: ExecutorFlags): Effect.Effect<NatsServerOptions | undefined, ListenUrlError> => {
  const fail = (message: string) => Effect.fail(new ListenUrlError({ message }))
  if (Option.isNone(flags.connect)) {
    if (NatsFlags.hasNatsFlags(flags)) return fail("the --nats-* flags need --connect nats://HOST:PORT")
    const unused = [...(Option.isSome(flags.environmentId) ? ["--environment-id"] : []), ...(Option.isSome(flags.name) ? ["--name"] : [])]
    return unused.length === 0 ? Effect.succeed(undefined) : Effect.sync(() => {
      host.stderr(`exec-server: ${unused.join(" and ")} name an executor's NATS environment and do nothing without --connect nats://HOST:PORT\n`)
      return undefined
    })
  }
  if (Option.isNone(flags.environmentId)) return fail("--connect needs --environment-id ID")
  const environmentId = flags.environmentId.value
  const servers = NatsFlags.serversOf(flags.connect.value)
  if (typeof servers === "string") return fail(servers)
  const auth = NatsFlags.natsAuthOf(flags)
  if (typeof auth === "string") return fail(auth)
  return Effect.succeed({
    servers,
    environmentId,
    name: Option.getOrElse(flags.name, () => `exec-server ${environmentId}`),
    ...auth,
    maxMessageBytes: flags.maxMessageBytes,
    serverVersion: ServerConfig.version
  })
}

/** The executor's listener (a NATS stream per connection); one stderr line says it serves, for tools to parse. */
const natsListenerOf = (host: ServerHost, options: NatsServerOptions) =>
  Effect.flatMap(Effect.promise(() => import("../remote/NatsServerTransport.js")), (NatsServerTransport) =>
    NatsServerTransport.make(options).pipe(
      Effect.tap((listener) => Effect.sync(() => host.stderr(`exec-server serving ${listener.url}\n`)))
    ))

/** The environment variable of `--exit-on-stdin-close`, as `codex exec-server` names it. */
const EXIT_ON_STDIN_CLOSE_ENV = ServerFlags.serverFlags.exitOnStdinClose.env.name

/** Whether to stop when stdin ends: the flag, or else its environment variable. */
const exitOnStdinCloseOf = (flag: boolean): Effect.Effect<boolean, ListenUrlError> => switchOrEnv(flag, EXIT_ON_STDIN_CLOSE_ENV)

/**
 * Whether to keep the native addon unloaded: `--no-native`, or else
 * `EXEC_SERVER_NATIVE`, which takes `0` (off) or `1` (on, where it is
 * built) only.
 */
const noNativeOf = (flag: boolean): Effect.Effect<boolean, ListenUrlError> => {
  const on = nativeSwitchOf(process.env)
  if (on === undefined) {
    return Effect.fail(new ListenUrlError({ message: `${NATIVE_ENV} must be 0 or 1, not ${JSON.stringify(process.env[NATIVE_ENV])}` }))
  }
  return Effect.succeed(flag || !on)
}

/**
 * One info line and the `exec_server_native_info` gauge: whether the native
 * addon is in use, and which spawner, output readers (pipes', terminals')
 * and base64 encoder children get. Logged once the listener is up, after a WebSocket server's
 * `listening on` line (tools read that one first).
 */
const reportNativeUse: Effect.Effect<void> = Effect.suspend(() => {
  const use = nativeUse()
  const gauge = Metrics.nativeInfo.pipe(
    Metric.withAttributes({ addon: use.addon, spawn: use.spawn, output: use.output, terminal: use.terminal, base64: use.base64 })
  )
  return Effect.andThen(
    Metric.update(gauge, 1),
    Effect.logInfo("native addon").pipe(Effect.annotateLogs({ ...use }))
  )
})

/**
 * Completes when stdin reaches its end (or fails): what it carries is read
 * and dropped. For a WebSocket server whose parent holds its stdin, so
 * that the server goes when the parent does.
 */
const stdinClosed: Effect.Effect<void> = Effect.callback<void>((resume) => {
  const stdin = process.stdin
  const discard = () => {}
  const done = () => resume(Effect.void)
  stdin.on("data", discard)
  stdin.once("end", done)
  stdin.once("close", done)
  stdin.once("error", done)
  return Effect.sync(() => {
    stdin.off("data", discard)
    stdin.off("end", done)
    stdin.off("close", done)
    stdin.off("error", done)
    stdin.pause()
  })
}).pipe(Effect.andThen(Effect.logInfo("stdin closed: stopping (--exit-on-stdin-close)")))

/** Whether `--listen`'s URL is stdio's. */
const isStdio = (url: string | undefined): boolean => url === "stdio://" || url === "stdio"

/** The server's flags, as the command line gives them. */
export type ServeFlags = ValuesOf<typeof ServerFlags.serverFlags>

/** The server itself: what `exec-server [flags]` runs; `startup` goes into its first debug line. */
export const serve = ({ startup }: Startup, host: ServerHost = processHost) => (flags: ServeFlags) =>
  // The console key's place first: the sandbox denies it from its start.
  Effect.flatMap(consoleKeyPlaceOf(flags), (consoleKeyPlace) => Effect.gen(function*() {
    // What started the server may have left open (a shell's `100<file`, a
    // supervisor's pipe) is the server's own to close: no child of it gets them.
    if (host.ownsProcess) serverOwnsProcess()
    const replacing = host.ownsProcess && Handover.takeHandoverEnvironment()
    const exitOnStdinClose = yield* exitOnStdinCloseOf(flags.exitOnStdinClose)
    if (!host.ownsProcess && exitOnStdinClose) {
      return yield* new ListenUrlError({ message: "--exit-on-stdin-close needs a server that owns its process" })
    }
    const referenceSettings = yield* referenceSettingsOf(flags, ServerFlags.serverFlags.proxyPrivateIpsViaUpstream.env.name)
    // Before anything loads the addon: it is loaded on first use.
    if (yield* noNativeOf(flags.noNative)) {
      // For the whole process: one sharing it can have it only before anything loaded the addon.
      yield* Effect.try({
        try: turnOffNativeAddon,
        catch: () => new ListenUrlError({ message: "--no-native: the native addon is already in use in this process" })
      })
    }
    const sandboxPolicy = yield* operatorPolicyOf(flags)
    const operatorLimits = yield* operatorLimitsOfFlags(flags)
    const executor = yield* executorOf(host, flags)
    // With --connect the server listens locally only when told to.
    const listen = Option.getOrUndefined(flags.listen) ?? (executor === undefined ? "stdio://" : undefined)
    const keptProcesses = yield* keptProcessesOf(flags, isStdio(listen))
    // Replacing a server: its listening socket first, and only then (the sessions it froze) the adoption.
    const handedListening = replacing
      ? yield* Effect.mapError(Handover.receiveListening, (error) => new ListenUrlError({ message: error.message }))
      : undefined
    const tracesUrl = tracesUrlOf(process.env)
    // Loaded and provided only when tracing is configured (a layer provided costs a build at start).
    const withTracing = <A, E, R>(server: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      tracesUrl === undefined ? server : Effect.provide(
        server,
        Layer.unwrap(Effect.map(
          Effect.promise(() => import("../observability/tracing.js")),
          (Tracing) => Tracing.layerOtlp(tracesUrl, { name: "effect-exec-server", version: ServerConfig.version }, process.env)
        ))
      )
    const overWebSocket = listen !== undefined && !isStdio(listen)
    if (keptProcesses !== undefined && host.ownsProcess && (overWebSocket || executor !== undefined)) Handover.holdSignalUntilReady()
    // The token asked of WebSocket clients is asked of NATS streams too; stdio has no use for it.
    if (WebSocketListen.hasAuthFlags(flags) && !overWebSocket && executor === undefined) {
      return yield* new ListenUrlError({
        message: "the --ws-* authentication flags need a WebSocket listener (--listen ws://IP:PORT) or --connect, not stdio"
      })
    }
    const auth = yield* WebSocketListen.authOf(flags)
    // nats-server tells no one who published: with neither a stream token nor
    // NATS credentials, a sandbox with network could open streams here.
    const sandboxNetworkRefusal = executor !== undefined && (executor.auth?._tag ?? "None") === "None" && !WebSocketListen.hasAuthFlags(flags)
      ? "this executor asks no token of its NATS streams and has no NATS credentials, so a sandboxed process could open streams to it through nats-server (give --ws-token-file, --ws-shared-secret-file or NATS credentials)"
      : undefined
    if (sandboxNetworkRefusal !== undefined && sandboxPolicy?.network === true) {
      return yield* new ListenUrlError({ message: `the operator's sandbox policy grants network, but ${sandboxNetworkRefusal}` })
    }
    if (flags.console && !overWebSocket) {
      return yield* new ListenUrlError({ message: "--console needs a WebSocket listener (--listen ws://IP:PORT)" })
    }
    // Its credentials live as long as the server: a restart revokes every link and browser session.
    const webConsole = flags.console ? { auth: new ConsoleAuth() } : undefined
    const secretFiles = [
      flags.wsTokenFile,
      flags.wsSharedSecretFile,
      flags.natsCreds,
      flags.natsPasswordFile,
      flags.natsTokenFile,
      flags.natsTlsKey
    ].flatMap((file) => Option.isSome(file) ? [file.value] : []).concat(consoleKeyPlace?.secrets ?? [])
      // Whoever reaches a holder's socket controls its process: no sandbox, no fs/* call reaches them.
      .concat(keptProcesses === undefined ? [] : [keptProcesses.stateDir])
    yield* Effect.gen(function*() {
      // Secrets of its own (a token, the signing secret, NATS credentials, the console's keys) are kept from
      // other processes of its uid before any child runs; otherwise that waits for the first masked process.
      if (host.ownsProcess && (secretFiles.length > 0 || webConsole !== undefined)) yield* protectMemory
      const listened = listen === undefined
        ? undefined
        : yield* listenerOf(host, listen, flags, auth, webConsole, consoleKeyPlace, handedListening)
      const nats = executor === undefined ? undefined : yield* natsListenerOf(host, { ...executor, ...WebSocketListen.listenerAuthOf(auth) })
      const listeners = [...(listened === undefined ? [] : [listened.listener]), ...(nats === undefined ? [] : [nats])]
      const listener: typeof Transport.ServerTransport.Service = listeners.length === 1 ? listeners[0]! : {
        url: listeners.map((l) => l.url).join(" "),
        connections: Stream.mergeAll(listeners.map((l) => l.connections), { concurrency: "unbounded" }),
        accept: listeners.every((l) => l.accept !== undefined)
          ? (serve) => Effect.all(listeners.map((l) => l.accept!(serve)), { concurrency: "unbounded", discard: true })
          : undefined
      }
      yield* Effect.logDebug(`exec-server ${ServerConfig.version} serving ${listener.url}`).pipe(Effect.annotateLogs({ startup }))
      yield* reportNativeUse
      yield* NodeResourceLimits.report
      startupDone()
      if (replacing) Handover.announceServing()
      if (keptProcesses !== undefined && (listened?.handOver !== undefined || nats !== undefined) && host.ownsProcess) {
        yield* Handover.handOverOnSignal({ socket: listened?.handOver, withdraw: nats?.withdraw }, {
          stateDir: keptProcesses.stateDir,
          url: listener.url,
          version: ServerConfig.version
        })
      }
      yield* Effect.forkScoped(releaseWhenQuiet())
      const consoleConnections = listened?.consoleConnections
      const serve = (webConsole === undefined || consoleConnections === undefined
        ? ExecServer.run
        : Effect.promise(() => import("../console/ConsoleServer.js")).pipe(
          Effect.flatMap((ConsoleServer) => ConsoleServer.serveBeside(consoleConnections)),
          Effect.provideService(WebConsole, webConsole)
        )).pipe(Effect.provideService(Transport.ServerTransport, listener))
      // A stdio server stops when its input ends anyway: stdin is its connection.
      // Otherwise the end of stdin interrupts the server as SIGTERM does.
      const ended = yield* leavingOnExit(keptProcesses, stdinClosed)
      yield* exitOnStdinClose && !isStdio(listen) ? Effect.raceFirst(serve, ended) : serve
    }).pipe(
      Effect.scoped,
      Effect.provide(ExecServer.layerNodeServices),
      withTracing,
      withLogFormat(flags.logFormat, host.loggerFor),
      Effect.provideService(ServerConfig.ServerConfig, ServerConfig.make({
        ...Record.map(ServerFlags.configFlags, (_, setting) => flags[setting]),
        sandboxPolicy,
        httpHeaderEnvVars: flags.httpHeaderEnv,
        sandboxNetworkRefusal,
        secretFiles,
        tracing: tracesUrl !== undefined,
        bwrapPath: Option.getOrUndefined(flags.bwrap),
        operatorLimits,
        sessionCgroups: !flags.noSessionCgroups,
        keptProcesses: keptProcesses === undefined ? undefined : {
          stateDir: keptProcesses.stateDir,
          orphanTtlMs: keptProcesses.orphanTtlMs,
          handingOver: replacing ? process.ppid : undefined
        },
        ...referenceSettings
      }))
    )
  }))

/** Where a server with the console keeps its console key, made ready (none without `--console`). */
const consoleKeyPlaceOf = (flags: ServeFlags): Effect.Effect<ConsoleKey.ConsoleKeyPlace | undefined, ListenUrlError> =>
  flags.console
    ? Effect.mapError(
      ConsoleKey.prepareKeyPlace(Option.getOrUndefined(flags.consoleKeyFile), process.env),
      (error) => new ListenUrlError({ message: error.message })
    )
    : Option.isSome(flags.consoleKeyFile)
    ? Effect.fail(new ListenUrlError({ message: "--console-key-file needs --console" }))
    : Effect.succeed(undefined)

/** Writes the console key for the listener at `url` (its port names the default file), removed when the server stops. */
const publishConsoleKey = (place: ConsoleKey.ConsoleKeyPlace, url: string, key: string) =>
  Effect.gen(function*() {
    const file = place.fileFor(Number(new URL(url).port))
    yield* Effect.mapError(ConsoleKey.writeKey(file, key), (error) => new ListenUrlError({ message: error.message }))
    if (place.removeOnStop) yield* Effect.addFinalizer(() => ConsoleKey.removeKey(file, key))
  })

/** Bad flags and unusable addresses: a clear line on stderr and exit code 2. */
const reportUsageError = (error: { readonly message: string }) =>
  Effect.sync(() => {
    process.stderr.write(`exec-server: ${error.message}\n`)
    process.exitCode = 2
  })

/** How the process started, for the debug line a server logs as it starts serving. */
export interface Startup {
  /** "snapshot", or why the JavaScript was loaded from its files. */
  readonly startup: string
}

/**
 * `argv` without a leading `exec-server` word: a command line written for
 * `codex exec-server ...` (a script's `"$CODEX" exec-server --listen
 * stdio://`, an `environments.toml` `program`/`args` pair) runs this server
 * with its program swapped and its arguments unchanged. None of our
 * commands has that name.
 */
const withoutCodexSubcommand = (argv: ReadonlyArray<string>): Array<string> =>
  argv[2] === "exec-server" ? [...argv.slice(0, 2), ...argv.slice(3)] : [...argv]

/**
 * What `argv` (a process's: node, the script, then the arguments) asks for,
 * with `server` as the server command. With no arguments, or only the
 * server's flags given plainly (how clients start a server), there is
 * nothing for the parser: the command line (the client's and gateway's
 * commands) is not even loaded.
 */
export const commandOf = <E, R>(argv: ReadonlyArray<string>, server: (flags: ServeFlags) => Effect.Effect<void, E, R>) => {
  const plain = plainValuesOf(ServerFlags.serverFlags, argv.slice(2))
  return plain !== undefined
    ? server(plain)
    : Effect.flatMap(Effect.promise(() => import("./commandLine.js")), (CommandLine) => CommandLine.run(argv, server))
}

/**
 * Runs the command on `process.argv` until it ends, then exits. Importing
 * this module runs nothing: the entries (`main.ts`, and `startupSnapshot.ts` for a
 * startup snapshot, which holds this module evaluated) call this.
 */
export const main = (startup: Startup): void => {
  forgetLauncherTunables()
  runToExit(
    commandOf(withoutCodexSubcommand(process.argv), serve(startup)).pipe(
      Effect.catchTags({ ListenUrlError: reportUsageError, TransportError: reportUsageError })
    )
  )
}
