/**
 * File handles under a sandbox share their policy's worker: a client cannot
 * make the server start a confined worker (bubblewrap and a Node process)
 * per handle. The server in process, on src/: its workers are this
 * process's children (one server at a time).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { descendantsOf, rssOf } from "../support/procfs.js"
import { useInProcessServers } from "../support/InProcessServer.js"
import { useNamedTempDirs } from "../support/tempDirs.js"

const startServer = useInProcessServers()

const tempDir = useNamedTempDirs(".handles-")

const cmdlineOf = (pid: number) => {
  try {
    return Fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")
  } catch {
    return ""
  }
}

/** The server's confined file workers, and the resident memory of everything it started (this process's children: the server runs here). */
const workersOf = () => {
  const descendants = descendantsOf(process.pid).filter((pid) => !cmdlineOf(pid).includes("exec-server-reaper"))
  return {
    workers: descendants.filter((pid) => cmdlineOf(pid).includes("worker.js") && !cmdlineOf(pid).includes("bwrap")).length,
    rss: descendants.reduce((sum, pid) => sum + rssOf(pid), 0)
  }
}

describe("file handles under a sandbox", () => {
  it("share their policy's worker: 64 handles cost a few MB more than one, and each still reads, writes and commits its own file", async () => {
    const box = tempDir("box")
    Fs.writeFileSync(Path.join(box, "data"), "0123456789")
    const server = await startServer(["--sandbox-write", box])
    const open = (handleId: string, path = Path.join(box, "data"), mode: "read" | "replace" = "read") =>
      server.request("fs/open", { handleId, path, mode })
    expect((await open("h0")).result).toEqual({ handleId: "h0" })
    const one = workersOf()
    expect(one.workers).toBe(1)
    for (let i = 1; i < 62; i++) expect((await open(`h${i}`)).result).toEqual({ handleId: `h${i}` })
    expect((await open("w", Path.join(box, "written"), "replace")).result).toEqual({ handleId: "w" })
    expect((await open("d", Path.join(box, "dropped"), "replace")).result).toEqual({ handleId: "d" })
    const many = workersOf()
    expect(many.workers).toBe(1)
    expect(many.rss - one.rss).toBeLessThan(8 * 1024 * 1024)
    // Each handle is its own file in the shared worker.
    expect((await server.request("fs/readBlock", { handleId: "h61", offset: 5, len: 3 })).result).toEqual({ chunk: Buffer.from("567").toString("base64"), eof: false })
    const block = Buffer.from("new contents").toString("base64")
    expect((await server.request("fs/writeBlock", { handleId: "w", offset: 0, chunk: block })).result).toEqual({})
    expect((await server.request("fs/writeBlock", { handleId: "d", offset: 0, chunk: block })).result).toEqual({})
    expect((await server.request("fs/close", { handleId: "d", discard: true })).result).toEqual({})
    expect((await server.request("fs/close", { handleId: "w" })).result).toEqual({})
    expect(Fs.readFileSync(Path.join(box, "written"), "utf8")).toBe("new contents")
    expect(Fs.existsSync(Path.join(box, "dropped"))).toBe(false)
    expect((await server.request("fs/readBlock", { handleId: "h0", offset: 0, len: 4 })).result).toEqual({ chunk: Buffer.from("0123").toString("base64"), eof: false })
    // A client's own sandbox is another policy: one more worker, not one per handle.
    for (let i = 0; i < 2; i++) {
      const opened = await server.request("fs/open", { handleId: `c${i}`, path: Path.join(box, "data"), sandbox: { writableRoots: [], readable: "all" } })
      expect(opened.result).toEqual({ handleId: `c${i}` })
    }
    expect(workersOf().workers).toBe(2)
  })

  // Nine sandboxed workers started, each a Node: 8 s on 2 cores with the suite beside it.
  it("are capped server-wide: with 8 policies' workers holding handles a ninth policy is busy (-32001, retryable) until one closes", async () => {
    const roots = Array.from({ length: 9 }, (_, i) => tempDir(`root${i}`))
    for (const root of roots) Fs.writeFileSync(Path.join(root, "f"), "x")
    const server = await startServer()
    const open = (i: number) => server.request("fs/open", { handleId: `h${i}`, path: Path.join(roots[i]!, "f"), sandbox: { writableRoots: [roots[i]!] } })
    for (let i = 0; i < 8; i++) expect((await open(i)).result).toEqual({ handleId: `h${i}` })
    const busy = await open(8)
    expect(busy.error).toMatchObject({ code: -32001, data: { retryable: true } })
    expect(workersOf().workers).toBe(8)
    expect((await server.request("fs/close", { handleId: "h0" })).result).toEqual({})
    expect((await open(8)).result).toEqual({ handleId: "h8" })
    expect(workersOf().workers).toBe(8)
  }, 90_000)
})
