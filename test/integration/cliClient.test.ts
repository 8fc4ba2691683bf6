/**
 * The command-line client as a person uses it: `exec --tty` in a real
 * terminal (tmux), `exec` with pipes, and `ps`, `kill` and `attach` on a
 * detached session.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { afterEach, describe, expect, it } from "vitest"
import { eventually, SERVER_BIN } from "../support/StdioServer.js"
import { RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const startServer = useWebSocketServers()
const cli = `${process.execPath} ${SERVER_BIN}`

let sessions: Array<string> = []
afterEach(() => {
  for (const session of sessions) spawnSync("tmux", ["kill-session", "-t", session])
  sessions = []
})

/** A tmux session running a plain shell in a 100×30 terminal. */
const terminal = (name: string) => {
  const session = `cli-${name}-${process.pid}`
  sessions.push(session)
  execFileSync("tmux", ["new-session", "-d", "-s", session, "-x", "100", "-y", "30", "bash --norc"])
  const screen = () => execFileSync("tmux", ["capture-pane", "-t", session, "-p"]).toString()
  return {
    type: (...keys: Array<string>) => execFileSync("tmux", ["send-keys", "-t", session, ...keys]),
    screen,
    /** Waits until the screen shows `text` (a regular expression). */
    shows: async (text: RegExp) => {
      const seen = await eventually(() => text.test(screen()), 15_000, 50)
      expect(seen, `screen:\n${screen()}`).toBe(true)
    },
    resize: (cols: number) => execFileSync("tmux", ["resize-window", "-t", session, "-x", String(cols), "-y", "30"])
  }
}

/** A detached session holding one process, started by a client that then went away. */
const detachedSession = async (url: string, start: Record<string, unknown>) => {
  const client = await RawWebSocketClient.connect(url)
  const session = (await client.request("initialize", { clientName: "setup", detachTtlMs: 60_000 })).result.sessionId as string
  client.send({ method: "initialized", params: {} })
  expect((await client.request("process/start", start)).result).toBeDefined()
  return { session, client }
}

/** Closes a raw client and waits until the close is done (the tests' spawnSync would hold up the closing handshake). */
const closed = (client: RawWebSocketClient) =>
  new Promise<void>((resolve) => {
    client.socket.once("close", () => resolve())
    client.socket.close()
  })

describe("exec-server exec", () => {
  it("--tty: an interactive shell with job control, resizes, Ctrl-C to the remote, its exit code, the terminal restored", async () => {
    const server = await startServer()
    const term = terminal("tty")
    term.type(`PS1='local$ '; ${cli} exec ${server.url} -- bash --norc -i; echo EXIT=$?; stty -a | grep -o ' -\\?icanon' | tr -d ' '`, "Enter")
    term.type("PS1='remote$ '", "Enter")
    await term.shows(/^remote\$\s*$/m)
    term.type("tput cols; sleep 9 & jobs", "Enter")
    await term.shows(/^100$/m)
    await term.shows(/\[1\]\+ +Running +sleep 9 &/)
    term.resize(120)
    term.type("tput cols", "Enter")
    await term.shows(/^120$/m)
    term.type("sleep 30", "Enter")
    await term.shows(/remote\$ sleep 30\n/)
    term.type("C-c")
    await term.shows(/\^C\nremote\$\s*$/m)
    term.type("exit 3", "Enter")
    await term.shows(/^EXIT=3$/m)
    // The local terminal is back in canonical mode.
    await term.shows(/^icanon$/m)
  })

  it("without a terminal: stdin piped, stdout and stderr apart, the exit code", async () => {
    const server = await startServer()
    const run = spawnSync(process.execPath, [SERVER_BIN, "exec", server.url, "--", "sh", "-c", "tr a-z A-Z; echo oops >&2; exit 6"], {
      input: "piped in"
    })
    expect([run.stdout.toString(), run.stderr.toString(), run.status]).toEqual(["PIPED IN", "oops\n", 6])
    const refused = spawnSync(process.execPath, [SERVER_BIN, "exec", "ws://127.0.0.1:1", "--", "true"], { input: "" })
    expect(refused.status).toBe(1)
    expect(refused.stderr.toString()).toContain("ECONNREFUSED")
  })
})

describe("exec-server ps, kill and attach", () => {
  it("ps lists a detached session's processes; kill terminates one", async () => {
    const server = await startServer()
    const { session, client } = await detachedSession(server.url, {
      processId: "sleeper",
      argv: ["sleep", "30"],
      cwd: "/tmp",
      env: {},
      tty: false
    })
    await closed(client)
    const ps = () => spawnSync(process.execPath, [SERVER_BIN, "ps", server.url, "--session", session], { input: "" }).stdout.toString()
    expect(ps()).toMatch(/^sleeper +\d+ +running +no +sleep 30$/m)
    const kill = spawnSync(process.execPath, [SERVER_BIN, "kill", server.url, "sleeper", "--session", session], { input: "" })
    expect(kill.status).toBe(0)
    expect(await eventually(() => /sleeper +\d+ +exited 143/.test(ps()), 10_000, 100)).toBe(true)
  })

  it("attach replays the retained output, follows live, detaches with Ctrl-P Ctrl-Q, and attaches again", async () => {
    const server = await startServer()
    const { session, client } = await detachedSession(server.url, {
      processId: "shell",
      argv: ["bash", "--norc", "-i"],
      cwd: "/tmp",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PS1: "remote$ " },
      tty: true
    })
    await client.request("process/write", { processId: "shell", chunk: Buffer.from("echo before-$((40+2))\n").toString("base64") })
    await client.waitFor((message) => message.method === "process/output" && Buffer.from(message.params.chunk, "base64").toString().includes("before-42"))
    await closed(client)
    const term = terminal("attach")
    const attach = `${cli} attach ${server.url} --session ${session} --process shell; echo EXIT=$?`
    term.type(`PS1='local$ '; ${attach}`, "Enter")
    await term.shows(/before-42/)
    term.type("echo live-$((1+1))", "Enter")
    await term.shows(/^live-2/m)
    term.type("C-p", "C-q")
    await term.shows(/detached; the process goes on/)
    await term.shows(/^EXIT=0$/m)
    term.type("clear", "Enter")
    term.type(attach, "Enter")
    await term.shows(/live-2/)
    term.type("exit 5", "Enter")
    await term.shows(/^EXIT=5$/m)
  })
})
