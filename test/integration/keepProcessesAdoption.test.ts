/**
 * `--keep-processes` across servers: a server SIGKILLed in the middle of a
 * stream leaves its processes to their holders, and the next server started
 * with the same state directory adopts them; the client resumes its session
 * there (`initialize {resumeSessionId}`) and reads on from its last `seq`:
 * every byte once, in order, numbered as before, then the exit.
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { readToClose, useKeptWebSocketServers } from "../support/keptProcesses.js"
import { useTempDirs } from "../support/tempDirs.js"
import type { RawWebSocketClient, RunningWebSocketServer } from "../support/WebSocketServer.js"
import { eventually } from "../support/StdioServer.js"
import { WAIT_MS } from "../support/waiting.js"

const tempDir = useTempDirs("keep-adoption-")
const { connect, recordHolders, start } = useKeptWebSocketServers("adoption-test")

/** SIGKILL, as a crash or the OOM killer would end it: nothing of the server's runs after it. */
const kill = async (server: RunningWebSocketServer): Promise<void> => {
  server.child.kill("SIGKILL")
  await server.exited
}

/**
 * A server on a fresh state directory and a detachable session there with
 * one process started (`start` over a pipe, in /, with this PATH); its holder
 * is ended after the test.
 */
const sessionWithProcess = async (
  processStart: { readonly processId: string; readonly argv: ReadonlyArray<string>; readonly [field: string]: unknown }
) => {
  const dir = Path.join(tempDir(), "state")
  const first = await start(dir)
  const { answer, client } = await connect(first, { detachTtlMs: 120_000 })
  const started = await client.request("process/start", {
    cwd: "/",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    tty: false,
    ...processStart
  })
  expect(started.error).toBeUndefined()
  recordHolders(dir)
  return { dir, first, client, sessionId: answer.result.sessionId as string }
}

/** The output notifications' bytes with their seqs, as the client received them. */
const received = (client: RawWebSocketClient, processId: string) =>
  client.messages
    .filter((m) => m.method === "process/output" && m.params.processId === processId)
    .map((m) => ({ seq: m.params.seq as number, bytes: Buffer.from(m.params.chunk, "base64") }))

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")
const SEQ_OUTPUT = execFileSync("seq", ["1", "1000000"], { maxBuffer: 64 * 1024 * 1024 })

describe("--keep-processes: a later server adopts the processes", () => {
  for (const { sandboxed, tty } of [{ tty: false, sandboxed: false }, { tty: true, sandboxed: false }, { tty: false, sandboxed: true }]) {
    it(`seq 1 1000000 through ${tty ? "a terminal" : "a pipe"}${sandboxed ? " in a sandbox" : ""}: the server SIGKILLed mid-stream, the session resumed on the next, sha256 equal, exit 0`, async () => {
      const workspace = tempDir()
      const dir = Path.join(tempDir(), "state")
      const first = await start(dir)
      const { answer, client } = await connect(first, { detachTtlMs: 120_000 })
      const sessionId = answer.result.sessionId as string
      // A terminal's output processing is off, so its bytes are seq's own.
      const argv = tty ? ["sh", "-c", "stty -opost; exec seq 1 1000000"] : ["seq", "1", "1000000"]
      const started = await client.request("process/start", {
        processId: "seq",
        argv,
        cwd: "/",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        tty,
        ...(tty ? { size: { rows: 24, cols: 80 } } : {}),
        ...(sandboxed ? { sandbox: { writableRoots: [workspace] } } : {})
      })
      expect(started.error).toBeUndefined()
      recordHolders(dir)
      // Mid-stream: once some output came, the client stops reading, so the server pauses the process.
      await client.waitFor((m) => m.method === "process/output" && m.params.seq >= 3)
      ;(client.socket as unknown as { _socket: { pause: () => void } })._socket.pause()
      const before = received(client, "seq")
      // Cut in the middle: the client had not all of it.
      expect(before.reduce((total, chunk) => total + chunk.bytes.length, 0)).toBeLessThan(SEQ_OUTPUT.length)
      await kill(first)

      const second = await start(dir)
      const resumed = await connect(second, { resumeSessionId: sessionId, detachTtlMs: 120_000 })
      expect(resumed.answer.error).toBeUndefined()
      expect(resumed.answer.result.sessionId).toBe(sessionId)
      // The seqs received, in order from 1; the rest is read from the last of them.
      before.forEach((chunk, index) => expect(chunk.seq).toBe(index + 1))
      const lastSeq = before.length
      const rest = await readToClose(resumed.client, "seq", lastSeq)
      const whole = Buffer.concat([...before.map((chunk) => chunk.bytes), rest.bytes])
      expect(whole.length).toBe(SEQ_OUTPUT.length)
      expect(sha256(whole)).toBe(sha256(SEQ_OUTPUT))
      expect(rest.exitCode).toBe(0)
    })
  }

  it("a detached `sh -c 'sleep 2; exit 3'` survives two restarts and reports 3", async () => {
    const { client, dir, first, sessionId } = await sessionWithProcess({
      processId: "sleeper",
      argv: ["sh", "-c", "echo started; sleep 2; echo done; exit 3"]
    })
    await client.outputContains("sleeper", "started\n")
    // Detached: the client is gone, then so is the server.
    client.socket.terminate()
    await kill(first)

    const second = await start(dir)
    expect(await eventually(() => /session adopted/.test(second.stderr()), WAIT_MS)).toBe(true)
    await kill(second)

    const third = await start(dir)
    const resumed = await connect(third, { resumeSessionId: sessionId })
    expect(resumed.answer.error).toBeUndefined()
    const rest = await readToClose(resumed.client, "sleeper", 0)
    expect(rest.bytes.toString()).toBe("started\ndone\n")
    expect(rest.exitCode).toBe(3)
  })

  it("an adopted process is the new server's to signal, write to and terminate", async () => {
    const { dir, first, sessionId } = await sessionWithProcess({
      processId: "cat",
      // A trapped signal interrupts `read`: the loop goes on.
      argv: ["sh", "-c", "trap 'echo got USR1' USR1; while :; do read line && echo \"read $line\"; done"],
      pipeStdin: true
    })
    await kill(first)
    const second = await start(dir)
    const resumed = await connect(second, { resumeSessionId: sessionId })
    expect(resumed.answer.error).toBeUndefined()
    const write = await resumed.client.request("process/write", { processId: "cat", chunk: Buffer.from("one\n").toString("base64") })
    expect(write.result).toMatchObject({ status: "accepted" })
    await resumed.client.outputContains("cat", "read one\n")
    expect((await resumed.client.request("process/signal", { processId: "cat", signal: "SIGUSR1" })).result).toEqual({ delivered: true })
    await resumed.client.outputContains("cat", "got USR1\n")
    expect((await resumed.client.request("process/terminate", { processId: "cat" })).result).toEqual({ running: true })
    const rest = await readToClose(resumed.client, "cat", 0)
    expect(rest.exitCode).toBe(143)
  })

  it("an adopted sandboxed process is signalled in its command's group, as before: its TERM trap runs and it exits 7", async () => {
    const { client, dir, first, sessionId } = await sessionWithProcess({
      processId: "trapper",
      argv: ["sh", "-c", "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done"],
      sandbox: { writableRoots: [tempDir()] }
    })
    await client.outputContains("trapper", "ready\n")
    await kill(first)
    const second = await start(dir)
    const resumed = await connect(second, { resumeSessionId: sessionId })
    expect(resumed.answer.error).toBeUndefined()
    expect((await resumed.client.request("process/signal", { processId: "trapper", signal: "SIGTERM" })).result).toEqual({ delivered: true })
    const rest = await readToClose(resumed.client, "trapper", 0)
    // The group's `sleep` is signalled too, and sh may say so.
    expect(rest.bytes.toString().split("\n").filter((line) => line !== "Terminated")).toEqual(["ready", "got TERM", ""])
    expect(rest.exitCode).toBe(7)
  })

  it("a server started beside a running one with the same state directory leaves that one's processes alone", async () => {
    const dir = Path.join(tempDir(), "state")
    const first = await start(dir)
    const { client } = await connect(first, { detachTtlMs: 120_000 })
    await client.request("process/start", {
      processId: "ticker",
      argv: ["sh", "-c", "while :; do echo tick; sleep 0.05; done"],
      cwd: "/",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      tty: false
    })
    recordHolders(dir)
    await client.outputContains("ticker", "tick\n")
    // Adoption is done before a server listens: once the second one listens, it has taken nothing.
    const second = await start(dir)
    expect(second.stderr()).not.toMatch(/session adopted/)
    const seen = received(client, "ticker").length
    await client.waitFor((m) => m.method === "process/output" && m.params.processId === "ticker" && m.params.seq > seen)
    expect((await client.request("process/terminate", { processId: "ticker" })).result).toEqual({ running: true })
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "ticker")
    expect(client.messages.find((m) => m.method === "process/exited" && m.params.processId === "ticker").params.exitCode).toBe(143)
  })

  it("a session that is not resumed ends with its detach TTL on the adopting server, and its holders with it", async () => {
    const dir = Path.join(tempDir(), "state")
    const first = await start(dir)
    const { client } = await connect(first, { detachTtlMs: 2000 })
    await client.request("process/start", {
      processId: "long",
      argv: ["sleep", "600"],
      cwd: "/",
      env: {},
      tty: false
    })
    recordHolders(dir)
    const pid = (await client.request("process/list", {})).result.processes[0].pid as number
    await kill(first)
    const second = await start(dir)
    expect(await eventually(() => /session adopted/.test(second.stderr()), WAIT_MS)).toBe(true)
    // Nobody resumes it: the adopting server ends it after its TTL, process and holder, socket and records;
    // what is left is the running server's own file (`exec-server restart` finds it by it).
    expect(await eventually(() => !Fs.existsSync(`/proc/${pid}`), WAIT_MS)).toBe(true)
    const left = () => Fs.readdirSync(dir).join(" ")
    expect(await eventually(() => left() === `exec-server-${second.child.pid}.server`, WAIT_MS), left()).toBe(true)
  })
})
