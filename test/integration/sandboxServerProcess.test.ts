/**
 * What only the built binary shows of the sandbox, as a process: a server
 * killed with SIGKILL leaves no placeholder behind (its reaper removes them;
 * a server in the test's process cannot be killed), and an operator's
 * sandbox it cannot honour stops it before it serves, with exit status 2
 * (the process's exit code). The sandbox's behaviour is sandbox.test.ts's,
 * on a server in process.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { eventually, pipeProcess, runToExit, useStdioServers } from "../support/StdioServer.js"
import { useNamedTempDirs } from "../support/tempDirs.js"

const startServer = useStdioServers()

const tempDir = useNamedTempDirs(".sandbox-")

describe("a sandboxing server's process", () => {
  it("a server killed with SIGKILL leaves no placeholder behind", async () => {
    const workspace = tempDir("killed")
    const server = await startServer()
    await server.request("process/start", pipeProcess("s", ["sh", "-c", "echo up; sleep 30"], {
      cwd: workspace,
      sandbox: { writableRoots: [workspace] }
    }))
    await server.outputContains("s", "up")
    expect(Fs.existsSync(Path.join(workspace, ".git"))).toBe(true)
    server.kill()
    expect(await eventually(() => !Fs.existsSync(Path.join(workspace, ".git")))).toBe(true)
    expect(Fs.readdirSync(workspace)).toEqual([])
  })

  it("a bad policy file stops the server from starting", () => {
    const allowed = tempDir("file-allowed")
    const policyFile = Path.join(tempDir("policy"), "policy.json")
    Fs.writeFileSync(policyFile, JSON.stringify({ writableRoots: [allowed], network: "yes" }))
    const refused = runToExit(["--sandbox-policy", policyFile])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain("network")
  })

  it("without bubblewrap an operator's sandbox stops the server from starting", () => {
    const refused = runToExit(["--sandbox", "--bwrap", "/nonexistent/bwrap"])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain("sandbox unavailable")
  })
})
