/**
 * The Promise API, for code that does not use Effect: exec, a process's
 * events with `for await`, and an `AbortSignal` timeout. Starts its own
 * server (or give a URL: `exec-server --listen ws://127.0.0.1:8765`).
 * Run: npx tsx scratch/promise-client.ts [ws://127.0.0.1:PORT]
 */
import { spawn } from "node:child_process"
import * as PromiseClient from "../src/client/PromiseClient.js"
import { ClientTransport } from "../src/index.js"

/** Starts `exec-server --listen ws://127.0.0.1:0` and reads its banner for the URL. */
const startServer = () =>
  new Promise<{ readonly url: string; readonly stop: () => void }>((resolve, reject) => {
    const [node, ...args] = ClientTransport.localServerCommand()
    const child = spawn(node!, [...args, "--listen", "ws://127.0.0.1:0"], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (line: string) => {
      const match = /listening on (ws:\/\/\S+)/.exec(line)
      if (match !== null) resolve({ url: match[1]!, stop: () => child.kill("SIGTERM") })
    })
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)))
  })

const env = { PATH: "/usr/bin:/bin" }
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()

const check = (ok: boolean, what: string) => {
  if (!ok) throw new Error(`unexpected: ${what}`)
}

const main = async () => {
  const server = process.argv[2] === undefined ? await startServer() : undefined
  try {
    await using client = await PromiseClient.connect(process.argv[2] ?? server!.url, { clientName: "promise-scratch" })
    console.log(`session ${client.sessionId} on ${client.server.serverInfo.name} ${client.server.serverInfo.version}`)

    const result = await client.exec(["sh", "-c", "uname -s; echo oops >&2; exit 3"], { env })
    console.log(`exec: exit ${result.exitCode}, stdout ${JSON.stringify(text(result.stdout))}, stderr ${JSON.stringify(text(result.stderr))}`)
    check(result.exitCode === 3 && text(result.stderr) === "oops\n", "exec result")

    // A PTY: answer its prompt from inside the loop; the loop ends after `Closed`.
    await using shell = await client.start({
      argv: ["bash", "--norc", "-c", "read -r -p 'name? ' name; echo \"hello, $name\""],
      tty: true,
      env
    })
    let transcript = ""
    for await (const event of shell.events()) {
      if (event._tag === "Output") {
        transcript += text(event.bytes)
        if (transcript.endsWith("name? ")) await shell.write("promise\n")
      } else {
        console.log(`event ${event._tag} (seq ${event.seq})`)
      }
    }
    console.log(transcript.replace(/\r/g, ""))
    check(transcript.includes("hello, promise"), "PTY transcript")
    check((await shell.exited).exitCode === 0, "PTY exit code")

    // A command that runs longer than its signal allows: terminated on the server, and an AbortError here.
    const started = Date.now()
    const aborted = await client.exec(["sleep", "30"], { env, signal: AbortSignal.timeout(300) }).then(
      () => undefined,
      (error: unknown) => error
    )
    check(aborted instanceof PromiseClient.AbortError, "an AbortError")
    console.log(`sleep 30 aborted after ${Date.now() - started} ms: ${String(aborted)} (${String((aborted as Error).cause)})`)

    // Rejections are the client's tagged errors.
    const missing = await client.fs.readFile("/no/such/file").then(() => undefined, (error: unknown) => error)
    check(PromiseClient.isClientError(missing) && missing._tag === "ExecServer/PathNotFound", "a PathNotFound")
    console.log(`readFile of a missing file: ${PromiseClient.isClientError(missing) ? missing._tag : "?"}`)
  } finally {
    server?.stop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
