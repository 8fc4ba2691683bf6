/**
 * The built binary over stdio, where only its own process shows what it
 * does: its --help and --version, its shebang's Node flags, its stdout
 * holding nothing but the answer to a piped request, its exit code on a bad
 * --listen and on SIGTERM. The protocol over stdio is in stdio.test.ts, on a
 * server in process.
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import * as ClientTransport from "../../src/client/ClientTransport.js"
import { eventually, isAlive, pipeProcess, runToExit, SERVER_BIN, serverArgs, useStdioServers } from "../support/StdioServer.js"

const startServer = useStdioServers()

describe("the binary", () => {
  it("prints usage for --help (every flag with --help-all) and its version for --version", () => {
    expect(execFileSync(process.execPath, serverArgs("--help"), { encoding: "utf8" })).toContain("--listen")
    const help = execFileSync(process.execPath, serverArgs("--help-all"), { encoding: "utf8" })
    expect(help).toContain("--listen")
    expect(help).toContain("--grace-ms")
    expect(help).toContain("--retained-output-bytes")
    expect(help).toContain("--max-message-bytes")
    const version = execFileSync(process.execPath, serverArgs("--version"), { encoding: "utf8" })
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it("runs with the Node flags the client uses to start it", () => {
    const shebang = readFileSync(SERVER_BIN, "utf8").split("\n", 1)[0]!
    expect(shebang).toBe(`#!/usr/bin/env -S node ${ClientTransport.serverNodeFlags.join(" ")}`)
  })

  it("answers initialize piped on stdin with exactly one line and exits 0", () => {
    const stdout = execFileSync(process.execPath, serverArgs(), {
      input: JSON.stringify({ id: 1, method: "initialize", params: { clientName: "x" } }) + "\n",
      encoding: "utf8",
      stdio: ["pipe", "pipe", "ignore"]
    })
    const lines = stdout.split("\n").filter((line) => line !== "")
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: 1, result: { protocolVersion: "exec-server.v0" } })
  })

  it("refuses an unsupported --listen value with exit code 2", () => {
    expect(runToExit(["--listen", "tcp://1.2.3.4:5"]).status).toBe(2)
  })

  it("terminates its processes and exits 0 on SIGTERM", async () => {
    const server = await startServer()
    await server.request("process/start", pipeProcess("p", ["bash", "-c", "echo $$; sleep 60"]))
    await server.outputContains("p", "\n")
    const pid = Number(server.outputOf("p").toString().trim())
    server.child.kill("SIGTERM")
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(await eventually(() => !isAlive(pid))).toBe(true)
  })
})
