/**
 * What only the built binary shows of the sandbox, as a process: a server
 * killed with SIGKILL leaves no placeholder behind (its reaper removes them;
 * a server in the test's process cannot be killed), and an operator's
 * sandbox it cannot honour stops it before it serves, with exit status 2
 * (the process's exit code). The sandbox's behaviour is sandbox.test.ts's,
 * on a server in process.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { eventually, pipeProcess, runToExit, useStdioServers } from "../support/StdioServer.js"

const startServer = useStdioServers()

let directories: Array<string> = []
afterEach(() => {
  for (const directory of directories) Fs.rmSync(directory, { recursive: true, force: true })
  directories = []
})

/** A fresh directory (its real path) in the temporary directory. */
const tempDir = (name: string): string => {
  const directory = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), `.sandbox-${name}-`)))
  directories.push(directory)
  return directory
}

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
