/**
 * `environment/info` where a process of its own is needed: the working
 * directory and $TMPDIR a server is started with (a server in the test's
 * process has the test's). environmentInfo.test.ts has the rest, on a
 * server in process.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { serverArgs } from "../support/StdioServer.js"

describe("environment info", () => {
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
