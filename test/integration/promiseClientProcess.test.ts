/**
 * The Promise API with a server of its own: `spawnLocal` starts the built
 * binary and talks to it over stdio, and keeps the binary's INFO lines out
 * of the program's stderr (promiseClient.test.ts has the API over
 * WebSocket, on servers in process).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import { expectGone, PRINT_PID_AND_SLEEP, readPid } from "../support/promiseClientProcesses.js"

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()

describe("PromiseClient.spawnLocal", () => {
  it("runs a server of its own and talks to it over stdio", async () => {
    const client = await PromiseClient.spawnLocal({ stderr: "ignore" })
    try {
      const result = await client.exec(["sh", "-c", "echo local; exit 2"], { env })
      expect(result.exitCode).toBe(2)
      expect(text(result.stdout)).toBe("local\n")
      const proc = await client.start({ argv: PRINT_PID_AND_SLEEP, env })
      const pid = await readPid(proc)
      await proc[Symbol.asyncDispose]()
      await expectGone(pid)
    } finally {
      await client.close()
    }
    await expect(client.list()).rejects.toMatchObject({ _tag: "ExecServer/TransportClosed" })
  })

  /** What a spawned server wrote to its stderr while `use` ran with its client. */
  const serverStderr = async (
    options: PromiseClient.SpawnLocalOptions,
    use: (client: PromiseClient.Client) => Promise<void>
  ): Promise<string> => {
    const dir = mkdtempSync(Path.join(tmpdir(), "spawn-local-"))
    const file = Path.join(dir, "stderr")
    const fd = openSync(file, "w")
    try {
      const client = await PromiseClient.spawnLocal({ ...options, stderr: fd })
      try {
        await use(client)
      } finally {
        await client.close()
      }
      return readFileSync(file, "utf8")
    } finally {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it("keeps the server's INFO lines out of the program's stderr, and its warnings in", async () => {
    const stderr = await serverStderr({ args: ["--grace-ms", "100"] }, async (client) => {
      // Ignores SIGTERM (sleep inherits that), so terminating it escalates to SIGKILL: a warning.
      const proc = await client.start({ argv: ["sh", "-c", "trap '' TERM; echo $$; sleep 30"], env })
      await readPid(proc)
      await proc.terminate()
      expect((await proc.exited).signal).toBe("SIGKILL")
    })
    expect(stderr).toContain("terminate escalated to SIGKILL")
    expect(stderr).not.toContain("level=INFO")
  })

  it("shows the server's INFO lines with logLevel: \"info\"", async () => {
    const stderr = await serverStderr({ logLevel: "info" }, async (client) => {
      await client.exec(["true"], { env })
    })
    expect(stderr).toContain(`message="connection opened"`)
  })
})
