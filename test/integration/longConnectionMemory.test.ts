/**
 * What a long connection leaves in the server's memory: the built binary
 * over stdio runs thousands of short processes on one connection (every
 * other one in a terminal, as a Codex session runs a command per tool
 * call), and its resident size is read once it has gone quiet and given
 * back what the work left (its "memory released" line), not at a peak.
 * Without that release, V8's pool of emptied pages and glibc's free pages
 * grew the server by about 6 MiB per 1,000 processes, and each terminal's
 * 64 KiB read buffer stayed until a full collection.
 */
import { describe, expect, it } from "vitest"
import { rssOf } from "../support/procfs.js"
import { pipeProcess, ptyProcess, type StdioServer, useStdioServers } from "../support/StdioServer.js"
import { eventually } from "../support/waiting.js"

const startServer = useStdioServers()
const MiB = 1024 * 1024

/** Runs processes `from` … `from + count - 1` (`echo N`; odd ones in a terminal), 4 at a time, each to its `process/closed`. */
const runShort = async (server: StdioServer, from: number, count: number) => {
  let next = from
  const lane = async () => {
    while (next < from + count) {
      const n = next++
      const id = `short-${n}`
      const closed = server.closed(id, 60_000)
      const start = n % 2 === 1 ? ptyProcess(id, ["sh", "-c", `echo ${n}`]) : pipeProcess(id, ["sh", "-c", `echo ${n}`])
      const answer = await server.request("process/start", start)
      expect(answer.error).toBeUndefined()
      await closed
    }
  }
  await Promise.all(Array.from({ length: 4 }, lane))
}

/**
 * How many times the server has said it released memory with a collection
 * (`collected=true`): a trim alone, which it makes while still busy once its
 * size grew, leaves V8's pooled pages, and a loaded machine's run ended
 * just after one.
 */
const releases = (server: StdioServer) =>
  server.stderr.split("\n").filter((line) => line.includes('message="memory released"') && line.includes("collected=true")).length

/** The server's "memory released" lines, for a failure's message. */
const releaseLines = (server: StdioServer) =>
  server.stderr.split("\n").filter((line) => line.includes('message="memory released"')).join("\n")

/** The server's resident size once it has released memory with a collection after the work (its next such line). */
const rssOnceReleased = async (server: StdioServer, before: number) => {
  const released = await eventually(() => releases(server) > before, 120_000, 100)
  expect(released, `no collecting release within 120 s of quiet after the work:\n${releaseLines(server)}`).toBe(true)
  return rssOf(server.child.pid!)
}

describe("a long connection", () => {
  it("leaves the server no larger once quiet: 2,400 more processes on one connection cost < 8 MiB of resident memory", async () => {
    // Closed processes are kept 1 s, so that what is measured is what the server keeps, not what it retains by design.
    const server = await startServer(["--retention-ms", "1000"])
    // The first few hundred compile the server's paths (V8's code) and size its heap.
    await runShort(server, 0, 600)
    const base = await rssOnceReleased(server, 0)
    await runShort(server, 600, 2_400)
    const after = await rssOnceReleased(server, releases(server))
    expect(after - base, `resident ${(base / MiB).toFixed(1)} → ${(after / MiB).toFixed(1)} MiB\n${releaseLines(server)}`).toBeLessThan(
      8 * MiB
    )
  }, 600_000)
})
