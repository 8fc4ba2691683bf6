/**
 * The server over stdio, driven as a client drives it: real processes, real
 * PTYs, real pipes, on a server in process (what only the binary's own
 * process shows, its flags' output, exit codes and signals, is
 * stdioProcess.test.ts).
 */
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useInProcessServers } from "../support/InProcessServer.js"
import { eventually, isAlive } from "../support/waiting.js"
import { pipeProcess, ptyProcess } from "../support/WireClient.js"

const base64 = (text: string) => Buffer.from(text).toString("base64")

const startInProcessServer = useInProcessServers()

let workDir: string
beforeAll(() => {
  workDir = mkdtempSync(Path.join(tmpdir(), "exec-server-test-"))
})
afterAll(() => rmSync(workDir, { recursive: true, force: true }))

// The same lifecycle with the server's own children and with children kept by holders.
describe.each([
  { spawner: "the server's children", keep: false },
  { spawner: "children kept by holders (--keep-processes)", keep: true }
])("processes over stdio: $spawner", ({ keep }) => {
  const startServer = (args: ReadonlyArray<string> = []) =>
    startInProcessServer(keep ? ["--keep-processes", "--state-dir", Path.join(workDir, "state"), ...args] : args, { handshake: false })

  it("runs the seed README's PTY echo session", async () => {
    const server = await startServer()
    await server.handshake()
    const script = "printf 'ready\\n'; while IFS= read -r line; do printf 'echo:%s\\n' \"$line\"; done"
    const started = await server.request("process/start", ptyProcess("proc-1", ["bash", "-c", script], { arg0: null }))
    expect(started.result).toEqual({ processId: "proc-1", sandboxType: "none" })
    await server.outputContains("proc-1", "ready")
    const written = await server.request("process/write", { processId: "proc-1", chunk: base64("hello\n") })
    expect(written.result).toEqual({ accepted: true, status: "accepted" })
    await server.outputContains("proc-1", "echo:hello")
    const terminated = await server.request("process/terminate", { processId: "proc-1" })
    expect(terminated.result).toEqual({ running: true })
    const exited = await server.waitFor((m) => m.method === "process/exited")
    expect(exited.params).toMatchObject({ processId: "proc-1", exitCode: 143, signal: "SIGTERM" })
    await server.closed("proc-1")
  })

  it("keeps stdout and stderr apart and reports the exit code, in seq order, then closed", async () => {
    const server = await startServer()
    await server.handshake()
    await server.request("process/start", pipeProcess("p", ["bash", "-c", "echo out; echo err >&2; exit 3"]))
    await server.closed("p")
    expect(server.outputOf("p", "stdout").toString()).toBe("out\n")
    expect(server.outputOf("p", "stderr").toString()).toBe("err\n")
    const events = server.eventsOf("p")
    expect(events.map((e) => e.params.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.slice(-2).map((e) => e.method)).toEqual(["process/exited", "process/closed"])
    expect(events.at(-2)!.params).toMatchObject({ exitCode: 3, signal: null })
    const read = await server.request("process/read", { processId: "p" })
    expect(read.result).toMatchObject({ exited: true, exitCode: 3, closed: true, failure: null, truncated: false })
    expect(read.result.nextSeq).toBe(events.length + 1)
  })

  it("answers every error code and keeps the connection, the server and other processes up", async () => {
    const server = await startServer(["--max-message-bytes", "4096"])
    const early = await server.request("process/start", pipeProcess("x", ["true"]))
    expect(early.error).toMatchObject({
      code: -32600,
      message: "client must call initialize before using exec methods",
      data: { reason: "notInitialized" }
    })
    await server.handshake()
    await server.request("process/start", pipeProcess("survivor", ["sleep", "30"]))

    server.sendLine("this is not json")
    expect((await server.waitFor((m) => m.error?.code === -32700)).id).toBeNull()
    server.send({ id: "big", method: "process/list", params: { pad: "x".repeat(5000) } })
    const oversized = (await server.waitFor((m) => m.error?.code === -32600 && m.id === null)).error
    expect(oversized.message).toContain("4096")
    expect(oversized.data).toEqual({ bytes: expect.any(Number), limit: 4096, reason: "messageTooLarge" })
    expect((await server.request("process/nope", {})).error?.code).toBe(-32601)
    expect((await server.request("process/start", pipeProcess("y", []))).error?.code).toBe(-32602)
    expect((await server.request("process/start", pipeProcess("y", ["true"], { cwd: "tmp" }))).error?.code)
      .toBe(-32602)
    expect((await server.request("process/write", { processId: "survivor", chunk: "!!" })).error?.code)
      .toBe(-32602)
    // A union's tag that cannot be read as a string (its toString is no function) is refused too, naming the field; the connection kept.
    const unreadableTag = { type: { toString: 0 }, file_system: { type: "unrestricted" }, network: "restricted" }
    expect((await server.request("fs/writeFile", { path: "/tmp/x", dataBase64: "", sandbox: { permissions: unreadableTag } })).error)
      .toMatchObject({ code: -32602, message: expect.stringContaining("sandbox.permissions") })
    // (ours) data.reason, so that a client need not match messages.
    expect((await server.request("process/start", pipeProcess("survivor", ["true"]))).error)
      .toMatchObject({ code: -32600, data: { reason: "processIdInUse" } })
    expect((await server.request("process/read", { processId: "ghost" })).error)
      .toMatchObject({ code: -32600, data: { reason: "unknownProcess" } })
    expect((await server.request("process/resize", { processId: "survivor", rows: 5, cols: 20 })).error)
      .toMatchObject({ code: -32600, data: { reason: "notATerminal" } })
    const missingBinary = await server.request("process/start", pipeProcess("m", ["no-such-binary-xyz"]))
    const missingProgram = { errno: "ENOENT", missing: "program", path: "no-such-binary-xyz" }
    expect(missingBinary.error).toMatchObject({ code: -32603, data: missingProgram })
    const missingPtyBinary = await server.request("process/start", ptyProcess("m2", ["no-such-binary-xyz"]))
    expect(missingPtyBinary.error).toMatchObject({ code: -32603, data: missingProgram })
    const missingCwd = await server.request("process/start", pipeProcess("c", ["true"], { cwd: "/no/such/dir" }))
    expect(missingCwd.error).toMatchObject({ code: -32603, data: { errno: "ENOENT", missing: "cwd", path: "/no/such/dir" } })
    const missingPtyCwd = await server.request("process/start", ptyProcess("c2", ["true"], { cwd: "/no/such/dir" }))
    expect(missingPtyCwd.error).toMatchObject({ code: -32603, data: { errno: "ENOENT", missing: "cwd", path: "/no/such/dir" } })

    const list = await server.request("process/list", {})
    expect(list.result.processes.map((p: { processId: string; running: boolean }) => [p.processId, p.running]))
      .toEqual([["survivor", true]])
    expect(server.isRunning).toBe(true)
  })

  it("accepts cwd as a file:// URI and gives the child exactly the requested environment", async () => {
    const server = await startServer()
    await server.handshake()
    const env = { PATH: "/usr/bin:/bin", ONLY_THIS: "value with spaces", EMPTY: "" }
    await server.request("process/start", pipeProcess("env", ["env"], { env, cwd: `file://${workDir}` }))
    await server.request("process/start", pipeProcess("pwd", ["pwd"], { cwd: `file://${workDir}` }))
    await server.closed("env")
    await server.closed("pwd")
    const lines = server.outputOf("env").toString().trim().split("\n").sort()
    expect(lines).toEqual(["EMPTY=", "ONLY_THIS=value with spaces", "PATH=/usr/bin:/bin"])
    expect(server.outputOf("pwd").toString().trim()).toBe(workDir)
  })

  it("gives a pipe process arg0 as its argv[0] and stdin from /dev/null unless pipeStdin", async () => {
    const server = await startServer()
    await server.handshake()
    await server.request("process/start", pipeProcess("a0", ["bash", "-c", "echo $0"], { arg0: "custom-name" }))
    await server.request("process/start", pipeProcess("null", ["cat"]))
    await server.request("process/start", ptyProcess("pty-a0", ["bash", "-c", "echo $0"], { arg0: "pty-name" }))
    await Promise.all([server.closed("a0"), server.closed("null"), server.closed("pty-a0")])
    expect(server.outputOf("a0").toString()).toBe("custom-name\n")
    expect(server.outputOf("null").length).toBe(0)
    expect(server.outputOf("pty-a0").toString()).toContain("pty-name")
  })

  it("returns a long-poll read as soon as output arrives", async () => {
    const server = await startServer()
    await server.handshake()
    await server.request("process/start", pipeProcess("slow", ["bash", "-c", "sleep 0.3; echo late; sleep 30"]))
    const startedAt = Date.now()
    const read = await server.request("process/read", { processId: "slow", afterSeq: 0, waitMs: 20_000 })
    const elapsed = Date.now() - startedAt
    expect(Buffer.from(read.result.chunks[0].chunk, "base64").toString()).toBe("late\n")
    expect(elapsed).toBeLessThan(10_000)
    // Nothing newer: a short long-poll times out with no chunks.
    const empty = await server.request("process/read", { processId: "slow", afterSeq: read.result.nextSeq - 1, waitMs: 50 })
    expect(empty.result.chunks).toEqual([])
    expect(empty.result.exited).toBe(false)
  })

  it("delivers 8 MiB of random bytes byte-exact, in notifications and in retained reads", async () => {
    const file = Path.join(workDir, "random.bin")
    const data = randomBytes(8 * 1024 * 1024)
    writeFileSync(file, data)
    const server = await startServer(["--retained-output-bytes", String(16 * 1024 * 1024)])
    await server.handshake()
    await server.request("process/start", pipeProcess("cat", ["cat", file]))
    await server.closed("cat", 60_000)
    const received = server.outputOf("cat", "stdout")
    expect(received.length).toBe(data.length)
    expect(createHash("sha256").update(received).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"))
    const chunks: Array<Buffer> = []
    let afterSeq = 0
    while (true) {
      const read = await server.request("process/read", { processId: "cat", afterSeq, maxBytes: 1024 * 1024 })
      chunks.push(...read.result.chunks.map((c: { chunk: string }) => Buffer.from(c.chunk, "base64")))
      if (read.result.chunks.length === 0) break
      afterSeq = read.result.chunks.at(-1).seq
    }
    expect(Buffer.concat(chunks).equals(data)).toBe(true)
  })

  it("loses nothing of a PTY process that writes 200 KB and exits at once", async () => {
    const server = await startServer()
    await server.handshake()
    const script = "head -c 200000 /dev/zero | tr '\\0' x; printf END"
    for (let run = 0; run < 5; run++) {
      const id = `burst-${run}`
      await server.request("process/start", ptyProcess(id, ["bash", "-c", script]))
      await server.closed(id)
      const output = server.outputOf(id, "pty").toString()
      expect(output.split("x").length - 1).toBe(200_000)
      expect(output.endsWith("END")).toBe(true)
      const events = server.eventsOf(id)
      expect(events.at(-2)!.method).toBe("process/exited")
      expect(events.map((e) => e.params.seq)).toEqual(events.map((_, i) => i + 1))
    }
  })

  it("keeps the output of 64 concurrent processes apart", async () => {
    const server = await startServer()
    await server.handshake()
    const ids = Array.from({ length: 64 }, (_, i) => `c${i}`)
    await Promise.all(ids.map((id) =>
      server.request("process/start", pipeProcess(id, ["bash", "-c", `for i in $(seq 200); do echo ${id}; done`]))
    ))
    await Promise.all(ids.map((id) => server.closed(id, 60_000)))
    for (const id of ids) {
      const lines = server.outputOf(id, "stdout").toString().trim().split("\n")
      expect(lines).toHaveLength(200)
      expect(new Set(lines)).toEqual(new Set([id]))
      const events = server.eventsOf(id)
      expect(events.map((e) => e.params.seq)).toEqual(events.map((_, i) => i + 1))
    }
  })

  it("terminate kills the whole process group, SIGKILL after the grace period when SIGTERM is ignored", async () => {
    const server = await startServer()
    await server.handshake()
    await server.request("process/start", pipeProcess("group", ["bash", "-c", "sleep 60 & echo $!; wait"]))
    await server.outputContains("group", "\n")
    const grandchild = Number(server.outputOf("group").toString().trim())
    expect(isAlive(grandchild)).toBe(true)
    await server.request("process/start", pipeProcess("stubborn", ["bash", "-c", "trap '' TERM; echo armed; sleep 60 & wait"]))
    await server.outputContains("stubborn", "armed")

    expect((await server.request("process/terminate", { processId: "group" })).result).toEqual({ running: true })
    await server.closed("group")
    expect(await eventually(() => !isAlive(grandchild))).toBe(true)

    expect((await server.request("process/terminate", { processId: "stubborn", graceMs: 200 })).result)
      .toEqual({ running: true })
    const exited = await server.waitFor((m) => m.method === "process/exited" && m.params.processId === "stubborn")
    expect(exited.params).toMatchObject({ exitCode: 137, signal: "SIGKILL" })
  })

  it("terminates every process (pipe, PTY and a PTY's background grandchild) when stdin closes, then exits 0", async () => {
    const server = await startServer()
    await server.handshake()
    await server.request("process/start", pipeProcess("pipe", ["bash", "-c", "echo $$; sleep 60"]))
    await server.request("process/start", ptyProcess("pty", ["bash", "-c", "sleep 60 & echo bg:$!; sleep 60"]))
    await server.outputContains("pipe", "\n")
    await server.outputContains("pty", "\n")
    const pipePid = Number(server.outputOf("pipe").toString().trim())
    const backgroundPid = Number(/bg:(\d+)/.exec(server.outputOf("pty").toString())![1])
    const list = await server.request("process/list", {})
    const ptyPid = list.result.processes.find((p: { processId: string }) => p.processId === "pty").pid
    expect([pipePid, backgroundPid, ptyPid].every(isAlive)).toBe(true)

    const exit = await server.close()
    expect(exit).toEqual({ code: 0, signal: null })
    expect(await eventually(() => ![pipePid, backgroundPid, ptyPid].some(isAlive))).toBe(true)
  })
})
