/**
 * Watches under a sandbox (the operator's flags, or a client's `sandbox`)
 * tell nothing of what the sandbox denies: `fs/watchMissing` and `fs/watch`
 * of a denied path are refused as the other `fs/*` methods refuse it, and a
 * watch of an allowed path never reports a change of a denied one, whatever
 * name (a symlink alias of the root, a symlink made later) it would have.
 * That something is not reported is shown by a permitted change made after
 * it: once that is reported, the denied one would have been too.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { describe, expect, it } from "vitest"
import { useStdioServers } from "../support/StdioServer.js"
import { useTempDirs } from "../support/tempDirs.js"

const start = useStdioServers()
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
