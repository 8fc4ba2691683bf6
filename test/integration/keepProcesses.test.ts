/**
 * `--keep-processes` on the built binary: every process is a holder's child
 * (exec-server-holder), so a server that is SIGKILLed leaves it running
 * until the orphan TTL, while a session's terminate and the end of a stdio
 * connection still end it. The state directory is refused unless it is the
 * server's user's own private directory. The ordinary lifecycle with the flag
 * is stdio.test.ts's, run with and without it; flow control (a client that
 * does not read) is shown on a WebSocket server in process.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { eventually, isAlive, pipeProcess, ptyProcess, runToExit, useStdioServers } from "../support/StdioServer.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { cgroupOf } from "../support/cgroups.js"
import { useTempDirs } from "../support/tempDirs.js"
import { WAIT_MS } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { useHolders } from "../support/holders.js"

const startServer = useStdioServers()
const startWebSocketServer = useInProcessWebSocketServers()
const tempDir = useTempDirs("keep-processes-")

/** Holders a test saw: a server killed by its harness (SIGKILL) leaves them, so each is ended (SIGTERM ends its child's group). */
const holders = useHolders()

/** A fresh state directory (the server makes it). */
const stateDir = () => Path.join(tempDir(), "state")

const keepFlags = (dir: string, orphanTtlMs = 60_000) => ["--keep-processes", "--state-dir", dir, "--orphan-ttl-ms", String(orphanTtlMs)]

/** A process's parent, from /proc. */
const parentOf = (pid: number): number => {
  const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
}

/** The holder of a child the server started (its parent), checked to be one. */
const holderOf = (pid: number): number => {
  const holder = parentOf(pid)
  expect(Fs.readFileSync(`/proc/${holder}/comm`, "utf8").trim()).toBe("exec-server-hol")
  holders.push(holder)
  return holder
}

const base64 = (text: string) => Buffer.from(text).toString("base64")

describe("--keep-processes", () => {
  it("runs each process as a holder's child, its socket in the state directory: output, stdin, resize, signals, exit codes", async () => {
    const dir = stateDir()
    const server = await startServer(keepFlags(dir))
    expect((Fs.lstatSync(dir).mode & 0o777).toString(8)).toBe("700")

    await server.request("process/start", pipeProcess("cat", ["sh", "-c", "echo pid:$$; cat"], { pipeStdin: true }))
    await server.outputContains("cat", "\n")
    const catPid = Number(/pid:(\d+)/.exec(server.outputOf("cat").toString())![1])
    holderOf(catPid)
    expect(Fs.readdirSync(dir).filter((name) => name.endsWith(".sock"))).toHaveLength(1)
    expect((await server.request("process/write", { processId: "cat", chunk: base64("hello\n") })).result).toMatchObject({ status: "accepted" })
    await server.outputContains("cat", "hello\n")
    expect((await server.request("process/closeStdin", { processId: "cat" })).result).toBeDefined()
    expect((await server.closed("cat")).params).toMatchObject({ processId: "cat" })
    expect(server.eventsOf("cat").at(-2)!.params).toMatchObject({ exitCode: 0, signal: null })

    const script = "stty size; read line; stty size; sleep 60"
    await server.request("process/start", ptyProcess("tty", ["sh", "-c", script], { size: { rows: 24, cols: 80 } }))
    await server.outputContains("tty", "24 80")
    await server.request("process/resize", { processId: "tty", rows: 30, cols: 100 })
    await server.request("process/write", { processId: "tty", chunk: base64("\n") })
    await server.outputContains("tty", "30 100")
    expect((await server.request("process/signal", { processId: "tty", signal: "SIGUSR1" })).result).toEqual({ delivered: true })
    await server.closed("tty")
    expect(server.eventsOf("tty").at(-2)!.params).toMatchObject({ exitCode: 128 + 10, signal: "SIGUSR1" })

    for (const [id, code] of [["one", 1], ["missing", 127]] as const) {
      await server.request("process/start", pipeProcess(id, ["sh", "-c", `exit ${code}`]))
      await server.closed(id)
      expect(server.eventsOf(id).at(-2)!.params).toMatchObject({ exitCode: code })
      expect((await server.request("process/read", { processId: id })).result).toMatchObject({ exited: true, exitCode: code, closed: true })
    }
    // Every holder exits once its process is done with: no socket is left.
    expect(await eventually(() => Fs.readdirSync(dir).length === 0, WAIT_MS)).toBe(true)
  })

  it("sends a kept process's output in chunks of at most 64 KiB, as the server's own children's (a holder's frame points at up to 1 MiB)", async () => {
    const server = await startServer(keepFlags(stateDir()))
    await server.request("process/start", pipeProcess("zeros", ["head", "-c", "4000000", "/dev/zero"]))
    await server.closed("zeros")
    const chunks = server.eventsOf("zeros").filter((n) => n.method === "process/output").map((n) => Buffer.from(n.params.chunk!, "base64"))
    expect(chunks.reduce((total, chunk) => total + chunk.byteLength, 0)).toBe(4_000_000)
    expect(Math.max(...chunks.map((chunk) => chunk.byteLength))).toBeLessThanOrEqual(64 * 1024)
  })

  it("pauses a kept process for a client that does not read: the child blocks", async () => {
    const server = await startWebSocketServer(keepFlags(stateDir()))
    const client = await RawWebSocketClient.connectReady(server.url)
    await client.request("process/start", pipeProcess("flood", ["sh", "-c", "exec cat /dev/zero"]))
    const pid = (await client.request("process/list", {})).result.processes[0].pid as number
    holderOf(pid)
    // Stop reading the socket: the server's queue to this client fills up and it pauses the process.
    ;(client.socket as unknown as { _socket: { pause: () => void } })._socket.pause()
    const written = () => Number(/^wchar: (\d+)$/m.exec(Fs.readFileSync(`/proc/${pid}/io`, "utf8"))![1])
    // Without flow control `cat /dev/zero` writes on for ever: here what it wrote stops growing (twenty polls in a row).
    let last = -1
    let still = 0
    expect(await eventually(() => {
      const now = written()
      still = now === last ? still + 1 : 0
      last = now
      return still >= 20
    }, WAIT_MS, 50)).toBe(true)
    expect(Fs.readFileSync(`/proc/${pid}/wchan`, "utf8")).toMatch(/pipe_write$/)
    expect(last).toBeLessThan(256 * 1024 * 1024)
  })

  it("reports a process whose holder is killed under the server as killed, and ends its group", async () => {
    const server = await startServer(keepFlags(stateDir()))
    await server.request("process/start", pipeProcess("p", ["sh", "-c", "echo $$; sleep 600"]))
    await server.outputContains("p", "\n")
    const pid = Number(server.outputOf("p").toString().trim())
    process.kill(holderOf(pid), "SIGKILL")
    await server.closed("p")
    expect(server.eventsOf("p").at(-2)!.params).toMatchObject({ exitCode: 128 + 9, signal: "SIGKILL" })
    expect(await eventually(() => !isAlive(pid), WAIT_MS)).toBe(true)
  })

  it("refuses a missing program and a missing cwd as the server's own children are refused", async () => {
    const server = await startServer(keepFlags(stateDir()))
    const program = await server.request("process/start", pipeProcess("p", ["/nonexistent/program"]))
    expect(program.error).toMatchObject({ code: -32603, data: { errno: "ENOENT", kind: "spawnNotFound" } })
    const cwd = await server.request("process/start", ptyProcess("c", ["true"], { cwd: "/nonexistent/dir" }))
    expect(cwd.error).toMatchObject({ code: -32603, data: { errno: "ENOENT", kind: "spawnNotFound" } })
  })

  it("keeps the state directory from sandboxed processes: their own holder's socket is not seen", async () => {
    const dir = stateDir()
    const server = await startServer([...keepFlags(dir), "--sandbox"])
    await server.request("process/start", pipeProcess("p", ["sh", "-c", `ls -a ${dir}; echo listed:$?`]))
    await server.closed("p")
    expect(server.outputOf("p", "stdout").toString()).toMatch(/listed:\d+\n$/)
    expect(server.outputOf("p").toString()).not.toContain("holder-")
    // It ran in the sandbox to its end.
    expect(server.eventsOf("p").at(-2)!.params).toMatchObject({ exitCode: 0 })
  })

  it("leaves a process running when the server is SIGKILLed; its holder ends its group when the orphan TTL passes", async () => {
    const dir = stateDir()
    const done = Path.join(tempDir(), "done")
    const server = await startServer(keepFlags(dir, 6_000))
    // A background job of the same group outlives the child: the holder's end must take it too.
    const script = `sleep 600 & echo $$ $!; sleep 1; echo finished > ${done}`
    await server.request("process/start", pipeProcess("p", ["sh", "-c", script]))
    await server.outputContains("p", "\n")
    const [child, job] = server.outputOf("p").toString().trim().split(" ").map(Number) as [number, number]
    const holder = holderOf(child)

    // The child is in its session's cgroup (by default), below the server's root group.
    const serverPid = server.child.pid!
    expect(cgroupOf(child, "freezer")).toContain(`/exec-server.${serverPid}.`)

    server.child.kill("SIGKILL")
    expect(await server.exited).toEqual({ code: null, signal: "SIGKILL" })
    expect(isAlive(child)).toBe(true)
    expect(isAlive(holder)).toBe(true)
    // Another server's first session removes the groups of servers that are gone, killing what is
    // left in them; those whose processes a holder keeps stay.
    // (The background job: the child itself ends after a second.)
    const other = await startServer([])
    await other.request("process/start", pipeProcess("other", ["true"]))
    await other.closed("other")
    expect(cgroupOf(job, "freezer")).toContain(`/exec-server.${serverPid}.`)
    expect(isAlive(job)).toBe(true)
    // The child runs to its end without a server.
    expect(await eventually(() => Fs.existsSync(done), WAIT_MS)).toBe(true)
    expect(Fs.readFileSync(done, "utf8")).toBe("finished\n")
    expect(isAlive(job)).toBe(true)
    // No server came: the holder ends the group and exits, removing its socket.
    expect(await eventually(() => !isAlive(holder), WAIT_MS)).toBe(true)
    expect(isAlive(job)).toBe(false)
    expect(Fs.readdirSync(dir)).toEqual([])
  })

  it("still ends processes and their holders on a session's terminate and at the end of the stdio connection", async () => {
    const server = await startServer(keepFlags(stateDir()))
    for (const id of ["terminated", "pipe"]) await server.request("process/start", pipeProcess(id, ["sh", "-c", "echo $$; sleep 600"]))
    await server.request("process/start", ptyProcess("pty", ["sh", "-c", "echo $$; sleep 600"]))
    const pids: Record<string, number> = {}
    for (const id of ["terminated", "pipe", "pty"]) {
      await server.outputContains(id, "\n")
      pids[id] = Number(server.outputOf(id).toString().trim())
    }
    const holdersOf = Object.fromEntries(Object.entries(pids).map(([id, pid]) => [id, holderOf(pid)]))

    expect((await server.request("process/terminate", { processId: "terminated" })).result).toEqual({ running: true })
    await server.closed("terminated")
    expect(await eventually(() => !isAlive(pids.terminated!) && !isAlive(holdersOf.terminated!), WAIT_MS)).toBe(true)
    expect(isAlive(pids.pipe!) && isAlive(pids.pty!)).toBe(true)

    expect(await server.close()).toEqual({ code: 0, signal: null })
    const left = [pids.pipe!, pids.pty!, holdersOf.pipe!, holdersOf.pty!]
    expect(await eventually(() => !left.some(isAlive), WAIT_MS)).toBe(true)
  })
})

describe("--state-dir", () => {
  const refusal = (args: ReadonlyArray<string>) => {
    const { status, stderr } = runToExit(args)
    return { status, stderr: stderr.trim() }
  }

  it("is refused (exit 2) when it is a symbolic link, another user's, or open to group or others", () => {
    const base = tempDir()
    const real = Path.join(base, "real")
    Fs.mkdirSync(real, { mode: 0o700 })
    const link = Path.join(base, "link")
    Fs.symlinkSync(real, link)
    expect(refusal(["--keep-processes", "--state-dir", link])).toEqual({
      status: 2,
      stderr: `exec-server: the state directory ${link} is a symbolic link`
    })

    const open = Path.join(base, "open")
    Fs.mkdirSync(open)
    Fs.chmodSync(open, 0o750)
    expect(refusal(["--keep-processes", "--state-dir", open])).toEqual({
      status: 2,
      stderr: `exec-server: the state directory ${open} is open to other users (mode 750; it must be 0700)`
    })

    const others = Path.join(base, "others")
    Fs.mkdirSync(others, { mode: 0o700 })
    Fs.chownSync(others, 65534, 65534)
    expect(refusal(["--keep-processes", "--state-dir", others])).toEqual({
      status: 2,
      stderr: `exec-server: the state directory ${others} belongs to another user (uid 65534)`
    })
  })

  it(", --orphan-ttl-ms and --on-exit are refused (exit 2) without --keep-processes, each named", () => {
    expect(refusal(["--state-dir", tempDir()])).toEqual({ status: 2, stderr: "exec-server: --state-dir needs --keep-processes" })
    expect(refusal(["--orphan-ttl-ms", "1000"])).toEqual({ status: 2, stderr: "exec-server: --orphan-ttl-ms needs --keep-processes" })
    expect(refusal(["--on-exit", "end-processes", "--state-dir", tempDir()])).toEqual({
      status: 2,
      stderr: "exec-server: --state-dir and --on-exit need --keep-processes"
    })
  })
})
