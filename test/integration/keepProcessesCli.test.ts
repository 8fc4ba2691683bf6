/**
 * `--keep-processes` as a user meets it: the command-line client's `exec`
 * through an upgrade (SIGUSR2) of its WebSocket server, resuming by itself;
 * a stdio server SIGKILLed and its session resumed on the next stdio server
 * with the same state directory; and what the state directory holds at
 * rest (no session id, nothing readable by another user).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { useHolders } from "../support/holders.js"
import { type StdioServer, SERVER_BIN, useStdioServers } from "../support/StdioServer.js"
import { useTempDirs } from "../support/tempDirs.js"
import { RawWebSocketClient, startWebSocketServer } from "../support/WebSocketServer.js"
import { processesNaming, readToClose } from "../support/keptProcesses.js"

const tempDir = useTempDirs("keep-cli-")
const holders = useHolders()
const stdioServer = useStdioServers()
/** Children a test started (servers, the CLI): each still running is killed after its test. */
const children: Array<ChildProcess> = []
/** Replacing servers (not the test's children): killed after the test while their command line still names their state directory. */
const replacing: Array<{ readonly pid: number; readonly dir: string }> = []
const sockets: Array<RawWebSocketClient> = []
afterEach(() => {
  for (const client of sockets.splice(0)) client.socket.terminate()
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  for (const { dir, pid } of replacing.splice(0)) {
    if (!processesNaming(dir).some((found) => found.pid === pid)) continue
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone already.
    }
  }
})

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex")

/** Records the holders keeping processes in `dir` (each is ended after the test). */
const recordHolders = (dir: string): void => {
  for (const { holder, pid } of processesNaming(dir)) if (holder && !holders.includes(pid)) holders.push(pid)
}

const LINES = 400

/** Runs the built binary's command line to its end. */
const runCli = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [SERVER_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    children.push(child)
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

describe("--keep-processes through the command-line client and stdio", () => {
  it(`the CLI's exec across an upgrade (SIGUSR2) resumes by itself: its stdout exactly the ${LINES} lines, its status the command's 3, the old server exits 0`, async () => {
    const dir = Path.join(tempDir(), "state")
    const server = await startWebSocketServer(["--keep-processes", "--state-dir", dir, "--orphan-ttl-ms", "120000"])
    children.push(server.child)
    const script = `$| = 1; for my $i (1..${LINES}) { print "line-$i\\n"; select(undef, undef, undef, 0.005) } exit 3`
    // As a user runs it: the built CLI, stdout into a pipe (so pipes, not a terminal), stdin /dev/null.
    const cli = spawn(process.execPath, [SERVER_BIN, "exec", server.url, "--detach-ttl-ms", "60000", "--", "perl", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.push(cli)
    const cliExited = new Promise<number | null>((resolve) => cli.on("exit", (code) => resolve(code)))
    let stdout = ""
    let stderr = ""
    cli.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    const midway = new Promise<void>((resolve) =>
      cli.stdout.setEncoding("utf8").on("data", (text: string) => {
        stdout += text
        if (stdout.includes("line-40\n")) resolve()
      })
    )
    const stdoutEnded = new Promise<void>((resolve) => cli.stdout.on("end", resolve))
    await midway
    recordHolders(dir)

    process.kill(server.child.pid!, "SIGUSR2")
    // The old server exits once the new one serves.
    expect(await server.exited).toBe(0)
    const replacingServers = processesNaming(dir).filter((found) => !found.holder)
    expect(replacingServers).toHaveLength(1)
    replacing.push({ pid: replacingServers[0]!.pid, dir })

    const status = await cliExited
    await stdoutEnded
    const expected = Array.from({ length: LINES }, (_, i) => `line-${i + 1}\n`).join("")
    expect(stdout.length, stderr).toBe(expected.length)
    expect(sha256(stdout)).toBe(sha256(expected))
    expect(status, stderr).toBe(3)
    // It said what happened to the connection, and that it was resumed.
    expect(stderr).toMatch(/dropped \(.*1012/)
    expect(stderr).toMatch(/session \S+ resumed/)
  })

  it("`exec-server restart` upgrades the server in place: exit 0, the new pid on stdout; a process started before runs on there, and another restart finds the new server", async () => {
    const dir = Path.join(tempDir(), "state")
    const server = await startWebSocketServer(["--keep-processes", "--state-dir", dir, "--orphan-ttl-ms", "120000"])
    children.push(server.child)
    const client = await RawWebSocketClient.connect(server.url)
    sockets.push(client)
    const sessionId = (await client.request("initialize", { clientName: "keep-cli-test", detachTtlMs: 120_000 })).result.sessionId as string
    client.send({ method: "initialized", params: {} })
    await client.request("process/start", { processId: "cat", argv: ["cat"], cwd: "/", env, tty: false, pipeStdin: true })
    recordHolders(dir)
    const restart = () => runCli(["restart", "--state-dir", dir])

    const first = await restart()
    expect(first.code, first.stderr).toBe(0)
    expect(await server.exited).toBe(0)
    const newPid = Number(first.stdout.trim())
    replacing.push({ pid: newPid, dir })
    expect(first.stderr).toContain(`restarted: pid ${server.child.pid} → pid ${newPid}`)
    expect(processesNaming(dir).filter((found) => !found.holder).map((found) => found.pid)).toEqual([newPid])

    const resumed = await RawWebSocketClient.connect(server.url)
    sockets.push(resumed)
    expect((await resumed.requestUnchecked("initialize", { clientName: "keep-cli-test", resumeSessionId: sessionId })).error).toBeUndefined()
    resumed.send({ method: "initialized", params: {} })
    await resumed.request("process/write", { processId: "cat", chunk: Buffer.from("after\n").toString("base64") })
    await resumed.outputContains("cat", "after\n")

    const second = await restart()
    expect(second.code, second.stderr).toBe(0)
    replacing.push({ pid: Number(second.stdout.trim()), dir })
    expect(second.stderr).toContain(`restarted: pid ${newPid} → `)
  })

  it("`exec-server restart` with no such server says so and exits 1", async () => {
    const ran = await runCli(["restart", "--state-dir", Path.join(tempDir(), "none")])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/no server with --keep-processes .* runs with the state directory/)
  })

  it("a stdio server SIGKILLed after `a`: its session resumed on a new stdio server with the same state directory, `a\\nb\\n` whole, exit 4", async () => {
    const dir = Path.join(tempDir(), "state")
    const flags = ["--keep-processes", "--state-dir", dir]
    const first = await stdioServer(flags, { handshake: false })
    const initialized = await first.request("initialize", { clientName: "keep-cli-test" })
    first.send({ method: "initialized", params: {} })
    const sessionId = (initialized.result as { sessionId: string }).sessionId
    const started = await first.request("process/start", {
      processId: "ab",
      argv: ["sh", "-c", "echo a; sleep 2; echo b; exit 4"],
      cwd: "/",
      env,
      tty: false
    })
    expect(started.error).toBeUndefined()
    recordHolders(dir)
    await first.outputContains("ab", "a\n")
    const before = first.notifications.filter((n) => n.method === "process/output" && n.params.processId === "ab")
    before.forEach((n, index) => expect(n.params.seq).toBe(index + 1))
    const bytesBefore = Buffer.concat(before.map((n) => Buffer.from(n.params.chunk!, "base64")))
    expect(bytesBefore.toString()).toBe("a\n")
    first.kill()
    expect((await first.exited).signal).toBe("SIGKILL")

    // A stdio session asked no detach TTL: the adopting server keeps it for the orphan TTL.
    const second: StdioServer = await stdioServer(flags, { handshake: false })
    const resumed = await second.requestUnchecked("initialize", { clientName: "keep-cli-test", resumeSessionId: sessionId })
    expect(resumed.error).toBeUndefined()
    expect((resumed.result as { sessionId: string }).sessionId).toBe(sessionId)
    second.send({ method: "initialized", params: {} })
    const rest = await readToClose(second, "ab", before.length)
    expect(Buffer.concat([bytesBefore, rest.bytes]).toString()).toBe("a\nb\n")
    expect(rest.exitCode).toBe(4)
  })

  it("at rest: with processes running in two sessions, no file in the state directory holds either session id, each is 0600 (or a socket), the directory 0700", async () => {
    const dir = Path.join(tempDir(), "state")
    const server = await startWebSocketServer(["--keep-processes", "--state-dir", dir, "--orphan-ttl-ms", "120000"])
    children.push(server.child)
    const sessionIds: Array<string> = []
    for (const name of ["one", "two"]) {
      const client = await RawWebSocketClient.connect(server.url)
      sockets.push(client)
      const answer = await client.requestUnchecked("initialize", { clientName: `at-rest-${name}`, detachTtlMs: 120_000 })
      client.send({ method: "initialized", params: {} })
      sessionIds.push(answer.result.sessionId as string)
      for (const k of [1, 2]) {
        const processId = `${name}-${k}`
        const started = await client.request("process/start", {
          processId,
          // Output first, so that the seq index has entries.
          argv: ["sh", "-c", `echo ${processId} ready; exec sleep 600`],
          cwd: "/",
          env,
          tty: k === 2,
          ...(k === 2 ? { size: { rows: 24, cols: 80 } } : {})
        })
        expect(started.error).toBeUndefined()
        recordHolders(dir)
        await client.waitFor((m) =>
          m.method === "process/output" && m.params.processId === processId &&
          Buffer.from(m.params.chunk, "base64").toString().includes("ready")
        )
      }
    }
    expect(new Set(sessionIds).size).toBe(2)

    const files: Array<string> = []
    const walk = (at: string): void => {
      for (const entry of Fs.readdirSync(at, { withFileTypes: true })) {
        const path = Path.join(at, entry.name)
        if (entry.isDirectory()) walk(path)
        else files.push(path)
      }
    }
    walk(dir)
    expect(Fs.statSync(dir).mode & 0o777).toBe(0o700)
    // The records are there (a record and a seq index per process, naming its session by digest), and hold no id.
    const records = files.filter((path) => path.endsWith(".json"))
    expect(records).toHaveLength(4)
    expect(files.filter((path) => path.endsWith(".seq"))).toHaveLength(4)
    const keysRecorded = records.map((path) => (JSON.parse(Fs.readFileSync(path, "utf8")) as { sessionKey: string }).sessionKey).sort()
    const digests = sessionIds.map((id) => sha256(id))
    expect(keysRecorded).toEqual([digests[0]!, digests[0]!, digests[1]!, digests[1]!].sort())
    for (const path of files) {
      const stat = Fs.lstatSync(path)
      if (stat.isSocket()) continue
      expect(stat.isFile(), path).toBe(true)
      expect(stat.mode & 0o777, path).toBe(0o600)
      const bytes = Fs.readFileSync(path)
      for (const id of sessionIds) expect(bytes.includes(Buffer.from(id)), `${path} holds session id ${id}`).toBe(false)
    }
  })
})
