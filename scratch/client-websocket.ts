/**
 * The typed client over WebSocket: a PTY session through the per-process
 * event stream. Give a server URL (`exec-server --listen ws://127.0.0.1:8765`)
 * or let the script start its own server as a child process.
 * Run: npx tsx scratch/client-websocket.ts [ws://127.0.0.1:PORT]
 */
import { Effect, Stream } from "effect"
import { spawn } from "node:child_process"
import { ClientTransport, ExecServerClient } from "../src/index.js"

/** Starts `exec-server --listen ws://127.0.0.1:0` and reads its banner for the URL. */
const startServer = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly stop: () => void }, Error>((resume) => {
    const [node, ...args] = ClientTransport.localServerCommand()
    const child = spawn(node!, [...args, "--listen", "ws://127.0.0.1:0"], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (line: string) => {
      const match = /listening on (ws:\/\/\S+)/.exec(line)
      if (match !== null) resume(Effect.succeed({ url: match[1]!, stop: () => child.kill("SIGTERM") }))
    })
    child.once("exit", (code) => resume(Effect.fail(new Error(`server exited with ${code}`))))
  }),
  (server) => Effect.sync(server.stop)
)

const session = Effect.gen(function*() {
  const client = yield* ExecServerClient.ExecServerClient
  const shell = yield* client.start({
    argv: ["bash", "--norc", "-i"],
    tty: true,
    size: { rows: 30, cols: 100 },
    env: { PATH: "/usr/bin:/bin", TERM: "xterm-256color", PS1: "$ " },
    cwd: "/tmp"
  })
  yield* shell.write("stty size; echo done-$((6 * 7)); exit\n")
  const transcript = yield* shell.events.pipe(
    Stream.runFold(() => "", (all, event) => event._tag === "Output" ? all + Buffer.from(event.bytes).toString() : all)
  )
  process.stdout.write(transcript.replace(/\r/g, "") + "\n")
  const status = yield* client.wait(shell.processId)
  yield* Effect.logInfo(`shell exited with ${status.exitCode}`)
  if (!transcript.includes("30 100") || !transcript.includes("done-42")) return yield* Effect.die("unexpected transcript")
})

const main = Effect.gen(function*() {
  const url = process.argv[2] ?? (yield* startServer).url
  yield* session.pipe(Effect.provide(ExecServerClient.layerWebSocket({ url })))
})

Effect.runPromise(Effect.scoped(main)).catch((error) => {
  console.error(error)
  process.exit(1)
})
