/**
 * What the command-line client says while it connects: a server that takes
 * the TCP connection and never answers the WebSocket upgrade is waited on
 * `--connect-timeout-ms` (every command that connects takes it), a person at
 * a terminal (tmux) is told after a second what the client waits for, and a
 * script (pipes) gets only the outcome.
 */
import { spawn } from "node:child_process"
import * as Net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { WebSocketServer } from "ws"
import { SERVER_BIN } from "../support/StdioServer.js"
import { useTmuxTerminals } from "../support/tmuxTerminals.js"
import { useWebSocketServers } from "../support/WebSocketServer.js"

const startServer = useWebSocketServers()
const cli = `${process.execPath} ${SERVER_BIN}`

let listeners: Array<Net.Server> = []
let sockets: Array<Net.Socket> = []
afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  await Promise.all(listeners.map((listener) => new Promise((resolve) => listener.close(resolve))))
  listeners = []
  sockets = []
})

/** A plain shell in a 120×30 terminal. */
const terminal = useTmuxTerminals("cli-connect", { cols: 120 })

/**
 * A loopback listener that takes each TCP connection and says nothing
 * until `release` (then it pipes the connection to `to`, a real server):
 * a server that never answers the upgrade, or one that answers late.
 */
const silentListener = async (to?: number) => {
  let released = false
  const held: Array<Net.Socket> = []
  const pipe = (socket: Net.Socket) => {
    const upstream = Net.connect(to!, "127.0.0.1")
    sockets.push(upstream)
    socket.pipe(upstream).pipe(socket)
  }
  const listener = Net.createServer((socket) => {
    sockets.push(socket)
    socket.on("error", () => {})
    if (released) pipe(socket)
    else held.push(socket)
  })
  listeners.push(listener)
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve))
  return {
    url: `ws://127.0.0.1:${(listener.address() as Net.AddressInfo).port}`,
    release: () => {
      released = true
      for (const socket of held.splice(0)) pipe(socket)
    }
  }
}

/** Runs the binary with pipes (no terminal), without blocking this process (the listener is in it). */
const runPiped = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly status: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [SERVER_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  })

describe("connecting to a server that does not answer", () => {
  it("on a terminal: one line after a second says what it waits for, then the timeout's error below it, exit 1", async () => {
    const silent = await silentListener()
    const term = terminal("waits")
    term.type(`PS1='local$ '; ${cli} exec --connect-timeout-ms 4000 ${silent.url} -- true; echo EXIT=$?`, "Enter")
    const waiting = `exec-server: connecting to ${silent.url.replaceAll(".", "\\.")} … \\(timeout 4s\\)`
    await term.shows(new RegExp(`^${waiting}$`, "m"))
    await term.shows(/^EXIT=1$/m)
    // The line stays, and the error is the next line of its own.
    expect(term.screen()).toMatch(
      new RegExp(`^${waiting}\nexec-server: no connection to ${silent.url.replaceAll(".", "\\.")} within 4000 ms\nEXIT=1$`, "m")
    )
  })

  it("on a terminal: the line is erased once the server answers, and the command runs", async () => {
    const server = await startServer()
    const late = await silentListener(Number(new URL(server.url).port))
    const term = terminal("late")
    term.type(`PS1='local$ '; ${cli} exec -T ${late.url} -- echo ran-$((6*7)); echo EXIT=$?`, "Enter")
    await term.shows(new RegExp(`connecting to ${late.url.replaceAll(".", "\\.")} … \\(timeout 10s\\)`))
    late.release()
    await term.shows(/^EXIT=0$/m)
    const screen = term.screen()
    expect(screen).toMatch(/^ran-42$/m)
    expect(screen).not.toContain("connecting to")
  })

  // Eight starts of the client: 16 s on 2 cores with the suite and two busy loops beside it.
  it("with pipes: nothing while waiting, then one line and exit 1, for every command that connects", async () => {
    const silent = await silentListener()
    const said = `exec-server: no connection to ${silent.url} within 700 ms\n`
    const commands: ReadonlyArray<ReadonlyArray<string>> = [
      ["exec", "--connect-timeout-ms", "700", silent.url, "--", "true"],
      ["ps", silent.url, "--connect-timeout-ms", "700"],
      ["sessions", silent.url, "--connect-timeout-ms=700"],
      ["kill", silent.url, "p", "--connect-timeout-ms", "700"],
      ["attach", silent.url, "--session", "s", "--process", "p", "--connect-timeout-ms", "700"]
    ]
    for (const args of commands) {
      const run = await runPiped(args)
      expect([run.stdout, run.stderr, run.status], args.join(" ")).toEqual(["", said, 1])
    }
    // Upgraded, and then no answer to `initialize`: as long again, said as such.
    const mute = new WebSocketServer({ host: "127.0.0.1", port: 0 })
    await new Promise<void>((resolve) => mute.once("listening", () => resolve()))
    try {
      const url = `ws://127.0.0.1:${(mute.address() as Net.AddressInfo).port}`
      const run = await runPiped(["exec", "--connect-timeout-ms", "700", url, "--", "true"])
      expect([run.stdout, run.stderr, run.status]).toEqual(["", "exec-server: no initialize response within 700 ms\n", 1])
    } finally {
      for (const client of mute.clients) client.terminate()
      await new Promise((resolve) => mute.close(resolve))
    }
    for (const [value, problem] of [["0", "--connect-timeout-ms must be at least 1"], ["soon", "--connect-timeout-ms: 'soon' is not a whole number"]]) {
      const run = await runPiped(["exec", "--connect-timeout-ms", value!, silent.url, "--", "true"])
      expect([run.stderr, run.status]).toEqual([`exec-server: ${problem}\n`, 2])
    }
  }, 120_000)
})
