/**
 * How the command-line client reaches a server: the URL and credentials
 * every client command takes, and the client they make (WebSocket, a stdio
 * server it starts, or an environment over NATS), which says on stderr
 * when it resumes a dropped session.
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ClientError, ConnectError, InitializeTimeout } from "../client/ClientError.js"
import * as ExecServerClient from "../client/ExecServerClient.js"
import { isHeldElsewhere, type ReconnectEvent } from "../client/reconnect.js"
import * as NatsUrl from "../remote/natsUrl.js"
import { integer } from "../server/ServerFlags.js"
import { natsFlags } from "./commandFlags.js"
import type { ArgSpec, CliFlag } from "./commandSpec.js"
import * as NatsFlags from "./natsFlagValues.js"

/** A ws:// or wss:// URL, a nats:// one naming an environment, or `stdio`; anything else is a usage error (exit 2), not a failed connection. */
const url: ArgSpec = {
  _tag: "Arg",
  name: "url",
  help: "ws://HOST:PORT of a server, nats://HOST:PORT[,...]/ENVIRONMENT_ID of an executor, or \"stdio\" to start one as a child",
  check: (value) => {
    if (value === "stdio") return undefined
    if (value.startsWith("nats://")) {
      const parsed = NatsUrl.parseUrl(value)
      return typeof parsed === "string" ? parsed : undefined
    }
    const parsed = URL.canParse(value) ? new URL(value) : undefined
    return parsed !== undefined && (parsed.protocol === "ws:" || parsed.protocol === "wss:") && parsed.host !== ""
      ? undefined
      : `${JSON.stringify(value)} is not a server address: give ws://HOST:PORT, wss://HOST:PORT or stdio`
  }
}
const tokenFile = {
  _tag: "OptionalPath",
  name: "token-file",
  help: "File holding the bearer token the server wants (a capability token or a JWT; whitespace trimmed): " +
    "on the WebSocket upgrade, or in the open frame of a nats:// stream"
} as const satisfies CliFlag
/** The levels of the server's `--log-level`, which the child server takes. */
const logLevels = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"] as const
const serverLogLevel = {
  _tag: "Choice",
  name: "server-log-level",
  choices: logLevels,
  default: "warning",
  // `--help` adds "(default warning)".
  help: "With stdio: the least level of the child server's logs shown on stderr"
} as const satisfies CliFlag
export const sessionOption = { _tag: "OptionalText", name: "session", help: "A detached session to take over" } as const satisfies CliFlag

/** How long a connect waits for the server by default, and then its handshake (the library's defaults). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** `--connect-timeout-ms`: a server flag's kind (a whole number, at least 1, its default shown in `--help`). */
export const connectTimeout = integer("connect-timeout-ms", {
  default: DEFAULT_CONNECT_TIMEOUT_MS,
  minimum: 1,
  metavar: "MS",
  help: "how long to wait for the server to take the connection, and then for its answer to the handshake, in ms (each); " +
    "after 1 s a terminal is told what it waits for"
})

/** How to reach the server, the params every subcommand shares (the NATS ones for nats:// URLs). */
export const connectionOptions = { url, tokenFile, connectTimeout, serverLogLevel, ...natsFlags }

export interface Connection extends NatsFlags.NatsFlagValues {
  readonly url: string
  readonly tokenFile: Option.Option<string>
  readonly serverLogLevel: typeof logLevels[number]
  /** How long to wait for the connection, and then for its handshake, in ms. */
  readonly connectTimeout: number
  readonly session?: Option.Option<string>
  /** How long the session outlives this client (default: the server's 0, or `DETACH_TTL_MS` for one taken over). */
  readonly detachTtlMs?: number | undefined
  /** `exec` with a managed network proxy: who answers its questions, and who hears its decisions. */
  readonly network?: Pick<ExecServerClient.ClientOptions, "networkPolicyDecider" | "onNetworkPolicyDecision"> | undefined
}

/**
 * Output held for the local stdout at most, before the client stops reading
 * the connection: two of a pipe's 64 KiB chunks. Small, so that a chunk is
 * written (and its bytes garbage) well within one young-generation
 * collection of its decoding: what lives through two is promoted, and its
 * buffer outside the heap waits for a full collection. Under a reader taking
 * 1 MiB every 50 ms the client peaked at 88.5-91.7 MiB with 1 MiB, 81.6-82.9
 * with 128 KiB (its forced full collections, memoryBound.ts, 47 to 8). A
 * fast reader loses nothing by it: 1 GB in 7.3-10.0 s against 8.9-9.8, its
 * peak 88-92 MiB against 150. It is a cliff: from the client's own snapshot
 * the slow reader peaks at 60.4-60.5 MiB with 128 KiB, 72-74 with 256 KiB
 * (the channel hands the consumer all it holds, so up to twice this is in
 * flight).
 */
const CLI_BUFFERED_BYTES = 128 * 1024

/** How long a session this client takes over stays detached after it lets go. */
export const DETACH_TTL_MS = 300_000

/** How long taking over a session waits for another client to let go of it. */
const HELD_WAIT_MS = 10_000

/** A failure of the command-line client itself, reported as its message. */
export class CliFailure extends Data.TaggedError("CliFailure")<{ readonly message: string }> {}

export type ConnectFailure = ClientError | ConnectError | InitializeTimeout | CliFailure

/**
 * Says on stderr, at once and at each attempt, that a session is being
 * resumed after its connection dropped (a server restarting, a network
 * gone): the command looks stalled otherwise.
 */
const sayReconnecting = (url: string) => (event: ReconnectEvent): void => {
  const line = event._tag === "Dropped"
    ? `the connection to ${url} dropped (${event.reason}); resuming session ${event.sessionId} for up to ${Math.ceil(event.withinMs / 1000)} s`
    : event._tag === "AttemptFailed"
    ? `resuming session ${event.sessionId}: attempt ${event.attempt} failed: ${event.error}`
    : `session ${event.sessionId} resumed${event.attempts > 1 ? ` after ${event.attempts} attempts` : ""}`
  // A raw terminal needs its carriage returns.
  const raw = process.stdin.isTTY === true && process.stdin.isRaw
  process.stderr.write(raw ? `\r\nexec-server: ${line}\r\n` : `exec-server: ${line}\n`)
}

/** How long a connect goes unsaid: after that, a person at a terminal is told what the client waits for. */
const SAY_CONNECTING_AFTER = "1 second"

/** A duration as a person reads it: 10s, 2.5s, 300 ms. */
const secondsOf = (ms: number): string => ms >= 1000 ? `${ms / 1000}s` : `${ms} ms`

/**
 * `connecting`, which connects to what `what` says, with one line on a
 * terminal's stderr while it takes more than a second (`exec-server:
 * connecting to URL … (timeout 10s)`), erased once connected and ended
 * (its line kept) when the connect fails, so that the error is read below
 * it. Nothing without a terminal: a script's stderr gets only the outcome.
 */
export const sayingWhileConnecting = (what: string, timeoutMs: number) =>
<A, E, R>(connecting: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  process.stderr.isTTY !== true ? connecting : Effect.gen(function*() {
    let said = false
    const saying = yield* Effect.forkChild(Effect.andThen(
      Effect.sleep(SAY_CONNECTING_AFTER),
      Effect.sync(() => {
        said = true
        process.stderr.write(`exec-server: ${what} … (timeout ${secondsOf(timeoutMs)})`)
      })
    ))
    return yield* connecting.pipe(
      Effect.onExit((exit) =>
        Effect.andThen(
          Fiber.interrupt(saying),
          Effect.sync(() => {
            if (said) process.stderr.write(exit._tag === "Success" ? "\r\x1b[K" : "\n")
          })
        )
      )
    )
  })

/** A client layer that fails with `error` (Effect 4's Layer has no `fail`). */
const failed = (error: ConnectFailure): Layer.Layer<ExecServerClient.ExecServerClient, ConnectFailure> =>
  Layer.effect(ExecServerClient.ExecServerClient, Effect.fail(error))

/** A client layer that, failing because the session is held elsewhere, is replaced by `then` (Effect 4's Layer has no `catchAll`). */
const whenHeld = (then: () => Layer.Layer<ExecServerClient.ExecServerClient, ConnectFailure>) =>
(layer: Layer.Layer<ExecServerClient.ExecServerClient, ConnectFailure>) =>
  Layer.catchCause(layer, (cause) => {
    const error = Cause.findErrorOption(cause)
    return Option.isSome(error) && isHeldElsewhere(error.value)
      ? then()
      : Layer.effect(ExecServerClient.ExecServerClient, Effect.failCause(cause))
  })

/** The client of the server at `url`. */
export const clientLayer = (connection: Connection): Layer.Layer<ExecServerClient.ExecServerClient, ConnectFailure> => {
  const timeoutMs = connection.connectTimeout
  const what = connection.url === "stdio" ? "starting a server (stdio)" : `connecting to ${connection.url}`
  return Layer.effectContext(sayingWhileConnecting(what, timeoutMs)(Layer.build(connectedLayer(connection, timeoutMs))))
}

/** The client of the server at `url`, waiting `timeoutMs` at most for the connection, and as long for its handshake. */
const connectedLayer = (connection: Connection, timeoutMs: number): Layer.Layer<ExecServerClient.ExecServerClient, ConnectFailure> => {
  const resumeSessionId = Option.getOrUndefined(connection.session ?? Option.none())
  const detachTtlMs = connection.detachTtlMs ?? (resumeSessionId === undefined ? undefined : DETACH_TTL_MS)
  const options = {
    clientName: "exec-server-cli",
    onReconnect: sayReconnecting(connection.url),
    // Output is written as fast as the local reader takes it, and the server waits for it: nothing lost, little held.
    whenConsumerLags: "pause" as const,
    maxBufferedBytesPerProcess: CLI_BUFFERED_BYTES,
    initializeTimeoutMs: timeoutMs,
    ...(detachTtlMs === undefined ? {} : { detachTtlMs }),
    ...(resumeSessionId === undefined ? {} : { resumeSessionId, reconnect: false as const }),
    ...connection.network
  }
  // Read at each connect, and a file that cannot be read is a reported failure.
  const tokenFile = Option.getOrUndefined(connection.tokenFile)
  const token = tokenFile === undefined ? {} : { tokenFile }
  if (connection.url.startsWith("nats://")) {
    const target = NatsUrl.parseUrl(connection.url)
    const auth = NatsFlags.natsAuthOf(connection)
    if (typeof target === "string") return failed(new CliFailure({ message: target }))
    if (typeof auth === "string") return failed(new CliFailure({ message: auth }))
    // Loaded on demand: the NATS client only for nats:// URLs.
    return Layer.unwrap(Effect.map(
      Effect.promise(() => import("../remote/NatsConnector.js")),
      (NatsConnector) =>
        NatsConnector.layer({ ...target, ...auth, ...token, name: "exec-server-cli", connectTimeoutMs: timeoutMs, ...options })
    ))
  }
  if (NatsFlags.hasNatsFlags(connection)) {
    return failed(new CliFailure({ message: "the --nats-* flags are for nats:// URLs" }))
  }
  if (connection.url === "stdio") {
    // The child's logs are for its operator; a person running a command wants its output.
    return ExecServerClient.layerSpawnLocal({ ...options, stderr: "inherit", args: ["--log-level", connection.serverLogLevel] })
  }
  const layer = (resumeWaitMs: number) =>
    ExecServerClient.layerWebSocket({ url: connection.url, ...token, ...options, connectTimeoutMs: timeoutMs, resumeWaitMs })
  if (resumeSessionId === undefined) return layer(0)
  // Held: said at once, then waited for (a client that has just let go may hold it for a moment).
  const stillHeld = new CliFailure({
    message: `session ${resumeSessionId} is still held by another client (an exec or attach on it): detach that one first`
  })
  return layer(0).pipe(
    whenHeld(() =>
      Layer.unwrap(Effect.sync(() => {
        // On a terminal, over the line that may say it is connecting (sayingWhileConnecting).
        process.stderr.write(
          `${process.stderr.isTTY === true ? "\r\x1b[K" : ""}exec-server: session ${resumeSessionId} is held by another client; ` +
            `waiting up to ${HELD_WAIT_MS / 1000} s for it to let go\n`
        )
        return layer(HELD_WAIT_MS).pipe(whenHeld(() => failed(stillHeld)))
      }))
    )
  )
}

/** Reports a failure on stderr and exits 1, as a remote command that could not run. */
export const reportFailure = (error: { readonly message: string }) =>
  Effect.sync(() => {
    process.stderr.write(`exec-server: ${error.message}\n`)
    process.exitCode = 1
  })
