/**
 * The startup snapshot's rehearsal, run by its entry (`startupSnapshot.ts`) while
 * `node --build-snapshot` builds it: the command line is read as a client
 * gives it, and a server serves one client in this process, over the stdio
 * transport's own code on in-memory streams, through the handshake: the
 * built-in modules that loads are in the snapshot, and where the blob keeps
 * function code (Node 22's; native/startup-snapshot.mjs) the bytecode of
 * every function that ran, so a server started from it compiles none of
 * these lazily (about 1,300 functions; docs/PERFORMANCE.md).
 *
 * Nothing of it may be left in the snapshot as a server's: secure
 * randomness has stand-ins (`startupSnapshotGuard.ts`), the metrics are not
 * recorded, what it learnt of the build's machine is forgotten by the
 * modules that keep it (their serialize callbacks), no process is started
 * (its spawner refuses), nothing is logged, and it leaves no handle, timer
 * or listener (Node refuses a snapshot with handles; `startupSnapshot.ts` checks
 * the listeners).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Stream from "effect/Stream"
import { PassThrough } from "node:stream"
import { ServerTransport } from "../jsonrpc/Transport.js"
import { whileNotRecorded } from "../observability/metrics.js"
import { Spawner } from "../process/ChildProcess.js"
import { InternalError } from "../protocol/errors.js"
import * as ExecServer from "../server/ExecServer.js"
import * as TestServer from "../testing/TestServer.js"
import * as StdioTransport from "../listeners/StdioTransport.js"
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/JsonRpc.js"
import * as ServerFlags from "./commandFlags.js"
import { plainValuesOf } from "./flagValues.js"
import { whileRehearsing } from "./startupSnapshotGuard.js"

/**
 * What a client sends first. Only that: each further method rehearsed
 * (starting a process, reading a file) cost an idle server up to 0.9 MiB
 * of resident memory for what its first request of that method compiles.
 */
const INITIALIZE = { id: 1, method: "initialize", params: { clientName: "snapshot rehearsal" } }
const INITIALIZED = { method: "initialized", params: {} }

/**
 * The rehearsal's server services: the server's own session store, output
 * buffer and filesystem, but a spawner that starts nothing, and no sandbox,
 * reaper or HTTP (the no-process services `TestServer.layer` composes).
 */
const services = TestServer.layer({
  spawner: Layer.succeed(Spawner, {
    spawn: () => Effect.fail(new InternalError({ message: "no process is started while the startup snapshot is built" }))
  }),
  fileSystem: NodeFileSystem.layer
})

/** The client served until the end of its stdin; fails unless `initialize` was answered with a session. */
const serveOneClient = Effect.gen(function*() {
  const input = new PassThrough()
  const output = new PassThrough()
  let answer = ""
  output.on("data", (chunk: Buffer) => {
    answer += chunk.toString("utf8")
    // Its one answer is in: the client is done.
    if (answer.endsWith("\n")) input.end()
  })
  const transport = yield* StdioTransport.fromStreams({ input, output, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES })
  input.write(`${JSON.stringify(INITIALIZE)}\n${JSON.stringify(INITIALIZED)}\n`)
  yield* ExecServer.run.pipe(Effect.provideService(ServerTransport, { url: "stdio://", connections: Stream.make(transport) }))
  const answered = JSON.parse(answer) as { readonly id?: unknown; readonly result?: { readonly sessionId?: unknown } }
  if (answered.id !== INITIALIZE.id || typeof answered.result?.sessionId !== "string") {
    return yield* Effect.die(new Error(`the startup snapshot's rehearsal was answered ${answer.trim()}`))
  }
}).pipe(Effect.scoped, Effect.provide(services))

/** The command line a client starts the server with, read as the server reads it; fails unless it gives stdio. */
const readCommandLine = Effect.suspend(() => {
  const flags = plainValuesOf(ServerFlags.serverFlags, ["--listen", "stdio://"])
  return Option.getOrUndefined(flags?.listen ?? Option.none()) === "stdio://"
    ? Effect.void
    : Effect.die(new Error("the startup snapshot's rehearsal did not read its command line"))
})

/** Runs the rehearsal; rejects (and the snapshot's build fails) if it went wrong or took over 30 s. */
export const rehearse = (): Promise<void> =>
  whileRehearsing(() =>
    whileNotRecorded(() =>
      Effect.runPromise(
        Effect.andThen(readCommandLine, serveOneClient).pipe(
          Effect.provideService(References.MinimumLogLevel, "None"),
          Effect.timeoutOrElse({
            duration: Duration.seconds(30),
            orElse: () => Effect.fail(new Error("the startup snapshot's rehearsal took over 30 s"))
          })
        )
      )
    )
  )
