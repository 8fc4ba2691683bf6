/**
 * Watches under a sandbox (the operator's flags, or a client's `sandbox`)
 * tell nothing of what the sandbox denies: `fs/watchMissing` and `fs/watch`
 * of a denied path are refused as the other `fs/*` methods refuse it, and a
 * watch of an allowed path never reports a change of a denied one, whatever
 * name (a symlink alias of the root, a symlink made later) it would have.
 * That something is not reported is shown by a permitted change made after
 * it: once that is reported, the denied one would have been too. The
 * server is built from src/'s Layers in this process (the watches and the
 * sandbox's rules are the protocol's, not the binary's), on the operator's
 * --sandbox-* flags.
 */
import { appendFileSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { describe, expect, it } from "vitest"
import { useInProcessServers } from "../support/InProcessServer.js"
import { changesOf, reported } from "../support/pathChanges.js"
import { useTempDirs } from "../support/tempDirs.js"

const start = useInProcessServers()
const tempDir = useTempDirs("watch-sandbox-")

const DENIED = { code: -32603, data: { errno: "EACCES", sandboxDenied: true } }

/**
 * A writable box with a denied `secret` (holding a file), a `pub`
 * directory (holding a file) and `alias`, a symlink to the box itself.
 */
const makeBox = () => {
  const box = tempDir()
  mkdirSync(`${box}/secret`)
  writeFileSync(`${box}/secret/f`, "s")
  mkdirSync(`${box}/pub`)
  writeFileSync(`${box}/pub/existing`, "p")
  symlinkSync(box, `${box}/alias`)
  return box
}

/** The two ways a policy reaches the server: the operator's flags, or the client's `sandbox` on each request. */
const setups = [
  {
    name: "the operator's sandbox flags",
    start: (box: string) => start(["--sandbox-write", box, "--sandbox-deny", `${box}/secret`]),
    sandbox: (_box: string): Record<string, unknown> => ({})
  },
  {
    name: "a client's sandbox parameter",
    start: (_box: string) => start(),
    sandbox: (box: string): Record<string, unknown> => ({ sandbox: { writableRoots: [box], deniedPaths: [`${box}/secret`] } })
  }
]

describe.each(setups)("watches under $name", (setup) => {
  it("fs/watchMissing of a denied path, of one under a denied directory, or through an alias, is refused and changes nothing", async () => {
    const box = makeBox()
    const server = await setup.start(box)
    const sandbox = setup.sandbox(box)
    const watchMissing = (watchId: number, missing: ReadonlyArray<string>, present?: string) =>
      server.request("fs/watchMissing", { watchId, missing, ...(present === undefined ? {} : { present }), ...sandbox })
    // A symlink of the box into the denied subtree: present through it is refused too.
    symlinkSync(`${box}/secret/f`, `${box}/pub/to-secret`)
    // Allowed: a missing path of the box.
    expect((await watchMissing(10, [`${box}/later`])).result).toEqual({ watching: true })
    for (
      const [missing, present] of [
        [[`${box}/secret/x`]],
        [[`${box}/secret/deeper/x`]],
        // Existing and denied: "false" would say it exists.
        [[`${box}/secret/f`]],
        [[`${box}/secret`]],
        [[`${box}/alias/secret/x`]],
        [[`${box}/pub/../secret/x`]],
        [[`${box}/later`, `${box}/secret/x`]],
        [[`${box}/later`], `${box}/secret/f`],
        [[`${box}/later`], `${box}/pub/to-secret`],
        [[`${box}/pub/to-secret/x`]]
      ] as Array<[Array<string>, string?]>
    ) {
      const answer = await watchMissing(11, missing, present)
      expect(answer.error, JSON.stringify({ missing, present })).toMatchObject(DENIED)
    }
    // The refusals changed nothing: the first watch is still the one installed.
    writeFileSync(`${box}/later`, "")
    expect((await server.waitFor((message) => message.method === "fs/missingChanged", 10_000)).params).toEqual({ watchId: 10 })
  })

  it("fs/watch of a denied path is refused; of a symlink alias of the box, reports nothing of the denied subtree", async () => {
    const box = makeBox()
    const server = await setup.start(box)
    const sandbox = setup.sandbox(box)
    for (const path of [`${box}/secret`, `${box}/secret/f`, `${box}/alias/secret`, `${box}/pub/../secret`]) {
      const answer = await server.request("fs/watch", { watchId: "denied", path, recursive: true, ...sandbox })
      expect(answer.error, path).toMatchObject(DENIED)
    }
    expect((await server.request("fs/watch", { watchId: "a", path: `${box}/alias`, recursive: true, ...sandbox })).result)
      .toEqual({ watchId: "a" })
    const leaked = () => changesOf(server, "a").filter((change) => change.path.includes("secret") || change.path.includes("link"))

    // Modifications and new names in the denied subtree, then a permitted change.
    appendFileSync(`${box}/secret/f`, "more")
    writeFileSync(`${box}/secret/new`, "n")
    mkdirSync(`${box}/secret/newdir`)
    writeFileSync(`${box}/secret/newdir/g`, "g")
    appendFileSync(`${box}/pub/existing`, "more")
    await reported(server, "a", `${box}/alias/pub/existing`, "modified")
    writeFileSync(`${box}/pub/marker1`, "")
    await reported(server, "a", `${box}/alias/pub/marker1`, "created")
    expect(leaked()).toEqual([])
  })

  it("a symlink made inside a watched tree, into the denied subtree, leaks neither its name nor what changes behind it", async () => {
    const box = makeBox()
    const server = await setup.start(box)
    const sandbox = setup.sandbox(box)
    expect((await server.request("fs/watch", { watchId: "b", path: box, recursive: true, ...sandbox })).result)
      .toEqual({ watchId: "b" })
    const leaked = () => changesOf(server, "b").filter((change) => change.path.includes("secret") || change.path.includes("link"))

    symlinkSync(`${box}/secret`, `${box}/pub/link`)
    appendFileSync(`${box}/secret/f`, "again")
    writeFileSync(`${box}/secret/newer`, "n")
    writeFileSync(`${box}/pub/marker1`, "")
    await reported(server, "b", `${box}/pub/marker1`, "created")
    expect(leaked()).toEqual([])

    // The link swapped, in one rename, for one to an allowed directory: the denied one stays unheard.
    symlinkSync(`${box}/pub`, `${box}/pub/link2`)
    renameSync(`${box}/pub/link2`, `${box}/pub/link`)
    writeFileSync(`${box}/pub/marker2`, "")
    await reported(server, "b", `${box}/pub/marker2`, "created")
    const before = leaked().length
    appendFileSync(`${box}/secret/f`, "once more")
    writeFileSync(`${box}/secret/newest`, "n")
    writeFileSync(`${box}/pub/marker3`, "")
    await reported(server, "b", `${box}/pub/marker3`, "created")
    expect(leaked().slice(before)).toEqual([])
  })

  it("a watched directory moved into the denied subtree (and its name taken again) reports nothing from there", async () => {
    const box = makeBox()
    mkdirSync(`${box}/pub/d`)
    writeFileSync(`${box}/pub/d/f`, "f")
    const server = await setup.start(box)
    const sandbox = setup.sandbox(box)
    expect((await server.request("fs/watch", { watchId: "c", path: box, recursive: true, ...sandbox })).result)
      .toEqual({ watchId: "c" })
    // Outside any sandbox (as another program of the host would): moved away, a new directory in its place.
    renameSync(`${box}/pub/d`, `${box}/secret/d`)
    mkdirSync(`${box}/pub/d`)
    appendFileSync(`${box}/secret/d/f`, "changed in the denied subtree")
    writeFileSync(`${box}/secret/d/g`, "")
    writeFileSync(`${box}/pub/marker`, "")
    await reported(server, "c", `${box}/pub/marker`, "created")
    expect(changesOf(server, "c").filter((change) => /\/(f|g)$/.test(change.path) || change.path.includes("secret"))).toEqual([])
  })
})

describe("watches under a client's sandbox that shows only what programs need", () => {
  it("fs/watchMissing of a path outside it (a home directory's, too) is refused", async () => {
    const box = tempDir()
    const outside = tempDir(homedir())
    const server = await start()
    const sandbox = { writableRoots: [box], readable: "minimal" }
    for (const missing of [[`${homedir()}/.bash_history`], [`${outside}/x`], [`${outside}/deeper/x`]]) {
      const answer = await server.request("fs/watchMissing", { watchId: 1, missing, sandbox })
      expect(answer.error, missing[0]).toMatchObject(DENIED)
    }
    expect((await server.request("fs/watchMissing", { watchId: 2, missing: [`${box}/x`], sandbox })).result)
      .toEqual({ watching: true })
  })
})
