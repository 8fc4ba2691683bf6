/**
 * `environment/info` where a process of its own is needed: the reference's
 * capabilities and executorVersion beside ours (Codex runs as a child, ours
 * as the binary Codex would start), and the working directory and $TMPDIR a
 * server is started with (a server in the test's process has the test's).
 * environmentInfo.test.ts has the rest, on a server in process.
 */
import { transparentTcpSupported } from "../../src/sandbox/transparentTcp.js"
import { spawn } from "node:child_process"
import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { needsReference, REFERENCE_BINARY, serverArgs, useStdioServers } from "../support/StdioServer.js"

const start = useStdioServers()

/** The capability flags of codex 0.171's `environment/info`, in its order (../shared/REFERENCE-0171.md §2). */
const REFERENCE_CAPABILITIES = [
  "networkProxyLaunch", "networkProxyReviewDomains", "networkProxyTransparentTcp", "credentialMasking",
  "credentialMaskingCustomProviders", "capabilityDiscoverySandbox", "fsWatchMissing", "capabilityDiscoveryV2",
  "environmentConfigRead", "httpHeaderEnvVars", "sandboxedFileStreaming", "fileWriteStreaming", "shellSnapshotV2",
  "windowsMxc", "linuxRootWritePreservesDevices", "linuxApprovedRootWritePreservesRestrictions"
]

describe("environment info", () => {
  it("claims the reference's capabilities, in its order (codex 0.171), and its executorVersion", async (context) => {
    needsReference(context)
    const ours = (await (await start()).request("environment/info", {})).result
    const reference = (await (await start([], { command: [REFERENCE_BINARY, "exec-server", "--listen", "stdio://"] })).request("environment/info", {})).result
    expect(Object.keys(reference.capabilities)).toEqual(REFERENCE_CAPABILITIES)
    // Transparent TCP needs what the reference does not (root, nft): where it is missing, the one flag that differs.
    expect(Object.entries(ours.capabilities)).toEqual(Object.entries({ ...reference.capabilities, networkProxyTransparentTcp: transparentTcpSupported() }))
    expect(ours.executorVersion).toBe(reference.executorVersion)
  })

  it("reports $TMPDIR as its temporary directory and its own working directory", async () => {
    const dir = realpathSync(mkdtempSync(Path.join(Os.tmpdir(), "env-info-")))
    // A server started in another directory, with TMPDIR set.
    const child = spawn(process.execPath, serverArgs(), { cwd: dir, env: { ...process.env, TMPDIR: dir }, stdio: ["pipe", "pipe", "ignore"] })
    child.stdin.write(JSON.stringify({ id: 1, method: "initialize", params: { clientName: "env" } }) + "\n")
    const line = await new Promise<string>((resolve) => {
      let buffer = ""
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk
        if (buffer.includes("\n")) resolve(buffer.slice(0, buffer.indexOf("\n")))
      })
    })
    child.kill()
    rmSync(dir, { recursive: true, force: true })
    const info = JSON.parse(line).result.environmentInfo
    expect(info.cwd).toBe(pathToFileURL(dir).href)
    expect(info.temporaryDirectories).toEqual([pathToFileURL(dir).href])
    expect(info.tempDir).toBe(pathToFileURL(dir).href)
  })
})
