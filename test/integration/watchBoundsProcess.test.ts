/**
 * A recursive `fs/watch` of a tree within the bound is set up without
 * stalling another client: measured from another process, the binary's.
 * In process, the measuring client runs on the server's event loop: the
 * setup's work delays its own sending and reading as well as the server's
 * answer, and the bound below failed (a round trip of 150 ms against a
 * setup of 428 ms, in one of three runs). The other bounds are
 * watchBounds.test.ts.
 */
import { writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { useTempDirs } from "../support/tempDirs.js"
import { treesIn } from "../support/watchBounds.js"
import { RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const startWebSocket = useWebSocketServers()
const tempDir = useTempDirs("watch-bounds-")

const treeOf = treesIn(tempDir)

describe("a recursive fs/watch", () => {
  it("within the bound is set up without stalling another client", async () => {
    const root = treeOf(4000)
    const server = await startWebSocket()
    const [watcher, other] = await Promise.all([RawWebSocketClient.connectReady(server.url), RawWebSocketClient.connectReady(server.url)])
    // Round trips of the other client while the tree is watched, one after another.
    let watching = true
    let slowest = 0
    const pings = (async () => {
      let count = 0
      while (watching) {
        const sent = Date.now()
        await other.request("process/list", {})
        slowest = Math.max(slowest, Date.now() - sent)
        count++
      }
      return count
    })()
    const started = Date.now()
    const answer = await watcher.request("fs/watch", { watchId: "tree", path: root, recursive: true })
    const setup = Date.now() - started
    watching = false
    const count = await pings
    expect(answer.result).toEqual({ watchId: "tree" })
    // All at once, the other client would wait for the whole setup.
    expect(count).toBeGreaterThan(3)
    expect(slowest).toBeLessThan(setup / 3)
    // Every directory is watched: a change in the deepest one is reported.
    writeFileSync(`${root}/d62/e31/file`, "x")
    await watcher.waitFor((message) => message.method === "fs/changed" && JSON.stringify(message.params).includes("d62/e31/file"))
  })
})
