/**
 * `process/start` failures name their kind in `error.data.kind`, as the
 * 0.171 reference does, beside the errno and paths we already send: against
 * the built binary, on both pipe spawners (this file also runs without the
 * addon: vitest.config.ts) and on a terminal. Each failure leaves the
 * connection and the server serving.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { pipeProcess, ptyProcess, type StdioServer, useStdioServers } from "../support/StdioServer.js"
import { useTempDirs } from "../support/tempDirs.js"

const startServer = useStdioServers()
const tempDir = useTempDirs(".spawn-kinds-")

/** The server still starts processes after a refusal. */
const stillServes = async (server: StdioServer, processId: string) => {
  expect((await server.request("process/start", pipeProcess(processId, ["true"]))).result)
    .toEqual({ processId, sandboxType: "none" })
  await server.closed(processId)
}

describe("process/start failures carry data.kind", () => {
  it("spawnNotFound for a missing program and a missing cwd, on a pipe and on a terminal", async () => {
    const server = await startServer()
    const program = await server.request("process/start", pipeProcess("p", ["no-such-program-xyz"]))
    expect(program.error).toEqual({
      code: -32603,
      message: "cannot spawn no-such-program-xyz: no such executable file",
      data: { errno: "ENOENT", missing: "program", path: "no-such-program-xyz", kind: "spawnNotFound" }
    })
    const absent = Path.join(tempDir(), "gone")
    const byPath = await server.request("process/start", pipeProcess("q", [absent]))
    expect(byPath.error).toMatchObject({ code: -32603, data: { errno: "ENOENT", missing: "program", path: absent, kind: "spawnNotFound" } })
    for (const [processId, start] of [["c", pipeProcess], ["t", ptyProcess]] as const) {
      const cwd = await server.request("process/start", start(processId, ["true"], { cwd: "/no/such/dir" }))
      expect(cwd.error).toEqual({
        code: -32603,
        message: "cwd /no/such/dir does not exist",
        data: { errno: "ENOENT", missing: "cwd", path: "/no/such/dir", kind: "spawnNotFound" }
      })
    }
    await stillServes(server, "after")
  })

  it("spawnPermissionDenied for a file that is not executable (/etc/passwd as the program)", async () => {
    const server = await startServer()
    const denied = await server.request("process/start", pipeProcess("x", ["/etc/passwd"]))
    expect(denied.error).toMatchObject({
      code: -32603,
      message: expect.stringContaining("cannot spawn /etc/passwd"),
      data: { errno: "EACCES", kind: "spawnPermissionDenied" }
    })
    await stillServes(server, "after")
  })

  it("spawnFailed for a terminal's bare name that PATH does not resolve, and for a cwd that is a file", async () => {
    const server = await startServer()
    const bare = await server.request("process/start", ptyProcess("t", ["no-such-program-xyz"]))
    expect(bare.error).toEqual({
      code: -32603,
      message: "cannot spawn no-such-program-xyz: no such executable file",
      data: { errno: "ENOENT", missing: "program", path: "no-such-program-xyz", kind: "spawnFailed" }
    })
    const file = await server.request("process/start", pipeProcess("f", ["true"], { cwd: "/etc/passwd" }))
    expect(file.error).toEqual({
      code: -32603,
      message: "cwd /etc/passwd is not a directory",
      data: { errno: "ENOTDIR", kind: "spawnFailed" }
    })
    await stillServes(server, "after")
  })

  it("sandboxUnavailable for a sandbox where bubblewrap is missing; nothing runs", async () => {
    const server = await startServer(["--bwrap", "/nonexistent/bwrap"])
    const marker = tempDir()
    const refused = await server.request("process/start", pipeProcess("s", ["touch", `${marker}/ran`], {
      sandbox: { writableRoots: [marker] }
    }))
    expect(refused.error).toMatchObject({
      code: -32603,
      message: expect.stringMatching(/^sandbox unavailable, nothing was run: /),
      data: { sandbox: "unavailable", kind: "sandboxUnavailable" }
    })
    expect(Fs.readdirSync(marker)).toEqual([])
    await stillServes(server, "after")
  })

  it("sandboxPreparation for a sandbox that cannot be prepared (a writable root that is a file); nothing runs", async () => {
    const server = await startServer()
    const dir = tempDir()
    const root = Path.join(dir, "not-a-directory")
    Fs.writeFileSync(root, "")
    const marker = Path.join(dir, "ran")
    const refused = await server.request("process/start", pipeProcess("s", ["touch", marker], {
      sandbox: { writableRoots: [root] }
    }))
    expect(refused.error).toMatchObject({
      code: -32603,
      message: expect.stringMatching(/^sandbox: cannot create the placeholder /),
      data: { errno: "ENOTDIR", kind: "sandboxPreparation" }
    })
    expect(Fs.readdirSync(dir)).toEqual(["not-a-directory"])
    await stillServes(server, "after")
  })
})
