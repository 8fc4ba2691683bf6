/**
 * `fs/watchMissing` and `fs/missingChanged` against a real server (built from
 * src/'s Layers in this process: the watching is the protocol's, not the
 * binary's) and real file system changes, in the cases the reference was
 * observed in.
 */
import { appendFileSync, mkdirSync, renameSync, rmdirSync, writeFileSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { type InProcessServer, useInProcessServers } from "../support/InProcessServer.js"
import { useTempDirs } from "../support/tempDirs.js"

const start = useInProcessServers()
const tempDir = useTempDirs("watch-missing-")

const watch = (server: InProcessServer, watchId: number, missing: ReadonlyArray<string>, present?: string) =>
  server.request("fs/watchMissing", {
    watchId,
    missing: missing.map((path) => pathToFileURL(path).href),
    ...(present === undefined ? {} : { present: pathToFileURL(present).href })
  }).then((answer) => answer.result?.watching as boolean)

const fired = (server: InProcessServer, watchId: number) =>
  server.waitFor((message) => message.method === "fs/missingChanged" && message.params.watchId === watchId, 5000)

const firedIds = (server: InProcessServer) =>
  server.messages.filter((message) => message.method === "fs/missingChanged").map((message) => message.params.watchId as number)

describe("fs/watchMissing", () => {
  it("fires once when a missing path appears, then the watch is over", async () => {
    const dir = tempDir()
    const server = await start()
    expect(await watch(server, 7, [`${dir}/x`, `${dir}/y`])).toBe(true)
    writeFileSync(`${dir}/x`, "")
    expect((await fired(server, 7)).params).toEqual({ watchId: 7 })
    writeFileSync(`${dir}/y`, "")
    // A later watch fires on its own change, and the finished one never again.
    expect(await watch(server, 8, [`${dir}/z`])).toBe(true)
    writeFileSync(`${dir}/z`, "")
    await fired(server, 8)
    expect(firedIds(server)).toEqual([7, 8])
  })

  it("a higher watchId replaces the watch; a stale one is refused and changes nothing", async () => {
    const dir = tempDir()
    const server = await start()
    expect(await watch(server, 5, [`${dir}/x`])).toBe(true)
    expect(await watch(server, 3, [`${dir}/y`])).toBe(false)
    expect(await watch(server, 5, [`${dir}/y`])).toBe(false)
    writeFileSync(`${dir}/y`, "")
    writeFileSync(`${dir}/x`, "")
    await fired(server, 5)
    expect(await watch(server, 6, [`${dir}/a`])).toBe(true)
    // Stopping: a higher id with nothing to watch.
    expect(await watch(server, 7, [])).toBe(false)
    writeFileSync(`${dir}/a`, "")
    expect(await watch(server, 8, [`${dir}/b`])).toBe(true)
    writeFileSync(`${dir}/b`, "")
    await fired(server, 8)
    expect(firedIds(server)).toEqual([5, 8])
  })

  it("refuses what is not missing, a missing present path and too many paths", async () => {
    const dir = tempDir()
    writeFileSync(`${dir}/file`, "")
    const server = await start()
    expect(await watch(server, 1, [dir])).toBe(false)
    expect(await watch(server, 2, [`${dir}/file/x`])).toBe(false)
    expect(await watch(server, 3, [`${dir}/x`], `${dir}/nonexist`)).toBe(false)
    expect(await watch(server, 4, Array.from({ length: 65 }, (_, i) => `${dir}/m${i}`))).toBe(false)
    expect(await watch(server, 5, Array.from({ length: 64 }, (_, i) => `${dir}/m${i}`))).toBe(true)
    expect(await watch(server, 6, [`${dir}/nonexist_parent/x`])).toBe(true)
  })

  it("fires when the first missing ancestor appears, and when the directory it waits in goes", async () => {
    const dir = tempDir()
    const server = await start()
    expect(await watch(server, 1, [`${dir}/p/q/r`])).toBe(true)
    mkdirSync(`${dir}/p`)
    await fired(server, 1)
    mkdirSync(`${dir}/anc`)
    expect(await watch(server, 2, [`${dir}/anc/x`])).toBe(true)
    rmdirSync(`${dir}/anc`)
    await fired(server, 2)
  })

  it("fires when the present file changes, and when the present directory moves", async () => {
    const dir = tempDir()
    writeFileSync(`${dir}/file`, "a")
    mkdirSync(`${dir}/sub`)
    const server = await start()
    expect(await watch(server, 1, [`${dir}/x`], `${dir}/file`)).toBe(true)
    appendFileSync(`${dir}/file`, "more")
    await fired(server, 1)
    expect(await watch(server, 2, [`${dir}/sub/x`], `${dir}/sub`)).toBe(true)
    writeFileSync(`${dir}/sub/other`, "")
    renameSync(`${dir}/sub`, `${dir}/moved`)
    await fired(server, 2)
  })
})
