/**
 * Faults and long runs that only the binary's own process shows: what it
 * keeps of a stdin backlog, its descriptors and zombie
 * children after 1,000 processes, a client gone from its stdio pipes, no
 * orphans once it is killed with SIGKILL; and the backlogs' bound reached
 * through stdio's pipe, which paces the 64-192 writes of a test (in
 * process, in-memory stdio hands the server all of them at once, and the
 * 64 MiB bound on bytes in flight answers some before the backlog's does).
 * An in-process server's pid, descriptors, memory and children are the
 * test's (robustness.test.ts has the rest). And a WebSocket server whose
 * logs cannot be written (its stderr a pipe closed under it, a full device),
 * or with few descriptors left when it starts its first process.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { INSPECTED, keptBytes } from "../support/inspector.js"
import { eventually, isAlive, pipeProcess, ptyProcess, serverArgs, useStdioServers } from "../support/StdioServer.js"
import { boundUrlOnStdout, RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const startServer = useStdioServers()
const startWebSocketServer = useWebSocketServers()

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length
/** The child processes of `pid`. */
const childrenOf = (pid: number) =>
  readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number).filter((entry) => {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid
    } catch {
      return false
    }
  })
/** Children of `pid` that are zombies (exited, never reaped). */
const zombieChildren = (pid: number) =>
  childrenOf(pid).filter((child) => {
    try {
      const stat = readFileSync(`/proc/${child}/stat`, "utf8")
      return stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z"
    } catch {
      return false
    }
  })
const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8")
  } catch {
    return ""
  }
}

describe("robustness", () => {
  it("bounds what a process has not read of its stdin: writes beyond 16 MiB are answered -32001 at once, the server stays small, and the process gets every accepted byte", async () => {
    const server = await startServer([], { env: INSPECTED })
    const go = Path.join(mkdtempSync(Path.join(tmpdir(), "stdin-backlog-")), "go")
    // Reads nothing until told to, then counts what it was sent.
    await server.request("process/start", {
      ...pipeProcess("sink", ["sh", "-c", `while [ ! -e ${go} ]; do sleep 0.05; done; exec wc -c`]),
      pipeStdin: true
    })
    const before = await keptBytes(server.stderr)
    const chunk = Buffer.alloc(1024 * 1024, "x").toString("base64")
    // 192 MiB of writes at once to a process that reads none of it: 12-21 s in all with the suite and two
    // busy loops beside it, where the last ones outwaited the 15 s a request waits by default.
    const answers = await Promise.all(Array.from({ length: 192 }, (_, i) =>
      server.request("process/write", { processId: "sink", chunk, writeId: `bulk-${i}` }, 60_000)))
    const accepted = answers.filter((answer) => answer.result?.status === "accepted").length
    const refused = answers.filter((answer) => answer.error?.data?.limit === "stdinBacklog")
    expect(refused[0]?.error).toMatchObject({ code: -32001, data: { retryable: true, limit: "stdinBacklog" } })
    expect(accepted + refused.length).toBe(192)
    // The backlog's 16 MiB, the write that found it just under, and what the pipe took.
    expect(accepted).toBeLessThanOrEqual(18)
    // What it keeps, after a full collection: without the bound, all of it (+326 MiB of RSS for 256
    // such writes); with it, the backlog's 16 MiB (15 measured). Its resident size held the refused
    // messages' text too, garbage not yet collected: 52 to 176 MiB, by the machine's load.
    const kept = await keptBytes(server.stderr) - before
    expect(kept).toBeLessThan(24 * 1024 * 1024)
    // A refused write's id is not remembered: once the process reads, its retry is written.
    writeFileSync(go, "")
    // As a client does with a retryable -32001: again, a little later, until it is taken.
    const writeId = `bulk-${answers.findIndex((answer) => answer.error !== undefined)}`
    let retried = await server.request("process/write", { processId: "sink", chunk, writeId })
    for (let attempt = 0; retried.error?.data?.limit === "stdinBacklog" && attempt < 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      retried = await server.request("process/write", { processId: "sink", chunk, writeId })
    }
    expect(retried.result?.status).toBe("accepted")
    await server.request("process/closeStdin", { processId: "sink" })
    await server.closed("sink")
    const counted = Buffer.concat(server.messages
      .filter((m) => m.method === "process/output" && m.params.processId === "sink")
      .map((m) => Buffer.from(m.params.chunk, "base64"))).toString().trim()
    expect(Number(counted)).toBe((accepted + 1) * 1024 * 1024)
  }, 120_000)

  it("bounds what a terminal process has not read too: writes beyond 16 MiB to a PTY that nobody reads are answered -32001", async () => {
    const server = await startServer([], { env: INSPECTED })
    // Raw and without echo, a terminal's input buffer fills after a few KiB when
    // nobody reads it. (In canonical mode the kernel takes on past a full line,
    // dropping what overflows and echoing as fast as the server reads: how much
    // it took in the test's time varied with the machine's load, 21 MiB once.)
    await server.request("process/start", ptyProcess("still", ["sh", "-c", "stty raw -echo && echo ready && exec sleep 30"]))
    await server.outputContains("still", "ready")
    const before = await keptBytes(server.stderr)
    const chunk = Buffer.alloc(1024 * 1024, "z").toString("base64")
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) =>
      // 85 MiB of request JSON: a loaded machine's server takes minutes over it, each answer awaited as long.
      server.request("process/write", { processId: "still", chunk, writeId: `tty-${i}` }, 240_000)))
    const accepted = answers.filter((answer) => answer.result?.status === "accepted").length
    const refused = answers.filter((answer) => answer.error?.data?.limit === "stdinBacklog").length
    const others = answers.filter((answer) => answer.result?.status !== "accepted" && answer.error?.data?.limit !== "stdinBacklog")
    expect(accepted + refused, JSON.stringify(others.slice(0, 3))).toBe(64)
    // The backlog's 16 MiB, the write that found it just under, and what the terminal took
    // (16 accepted in every run): a server that kept every write would accept all 64.
    expect(accepted).toBeLessThanOrEqual(18)
    // And keeps no more, after a full collection (its resident size held the garbage of the
    // 85 MiB of request JSON too, 54-100 MiB, as large as what keeping the writes would add).
    const kept = await keptBytes(server.stderr) - before
    expect(kept).toBeLessThan(24 * 1024 * 1024)
    expect((await server.request("process/terminate", { processId: "still" })).result).toEqual({ running: true })
  }, 300_000)

  it("1,000 start/exit cycles leave no leaked descriptors and no zombies", async () => {
    const server = await startServer(["--retention-ms", "0"])
    const pid = server.child.pid!
    let next = 0
    const cycles = async (count: number) => {
      const lanes = Array.from({ length: 4 }, async () => {
        while (next < count) {
          const id = `cycle-${next++}`
          const tty = next % 10 === 0
          await server.request("process/start", (tty ? ptyProcess : pipeProcess)(id, ["true"]))
          await server.closed(id)
        }
      })
      await Promise.all(lanes)
    }
    await cycles(100)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const fdsBefore = openFds(pid)
    await cycles(1000)
    // Once retention (0 ms) and PTY teardown are done: a deadline, not a pause (a loaded machine takes longer).
    await eventually(() => openFds(pid) <= fdsBefore + 2 && zombieChildren(pid).length === 0, 10_000)
    expect(openFds(pid)).toBeLessThanOrEqual(fdsBefore + 2)
    expect(zombieChildren(pid)).toEqual([])
    expect((await server.request("process/list", {})).result.processes).toEqual([])
  }, 120_000)

  it("survives a client that disconnects in the middle of a large output, and kills the producer", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("flood", ["bash", "-c", "echo $$; exec cat /dev/zero"]))
    await server.outputContains("flood", "\n")
    const pid = Number(/^(\d+)/.exec(server.outputOf("flood").toString())![1])
    server.child.stdout.destroy()
    server.child.stdin.end()
    const exit = await server.exited
    expect(exit.signal).toBeNull()
    expect(await eventually(() => !isAlive(pid))).toBe(true)
  })

  // The binary as installed (the launcher, from its startup snapshot) and from its modules.
  it.each([
    ["the launcher", { launcher: Path.resolve(import.meta.dirname, "../../dist/cli/exec-server") }],
    ["main.js", {}]
  ])("outlives its log reader (%s): with stderr's pipe closed under it (EPIPE), it logs nothing more and serves on, new connections, running processes and their output whole", async (_, start) => {
    const server = await startWebSocketServer([], start)
    const dir = mkdtempSync(Path.join(tmpdir(), "log-reader-"))
    const first = await RawWebSocketClient.connectReady(server.url)
    // Started while the logs are read; the rest of its output comes after they are not.
    await first.request("process/start", pipeProcess("before", ["sh", "-c", `echo one; while [ ! -e ${dir}/go ]; do sleep 0.05; done; seq 1 20000`]))
    await first.outputContains("before", "one\n")
    server.child.stderr!.destroy()
    // A connection, a session and a process: each a log line, written to a pipe nobody reads.
    const second = await RawWebSocketClient.connectReady(server.url)
    await second.request("process/start", pipeProcess("after", ["seq", "1", "5000"]))
    const secondClosed = await second.waitFor((message) => message.method === "process/closed" && message.params.processId === "after")
    expect(secondClosed.params.processId).toBe("after")
    expect(second.outputOf("after")).toBe(Array.from({ length: 5000 }, (_, i) => `${i + 1}\n`).join(""))
    second.socket.close()
    writeFileSync(Path.join(dir, "go"), "")
    const exited = await first.waitFor((message) => message.method === "process/exited" && message.params.processId === "before")
    expect(exited.params.exitCode).toBe(0)
    await first.waitFor((message) => message.method === "process/closed" && message.params.processId === "before")
    expect(first.outputOf("before")).toBe(`one\n${Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join("")}`)
    first.socket.close()
    // And one more connection after those closed (more lines dropped).
    const third = await RawWebSocketClient.connectReady(server.url)
    expect((await third.request("process/terminate", { processId: "none" })).result).toEqual({ running: false })
    third.socket.close()
    expect(server.child.exitCode).toBeNull()
    expect(server.child.signalCode).toBeNull()
  })

  it("serves with stderr on a full device (/dev/full: every write fails, ENOSPC): the banner and log lines are dropped, connections and processes go on", async () => {
    const child = spawn(process.execPath, serverArgs("--listen", "ws://127.0.0.1:0"), { stdio: ["ignore", "pipe", openSync("/dev/full", "w")] })
    try {
      const url = await boundUrlOnStdout(child)
      for (const id of ["one", "two"]) {
        const client = await RawWebSocketClient.connectReady(url)
        await client.request("process/start", pipeProcess(id, ["seq", "1", "1000"]))
        await client.waitFor((message) => message.method === "process/closed" && message.params.processId === id)
        expect(client.outputOf(id)).toBe(Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join(""))
        client.socket.close()
      }
      expect(child.exitCode).toBeNull()
    } finally {
      child.kill("SIGKILL")
    }
  })

  // Its first process starts the reaper helper, whose spawn needs descriptors of its own (a pipe): with
  // a few free (found by the soak), that spawn failed with EMFILE in an event nobody heard, and the server exited 1.
  it.skipIf(spawnSync("prlimit", ["--version"]).status !== 0)("a server with few descriptors left at its first process runs it or refuses it, and serves on", async () => {
    for (let free = 0; free <= 8; free++) {
      const server = await startWebSocketServer()
      const pid = server.child.pid!
      const client = await RawWebSocketClient.connectReady(server.url)
      const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))![1]!
      const limit = (soft: number | string) => expect(spawnSync("prlimit", ["--pid", String(pid), `--nofile=${soft}:${hard}`]).status).toBe(0)
      limit(openFds(pid) + free)
      const first = await client.request("process/start", pipeProcess("first", ["true"]))
      expect({ free, started: first.result !== undefined || first.error?.data?.errno === "EMFILE" }).toEqual({ free, started: true })
      limit(hard)
      await client.request("process/start", pipeProcess("then", ["echo", "served on"]))
      await client.outputContains("then", "served on")
      expect(server.child.exitCode).toBeNull()
      server.stop()
    }
  }, 60_000)

  // The addon reads a terminal on a thread of its own, with a duplicate of its master and an eventfd; where
  // they could not be had it left the terminal to node-pty's reading, which lost the end of about one
  // terminal in thirty under the soak's load (its stream is ended 200 ms after the exit, read or not).
  it.skipIf(spawnSync("prlimit", ["--version"]).status !== 0)("a terminal with few descriptors left is refused (EMFILE) or read by the addon's thread, never by node-pty's reading", async () => {
    for (let free = 0; free <= 8; free++) {
      const server = await startWebSocketServer()
      const pid = server.child.pid!
      const client = await RawWebSocketClient.connectReady(server.url)
      // A first process: the reaper helper is started before the descriptors run short.
      await client.request("process/start", pipeProcess("first", ["true"]))
      const byAddon = /terminal=addon/.test(server.stderr())
      const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))![1]!
      const limit = (soft: number | string) => expect(spawnSync("prlimit", ["--pid", String(pid), `--nofile=${soft}:${hard}`]).status).toBe(0)
      limit(openFds(pid) + free)
      const started = await client.request("process/start", ptyProcess("tty", ["sleep", "30"]))
      limit(hard)
      // The thread names itself once it runs.
      const readers = () =>
        readdirSync(`/proc/${pid}/task`).filter((task) => {
          try {
            return readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8").trim() === "terminal-read"
          } catch {
            return false
          }
        }).length
      // What a refused start spawned is gone: the server's children are its reaper helper alone.
      const othersThanTheReaper = () => childrenOf(pid).filter((child) => !commandLine(child).includes("exec-server-reaper"))
      if (started.error !== undefined) {
        expect({ free, error: started.error }).toMatchObject({ free, error: { code: -32603 } })
        expect({ free, gone: await eventually(() => othersThanTheReaper().length === 0, 5_000) }).toEqual({ free, gone: true })
      } else if (byAddon) expect({ free, read: await eventually(() => readers() === 1, 5_000) }).toEqual({ free, read: true })
      await client.request("process/start", pipeProcess("then", ["echo", "served on"]))
      await client.outputContains("then", "served on")
      server.stop()
    }
  }, 60_000)

  it("leaves no orphans when the server is killed with SIGKILL: every group dies within 2 s", async () => {
    const server = await startServer()
    const stubborn = "trap '' TERM; sleep 60 & echo $$ $!; wait"
    await server.request("process/start", pipeProcess("pipe", ["bash", "-c", stubborn]))
    await server.request("process/start", ptyProcess("pty", ["bash", "-c", "sleep 60 & echo $$ $!; wait"]))
    await server.outputContains("pipe", "\n")
    await server.outputContains("pty", "\n")
    const pids = [server.outputOf("pipe"), server.outputOf("pty")].flatMap((out) =>
      (out.toString().match(/\d+/g) ?? []).map(Number)
    )
    expect(pids).toHaveLength(4)
    expect(pids.every(isAlive)).toBe(true)
    // The helper that does it, named for ps.
    expect(childrenOf(server.child.pid!).some((pid) => commandLine(pid).includes("exec-server-reaper"))).toBe(true)
    server.child.kill("SIGKILL")
    await server.exited
    expect(await eventually(() => !pids.some(isAlive), 2000)).toBe(true)
  })
})
