/**
 * The client side of a connection: serialized messages in and out. One
 * implementation per way of reaching a server (WebSocket, a spawned child's
 * stdio, in-process).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type { WebSocket } from "ws"
import { type FrameTransport, makeInbox } from "../wire/FrameTransport.js"
import { LineFramer } from "../wire/LineFramer.js"
import { sendText, writeEffect, writeLines } from "../wire/writers.js"
import { bearerTokenOf } from "./bearerToken.js"
import { type ConnectError, ConnectTimeout, ConnectionForbidden, TransportClosed, CredentialsRefused } from "./ClientError.js"

/**
 * A connected transport: the one contract of both ends
 * (`wire/FrameTransport.ts`), its frames failing with `TransportClosed`
 * when the connection is gone. While its consumer does not take them, it
 * stops reading the connection once a few frames are waiting (so the
 * server's flow control sees a slow client).
 */
export type ClientTransport = FrameTransport<TransportClosed>

/** Options of a WebSocket connection. */
export interface WebSocketClientOptions {
  readonly url: string
  /** Sent as `Authorization: Bearer <token>`: a capability token, or a signed one (a JWT). */
  readonly token?: string
  /**
   * A file holding the bearer token (whitespace trimmed), read at every
   * connect: a short-lived JWT the file is renewed with is what a reconnect
   * sends. Ignored when `token` is given.
   */
  readonly tokenFile?: string
  readonly connectTimeoutMs?: number
}

/** Writes messages on a transport, in order; a failed write is its connection gone. */
export const send = (transport: ClientTransport, messages: ReadonlyArray<string>): Effect.Effect<void, TransportClosed> =>
  writeEffect(transport.write, messages).pipe(
    Effect.mapError((error) =>
      error instanceof TransportClosed
        ? error
        : new TransportClosed({ message: `cannot write to the server: ${error instanceof Error ? error.message : String(error)}` })
    )
  )

/** The text of every message a transport receives, in order; fails with `TransportClosed` when it is gone. */
export const texts = (transport: ClientTransport): Stream.Stream<string, TransportClosed> =>
  Stream.fromQueue(transport.frames).pipe(
    Stream.filterMap((frame) => frame._tag === "Text" ? Result.succeed(frame.text) : Result.failVoid)
  )

/**
 * Frames received and not yet taken, above which a transport stops reading
 * its connection: what the client holds of a connection it does not keep
 * up with is bounded by that, not by the server's output. Few, because a
 * frame that waits is promoted to V8's old generation, where a stream's
 * frames (87 KB of text each) pile up as garbage until a full collection:
 * with 64, the command-line client spent half its CPU collecting and
 * passed 1 GB in 15.5 s; with 4, in 8.8 s, and its peak under a slow
 * reader fell from 97 to 87 MiB. Small messages lose nothing by it (a
 * client's pipelined requests: the same rate).
 */
export const INBOX_FRAMES = 4

/** How much of a refusal's body an error repeats. */
const MAX_REFUSAL_CHARS = 200

/** Connects over WebSocket; the socket closes with the scope. */
export const webSocket = (
  options: WebSocketClientOptions
): Effect.Effect<ClientTransport, ConnectError, Scope.Scope> =>
  Effect.gen(function*() {
    const token = yield* bearerTokenOf(options)
    // Loaded at the first connection: ws (and node:http) cost the start of a server that never dials out.
    const { WebSocket } = yield* Effect.promise(() => import("ws"))
    let opened: WebSocket | undefined
    const inbox = makeInbox<TransportClosed>({ capacity: INBOX_FRAMES, pause: () => opened?.pause(), resume: () => opened?.resume() })
    const socket = yield* Effect.acquireRelease(
      Effect.callback<WebSocket, ConnectError>((resume) => {
        let socket: WebSocket
        try {
          socket = new WebSocket(options.url, {
            headers: token === undefined ? {} : { authorization: `Bearer ${token}` }
          })
        } catch (error) {
          // `ws` throws at once for a URL it cannot use (not ws:// or wss://, no host).
          resume(Effect.fail(new TransportClosed({ message: `cannot connect to ${options.url}: ${(error as Error).message}` })))
          return
        }
        const onError = (error: Error) =>
          resume(Effect.fail(new TransportClosed({ message: `cannot connect to ${options.url}: ${error.message}` })))
        // Errors after the outcome is known (a refused upgrade, a later reset) must not go unhandled.
        socket.on("error", () => {})
        socket.once("error", onError)
        socket.once("unexpected-response", (_request, response) => {
          socket.off("error", onError)
          const status = response.statusCode
          const refused = (reason: string) => {
            const message = `${options.url} refused the connection: HTTP ${status}${reason === "" ? "" : `: ${reason}`}`
            resume(Effect.fail(
              status === 401
                ? new CredentialsRefused({ message: `${message} (a missing, wrong or expired token)` })
                : status === 403
                ? new ConnectionForbidden({ message })
                : new TransportClosed({ message })
            ))
            socket.terminate()
          }
          // A 404's one-line body says why (a gateway: no executor serves the environment); others say only their status.
          if (status !== 404) return refused("")
          let body = ""
          response.setEncoding("utf8")
          response.on("data", (text: string) => {
            if (body.length < MAX_REFUSAL_CHARS) body += text
          })
          response.once("close", () => refused(body.split("\n")[0]!.slice(0, MAX_REFUSAL_CHARS).trim()))
        })
        socket.once("open", () => {
          socket.off("error", onError)
          resume(Effect.succeed(socket))
        })
        return Effect.sync(() => socket.terminate())
      }).pipe(
        // An acquire is uninterruptible: without this, a server that accepts
        // the TCP connection but never answers the upgrade is waited on for ever.
        Effect.interruptible,
        Effect.timeoutOrElse({
          duration: options.connectTimeoutMs ?? 10_000,
          orElse: () =>
            Effect.fail(new ConnectTimeout({ message: `no connection to ${options.url} within ${options.connectTimeoutMs ?? 10_000} ms` }))
        })
      ),
      (socket) => Effect.sync(() => socket.close(1000))
    )
    opened = socket
    socket.on("message", (data) => inbox.deliver({ _tag: "Text", text: String(data) }))
    socket.on("close", (code, reason) => {
      // The reason says why (a gateway: which environment ended the stream, and how).
      const why = reason.length === 0 ? "" : `: ${reason.toString("utf8")}`
      inbox.end(Exit.fail(new TransportClosed({ message: `connection closed (code ${code}${why})` })))
    })
    return {
      frames: inbox.frames,
      write: (batch, done) => sendText(socket, batch, done),
      close: Effect.sync(() => {
        inbox.stop()
        socket.close(1000)
      }),
      peer: { transport: "websocket", address: options.url }
    }
  })

/** Options of a server spawned as a child process. */
export interface SpawnLocalOptions {
  /** The server command; default: this package's `exec-server` on the current Node. */
  readonly command?: ReadonlyArray<string>
  /** Extra flags for the server. */
  readonly args?: ReadonlyArray<string>
  /** Where the server's stderr goes: inherited (the default), ignored, or a file descriptor open for writing. */
  readonly stderr?: "inherit" | "ignore" | number
  /**
   * The least severe log lines the server writes (its `--log-level`).
   * Default `"warning"`: warnings and errors only, so the server's INFO lines
   * do not mix into this program's stderr. Passed to a custom `command`, or
   * beside a `--log-level` in `args`, only when given (and then it wins).
   */
  readonly logLevel?: SpawnLocalLogLevel
  /** How long the server may take to stop after its stdin closes before its group is killed. Default 5 s. */
  readonly stopTimeoutMs?: number
  /** The server's working directory (the default `cwd` of its processes). Default: this process's. */
  readonly cwd?: string
  /** The server's environment (what its processes inherit by policy). Default: this process's. */
  readonly env?: Readonly<Record<string, string>>
}

/** The values of the server's `--log-level`. */
export type SpawnLocalLogLevel = "all" | "trace" | "debug" | "info" | "warning" | "error" | "fatal" | "none"

/** The spawned server's flags: `args`, after the log level a server of ours gets by default. */
const serverArgs = (options: SpawnLocalOptions): ReadonlyArray<string> => {
  const args = options.args ?? []
  const ownsLogLevel = options.command !== undefined ||
    args.some((arg) => arg === "--log-level" || arg.startsWith("--log-level="))
  const logLevel = options.logLevel ?? (ownsLogLevel ? undefined : "warning")
  return logLevel === undefined ? args : ["--log-level", logLevel, ...args]
}

/** The built `exec-server` entry point of this package (from `src/` or `dist/`). */
export const localServerBin: string = Path.resolve(
  Path.dirname(fileURLToPath(import.meta.url)),
  "../../dist/cli/main.js"
)

/** The Node flags of the binary's shebang (see `src/cli/main.ts`), for starting it with `node` explicitly. */
export const serverNodeFlags: ReadonlyArray<string> = [
  "--max-semi-space-size=2",
  "--max-inlined-bytecode-size-cumulative=230",
  "--v8-pool-size=1",
  "--single-threaded-gc",
  "--expose-gc"
]

/**
 * The server's startup snapshot (`dist/cli/exec-server.blob`) if it was
 * built for the Node binary `node` in this install, as the `exec-server`
 * launcher checks: its stamp (written by `native/startup-snapshot.mjs`) names the
 * binary's device, inode, size and modification time, the directory and
 * the V8 flags it was built with.
 */
export const startupSnapshotFor = (node: string): string | undefined => {
  const dir = Path.dirname(localServerBin)
  const blob = Path.join(dir, "exec-server.blob")
  try {
    const stamp = Fs.readFileSync(`${blob}.stamp`, "utf8").trim()
    const binary = Fs.statSync(node)
    const expected = `${binary.dev} ${binary.ino} ${binary.size} ${Math.floor(binary.mtimeMs / 1000)} ${dir} ${serverNodeFlags.join(" ")}`
    return stamp === expected && Fs.existsSync(blob) ? blob : undefined
  } catch {
    return undefined
  }
}

/**
 * The command that starts this package's server on the Node binary `node`
 * (this process's by default) with the binary's flags: from the startup
 * snapshot when one fits, about a tenth of a second sooner, else from its
 * entry module. The server's own arguments follow it.
 */
export const localServerCommand = (node: string = process.execPath): ReadonlyArray<string> => {
  const blob = startupSnapshotFor(node)
  return blob === undefined
    ? [node, ...serverNodeFlags, localServerBin]
    : [node, ...serverNodeFlags, "--snapshot-blob", blob, "--"]
}

const signalGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    // Already gone.
  }
}

/**
 * Spawns a server and talks to it over its stdio. When the scope closes the
 * server's stdin is closed (it terminates its processes and exits); a server
 * that does not exit in time is killed with its process group.
 */
export const spawnLocal = (
  options: SpawnLocalOptions = {}
): Effect.Effect<ClientTransport, TransportClosed, Scope.Scope> =>
  Effect.gen(function*() {
    const [program, ...programArgs] = options.command ?? localServerCommand()
    let started: ChildProcess | undefined
    const inbox = makeInbox<TransportClosed>({
      capacity: INBOX_FRAMES,
      pause: () => started?.stdout?.pause(),
      resume: () => started?.stdout?.resume()
    })
    const child = yield* Effect.acquireRelease(
      Effect.callback<ChildProcess, TransportClosed>((resume) => {
        const child = spawn(program!, [...programArgs, ...serverArgs(options)], {
          stdio: ["pipe", "pipe", options.stderr ?? "inherit"],
          detached: true,
          ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
          ...(options.env === undefined ? {} : { env: options.env })
        })
        child.once("spawn", () => resume(Effect.succeed(child)))
        child.once("error", (error) =>
          resume(Effect.fail(new TransportClosed({ message: `cannot start the server: ${error.message}` }))))
      }),
      (child) =>
        Effect.callback<void>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resume(Effect.void)
            return
          }
          const timer = setTimeout(() => signalGroup(child, "SIGKILL"), options.stopTimeoutMs ?? 5_000)
          child.once("exit", () => {
            clearTimeout(timer)
            resume(Effect.void)
          })
          child.stdin?.end()
        })
    )
    started = child
    child.stdin!.on("error", () => {})
    const framer = new LineFramer(Number.MAX_SAFE_INTEGER)
    child.stdout!.on("data", (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) inbox.deliver(frame)
    })
    // Once its output has been read to the end: a server's last messages come before its exit is reported.
    child.once("close", (code, signal) => {
      inbox.end(Exit.fail(new TransportClosed({ message: `the server exited (${signal ?? code})` })))
    })
    return {
      frames: inbox.frames,
      write: (batch, done) => writeLines(child.stdin!, batch, done),
      // Its stdin's end: the server terminates its processes and exits (the scope waits for that).
      close: Effect.sync(() => {
        inbox.stop()
        child.stdin?.end()
      }),
      peer: { transport: "stdio" }
    }
  })

