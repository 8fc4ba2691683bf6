/**
 * `--keep-processes` and the server's own end (`--on-exit`): SIGTERM to a
 * WebSocket server leaves its processes to their holders by default, and
 * the next server adopts them; `--on-exit=end-processes`, and a stdio
 * server by default, end them as without the flag.
 */
import { execFile, execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { processesNaming, readToClose, useKeptWebSocketServers } from "../support/keptProcesses.js"
import { useTempDirs } from "../support/tempDirs.js"
import { eventually, pipeProcess, serverArgs, useStdioServers } from "../support/StdioServer.js"
import { WAIT_MS } from "../support/waiting.js"

const tempDir = useTempDirs("keep-exit-")
const startStdioServer = useStdioServers()
const { connect, recordHolders: holdersIn, start } = useKeptWebSocketServers("keep-exit-test")

/** The flags of a kept server on `dir`, for a stdio one. */
const keepFlags = (dir: string, ...more: ReadonlyArray<string>) => ["--keep-processes", "--state-dir", dir, "--orphan-ttl-ms", "120000", ...more]

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")
const SEQ_OUTPUT = execFileSync("seq", ["1", "1000000"], { maxBuffer: 64 * 1024 * 1024 })
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

describe("--keep-processes: the server's own end (--on-exit)", () => {
  it("SIGTERM to a WebSocket server leaves its processes (the default): it exits 0, the next server adopts them, seq 1 1000000 whole, exit 0", async () => {
    const dir = Path.join(tempDir(), "state")
    const first = await start(dir)
    const { answer, client } = await connect(first, { detachTtlMs: 120_000 })
    const sessionId = answer.result.sessionId as string
    expect((await client.request("process/start", { processId: "seq", argv: ["seq", "1", "1000000"], cwd: "/", env, tty: false })).error)
      .toBeUndefined()
    const [holder] = holdersIn(dir)
    await client.waitFor((m) => m.method === "process/output" && m.params.seq >= 3)
    // The client stops reading: the process is paused with most of its output unread.
    ;(client.socket as unknown as { _socket: { pause: () => void } })._socket.pause()
    first.child.kill("SIGTERM")
    expect(await first.exited).toBe(0)
    expect(first.stderr()).toMatch(/processes left to their holders/)
    // Still running, held: the server's end ended nothing.
    expect(processesNaming(dir).some((p) => p.pid === holder)).toBe(true)
    const before = client.messages
      .filter((m) => m.method === "process/output" && m.params.processId === "seq")
      .map((m) => ({ seq: m.params.seq as number, bytes: Buffer.from(m.params.chunk, "base64") }))
    before.forEach((chunk, index) => expect(chunk.seq).toBe(index + 1))
    expect(before.reduce((total, chunk) => total + chunk.bytes.length, 0)).toBeLessThan(SEQ_OUTPUT.length)

    const second = await start(dir)
    const resumed = await connect(second, { resumeSessionId: sessionId, detachTtlMs: 120_000 })
    expect(resumed.answer.error).toBeUndefined()
    const rest = await readToClose(resumed.client, "seq", before.length)
    const whole = Buffer.concat([...before.map((chunk) => chunk.bytes), rest.bytes])
    expect(sha256(whole)).toBe(sha256(SEQ_OUTPUT))
    expect(rest.exitCode).toBe(0)
  })

  it("a detached session survives the server's SIGINT too, and its process reports its own exit on the next server", async () => {
    const dir = Path.join(tempDir(), "state")
    const first = await start(dir)
    const { answer, client } = await connect(first, { detachTtlMs: 120_000 })
    const sessionId = answer.result.sessionId as string
    await client.request("process/start", {
      processId: "sleeper",
      argv: ["sh", "-c", "echo started; read line; echo \"got $line\"; exit 3"],
      cwd: "/",
      env,
      tty: false,
      pipeStdin: true
    })
    holdersIn(dir)
    await client.outputContains("sleeper", "started\n")
    client.socket.terminate()
    first.child.kill("SIGINT")
    expect(await first.exited).toBe(0)

    const second = await start(dir)
    const resumed = await connect(second, { resumeSessionId: sessionId })
    expect(resumed.answer.error).toBeUndefined()
    await resumed.client.request("process/write", { processId: "sleeper", chunk: Buffer.from("on\n").toString("base64") })
    const rest = await readToClose(resumed.client, "sleeper", 0)
    expect(rest.bytes.toString()).toBe("started\ngot on\n")
    expect(rest.exitCode).toBe(3)
  })

  it("--on-exit=end-processes: SIGTERM ends them as without --keep-processes (143), and no holder or record is left", async () => {
    const dir = Path.join(tempDir(), "state")
    const first = await start(dir, "--on-exit", "end-processes")
    const { client } = await connect(first, { detachTtlMs: 120_000 })
    await client.request("process/start", { processId: "long", argv: ["sleep", "600"], cwd: "/", env, tty: false })
    expect(holdersIn(dir)).toHaveLength(1)
    first.child.kill("SIGTERM")
    expect(await first.exited).toBe(0)
    expect(first.stderr()).toMatch(/"process closed" processId=long .*exitCode=143 signal=SIGTERM/)
    expect(first.stderr()).not.toMatch(/processes left to their holders/)
    expect(await eventually(() => processesNaming(dir).length === 0, WAIT_MS)).toBe(true)
    expect(Fs.readdirSync(dir)).toEqual([])
  })

  it("a stdio server ends its processes on SIGTERM by default: its end is its client's", async () => {
    const dir = Path.join(tempDir(), "state")
    const server = await startStdioServer(keepFlags(dir))
    await server.request("process/start", pipeProcess("long", ["sleep", "600"]))
    expect(holdersIn(dir)).toHaveLength(1)
    server.child.kill("SIGTERM")
    await server.closed("long")
    expect(server.eventsOf("long").at(-2)!.params).toMatchObject({ exitCode: 143 })
    expect(await eventually(() => processesNaming(dir).length === 0, WAIT_MS)).toBe(true)
    expect(Fs.readdirSync(dir)).toEqual([])
  })

  it("a stdio server with --on-exit=keep-processes leaves them on SIGTERM: the next stdio server resumes the session, `a\\nb\\n` whole, exit 4", async () => {
    const dir = Path.join(tempDir(), "state")
    const flags = [...keepFlags(dir), "--on-exit", "keep-processes"]
    const first = await startStdioServer(flags, { handshake: false })
    const sessionId = ((await first.request("initialize", { clientName: "keep-exit-test" })).result as { sessionId: string }).sessionId
    first.send({ method: "initialized", params: {} })
    await first.request("process/start", pipeProcess("ab", ["sh", "-c", "echo a; read line; echo b; exit 4"], { pipeStdin: true }))
    expect(holdersIn(dir)).toHaveLength(1)
    await first.outputContains("ab", "a\n")
    const seen = first.notifications.filter((n) => n.method === "process/output" && n.params.processId === "ab").length
    first.child.kill("SIGTERM")
    expect(await first.exited).toEqual({ code: 0, signal: null })
    expect(first.stderr).toMatch(/processes left to their holders/)

    const second = await startStdioServer(flags, { handshake: false })
    const resumed = await second.requestUnchecked("initialize", { clientName: "keep-exit-test", resumeSessionId: sessionId })
    expect(resumed.error).toBeUndefined()
    second.send({ method: "initialized", params: {} })
    await second.request("process/write", { processId: "ab", chunk: Buffer.from("go\n").toString("base64") })
    const rest = await readToClose(second, "ab", seen)
    expect(rest.bytes.toString()).toBe("b\n")
    expect(rest.exitCode).toBe(4)
  })

  it("--on-exit without --keep-processes is a usage error (exit 2)", async () => {
    const ran = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, serverArgs("--listen", "ws://127.0.0.1:0", "--on-exit", "keep-processes"), (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code), stderr }))
    )
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain("exec-server: --on-exit needs --keep-processes")
  })
})
