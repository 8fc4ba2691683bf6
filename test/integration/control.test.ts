/** Process control beyond start/read/write/terminate, over stdio, on a server in process. */
import { describe, expect, it } from "vitest"
import { useInProcessServers } from "../support/InProcessServer.js"
import { pipeProcess, ptyProcess } from "../support/WireClient.js"

const base64 = (text: string) => Buffer.from(text).toString("base64")

const startServer = useInProcessServers()

describe("process control", () => {
  it("resize reaches the program as SIGWINCH with the new size; a finished process ignores it", async () => {
    const server = await startServer()
    const script = "trap 'stty size' WINCH; echo ready; while true; do sleep 0.05; done"
    await server.request("process/start", ptyProcess("t", ["bash", "-c", script], { size: { rows: 20, cols: 60 } }))
    await server.outputContains("t", "ready")
    expect((await server.request("process/resize", { processId: "t", rows: 40, cols: 132 })).result).toEqual({})
    await server.outputContains("t", "40 132")
    await server.request("process/terminate", { processId: "t", mode: "force" })
    await server.closed("t")
    expect((await server.request("process/resize", { processId: "t", rows: 10, cols: 10 })).result).toEqual({})
  })

  it("resize of a pipe process is -32600", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("p", ["sleep", "30"]))
    expect((await server.request("process/resize", { processId: "p", rows: 10, cols: 10 })).error?.code).toBe(-32600)
  })

  it("closeStdin gives a pipe child EOF after everything written", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("cat", ["cat"], { pipeStdin: true }))
    for (const part of ["first ", "second ", "third"]) {
      expect((await server.request("process/write", { processId: "cat", chunk: base64(part) })).result.status)
        .toBe("accepted")
    }
    expect((await server.request("process/closeStdin", { processId: "cat" })).result)
      .toEqual({ accepted: true, status: "accepted" })
    await server.closed("cat")
    expect(server.outputOf("cat").toString()).toBe("first second third")
    const exited = server.eventsOf("cat").find((e) => e.method === "process/exited")!
    expect(exited.params.exitCode).toBe(0)
    expect((await server.request("process/write", { processId: "cat", chunk: base64("late") })).result.status)
      .toBe("stdinClosed")
  })

  it("closeStdin sends EOF to a PTY program", async () => {
    const server = await startServer()
    await server.request("process/start", ptyProcess("cat", ["cat"]))
    await server.request("process/write", { processId: "cat", chunk: base64("line\n") })
    await server.outputContains("cat", "line\r\nline")
    await server.request("process/closeStdin", { processId: "cat" })
    await server.closed("cat")
    expect(server.eventsOf("cat").find((e) => e.method === "process/exited")!.params.exitCode).toBe(0)
  })

  it("signals reach the process group; exited reports the signal and 128 + n", async () => {
    const server = await startServer()
    const trapping = "trap 'echo got-int; exit 7' INT; echo ready; while true; do sleep 0.05; done"
    await server.request("process/start", pipeProcess("trap", ["bash", "-c", trapping]))
    await server.outputContains("trap", "ready")
    expect((await server.request("process/signal", { processId: "trap", signal: "interrupt" })).result)
      .toEqual({ delivered: true })
    await server.closed("trap")
    expect(server.outputOf("trap").toString()).toContain("got-int")
    expect(server.eventsOf("trap").find((e) => e.method === "process/exited")!.params)
      .toMatchObject({ exitCode: 7, signal: null })

    await server.request("process/start", pipeProcess("usr1", ["sleep", "30"]))
    await server.request("process/signal", { processId: "usr1", signal: "SIGUSR1" })
    const exited = await server.waitFor((m) => m.method === "process/exited" && m.params.processId === "usr1")
    expect(exited.params).toEqual({ processId: "usr1", seq: 1, exitCode: 138, signal: "SIGUSR1", sandboxDenied: false })

    // An unknown process is {}, as the reference answers it.
    expect(await server.request("process/signal", { processId: "ghost", signal: "SIGINT" })).toMatchObject({ result: {} })
    expect((await server.requestUnchecked("process/signal", { processId: "usr1", signal: "SIGBOGUS" })).error?.code)
      .toBe(-32602)
  })

  it("list shows the session's processes with pid, argv, tty, running and exit code", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("done", ["bash", "-c", "exit 5"]))
    await server.request("process/start", ptyProcess("live", ["sleep", "30"]))
    await server.closed("done")
    const list = await server.request("process/list", {})
    const byId = Object.fromEntries(list.result.processes.map((p: { processId: string }) => [p.processId, p]))
    expect(byId.done).toMatchObject({ argv: ["bash", "-c", "exit 5"], tty: false, running: false, exitCode: 5 })
    expect(byId.live).toMatchObject({ argv: ["sleep", "30"], tty: true, running: true, exitCode: null })
    expect(byId.live.pid).toBeGreaterThan(1)
    expect(byId.live.startedAtMs).toBeLessThanOrEqual(Date.now())
  })
})
