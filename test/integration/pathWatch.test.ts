/** `fs/watch`, `fs/unwatch` and `fs/changed` against a real server and real file system changes (the server in process, on src/). */
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { useInProcessServers, useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { type Change, changesOf, reported } from "../support/pathChanges.js"
import { useTempDirs } from "../support/tempDirs.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

const start = useInProcessServers()
const startWebSocket = useInProcessWebSocketServers()
const tempDir = useTempDirs("path-watch-")

describe("fs/watch", () => {
  it("gives each connection watches of its own, which end with it (one server, two WebSocket connections)", async () => {
    const dir = tempDir()
    const server = await startWebSocket()
    const [first, second] = await Promise.all([
      RawWebSocketClient.connectReady(server.url),
      RawWebSocketClient.connectReady(server.url)
    ])
    // The same id on both: ids are the connection's own.
    for (const client of [first, second]) {
      expect((await client.request("fs/watch", { watchId: "w", path: dir })).result).toEqual({ watchId: "w" })
    }
    expect((await first.request("fs/watch", { watchId: "w", path: dir })).error?.code).toBe(-32600)
    const sawChange = (client: RawWebSocketClient, name: string) =>
      client.waitFor((message) =>
        message.method === "fs/changed" && message.params.watchId === "w" &&
        message.params.changes.some((change: Change) => change.path === pathToFileURL(`${dir}/${name}`).href)
      )
    writeFileSync(`${dir}/one`, "1")
    await Promise.all([sawChange(first, "one"), sawChange(second, "one")])
    // The first unwatches: the second's watch goes on.
    expect((await first.request("fs/unwatch", { watchId: "w" })).result).toEqual({})
    writeFileSync(`${dir}/two`, "2")
    await sawChange(second, "two")
    const closed = new Promise((resolve) => second.socket.once("close", resolve))
    second.socket.close()
    await closed
    // A new connection starts with no watches: the id is free again.
    const third = await RawWebSocketClient.connectReady(server.url)
    expect((await third.request("fs/watch", { watchId: "w", path: dir })).result).toEqual({ watchId: "w" })
    writeFileSync(`${dir}/three`, "3")
    await sawChange(third, "three")
    expect(first.messages.some((message) => message.method === "fs/changed" && JSON.stringify(message).includes("three"))).toBe(false)
  })

  it("reports created, modified and removed paths of a directory, each once per notification", async () => {
    const dir = tempDir()
    const server = await start()
    expect((await server.request("fs/watch", { watchId: "w", path: dir })).result).toEqual({ watchId: "w" })
    writeFileSync(`${dir}/a`, "1")
    await reported(server, "w", `${dir}/a`, "created")
    appendFileSync(`${dir}/a`, "2")
    await reported(server, "w", `${dir}/a`, "modified")
    rmSync(`${dir}/a`)
    await reported(server, "w", `${dir}/a`, "removed")
    for (let i = 0; i < 200; i++) writeFileSync(`${dir}/many-${i}`, "x")
    await reported(server, "w", `${dir}/many-199`, "created")
    const notifications = server.messages.filter((message) => message.method === "fs/changed")
    // Coalesced: far fewer notifications than changes, and no path twice in one.
    expect(notifications.length).toBeLessThan(100)
    for (const notification of notifications) {
      const paths = notification.params.changes.map((change: Change) => change.path)
      expect(new Set(paths).size).toBe(paths.length)
    }
  })

  it("watches below a directory when recursive; stops at unwatch; refuses a duplicate id and a missing path", async () => {
    const dir = tempDir()
    mkdirSync(`${dir}/sub/deeper`, { recursive: true })
    const server = await start()
    await server.request("fs/watch", { watchId: "r", path: dir, recursive: true })
    writeFileSync(`${dir}/sub/deeper/f`, "")
    await reported(server, "r", `${dir}/sub/deeper/f`, "created")
    expect((await server.request("fs/watch", { watchId: "r", path: dir })).error?.code).toBe(-32600)
    expect((await server.request("fs/watch", { watchId: "x", path: `${dir}/nope` })).error?.code).toBe(-32004)
    expect((await server.request("fs/unwatch", { watchId: "r" })).result).toEqual({})
    expect((await server.request("fs/unwatch", { watchId: "never" })).result).toEqual({})
    // After unwatch, a fresh watch sees the next change, and the old one reports nothing more.
    await server.request("fs/watch", { watchId: "after", path: dir })
    const before = changesOf(server, "r").length
    writeFileSync(`${dir}/later`, "")
    await reported(server, "after", `${dir}/later`, "created")
    expect(changesOf(server, "r").length).toBe(before)
  })

  it("recursive: a directory made later is watched (what came into it first too); one moved keeps reporting under its new name only", async () => {
    const dir = tempDir()
    const elsewhere = tempDir()
    mkdirSync(`${dir}/old`)
    const server = await start()
    await server.request("fs/watch", { watchId: "r", path: dir, recursive: true })
    // Made at once with what is in it: the contents may come before the directory's own watcher.
    mkdirSync(`${dir}/made/deeper`, { recursive: true })
    writeFileSync(`${dir}/made/deeper/early`, "")
    await reported(server, "r", `${dir}/made/deeper/early`, "created")
    writeFileSync(`${dir}/made/deeper/later`, "")
    await reported(server, "r", `${dir}/made/deeper/later`, "created")
    // Moved within the tree: its changes are named where it is now.
    renameSync(`${dir}/made`, `${dir}/moved`)
    await reported(server, "r", `${dir}/made`, "removed")
    appendFileSync(`${dir}/moved/deeper/later`, "x")
    await reported(server, "r", `${dir}/moved/deeper/later`, "modified")
    // Moved out of the tree: nothing of it any more, under any name.
    renameSync(`${dir}/old`, `${elsewhere}/old`)
    await reported(server, "r", `${dir}/old`, "removed")
    writeFileSync(`${elsewhere}/old/outside`, "")
    writeFileSync(`${dir}/marker`, "")
    await reported(server, "r", `${dir}/marker`, "created")
    expect(changesOf(server, "r").filter((change) => change.path.includes("outside"))).toEqual([])
    expect(changesOf(server, "r").filter((change) => change.path.includes("/made/") && change.path.endsWith("later") && change.kind === "modified"))
      .toEqual([])
  })

  it("a watched file reports its own changes; a watched root that goes is reported removed, and its watch is over", async () => {
    const dir = tempDir()
    writeFileSync(`${dir}/file`, "a")
    mkdirSync(`${dir}/root`)
    const server = await start()
    await server.request("fs/watch", { watchId: "f", path: `${dir}/file` })
    appendFileSync(`${dir}/file`, "b")
    await reported(server, "f", `${dir}/file`, "modified")
    await server.request("fs/watch", { watchId: "d", path: `${dir}/root` })
    rmSync(`${dir}/root`, { recursive: true })
    await reported(server, "d", `${dir}/root`, "removed")
    // A new directory at the same path is not the one watched.
    mkdirSync(`${dir}/root`)
    writeFileSync(`${dir}/root/new`, "")
    appendFileSync(`${dir}/file`, "c")
    await server.nextMessage((message) =>
      message.method === "fs/changed" && message.params.watchId === "f" && changesOf(server, "f").length >= 2)
    expect(changesOf(server, "d").filter((change) => change.path.endsWith("/new"))).toEqual([])
  })

  it("under a sandbox, watches only what the sandbox shows", async () => {
    const dir = tempDir()
    const server = await start()
    const sandbox = { writableRoots: [dir], readable: "minimal" }
    const outside = tempDir(process.env.HOME ?? "/root")
    expect((await server.request("fs/watch", { watchId: "in", path: dir, sandbox })).result).toEqual({ watchId: "in" })
    expect((await server.request("fs/watch", { watchId: "out", path: outside, sandbox })).error).toMatchObject({ data: { sandboxDenied: true } })
  })
})
