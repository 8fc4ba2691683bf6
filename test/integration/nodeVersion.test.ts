/**
 * The Node lines the server runs on are package.json's `engines` (22.19+,
 * 24). On an older Node the binary says so in one line and exits 1, before
 * any of the server's modules load (they would fail there without saying
 * why). The machines' own Node (20.20) is such a Node; the suite itself
 * runs on the Node 24 the project installs.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { unsupportedNode } from "../../src/server/packageInfo.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const LAUNCHER = Path.join(ROOT, "dist/cli/exec-server")

/** The first Node on the system PATH that is not the project's own, with its version. */
const systemNode = ((): { readonly path: string; readonly version: string } | undefined => {
  for (const path of ["/usr/bin/node", "/usr/local/bin/node"]) {
    try {
      return { path, version: execFileSync(path, ["-p", "process.versions.node"], { encoding: "utf8" }).trim() }
    } catch {
      continue
    }
  }
  return undefined
})()

describe("supported Node versions", () => {
  it("are 22.19 and later", () => {
    for (const version of ["20.20.2", "22.18.0", "21.7.3", "18.20.8"]) {
      expect(unsupportedNode(version)).toBe(
        `exec-server needs Node 22.19.0 or later (Node 22 or 24); this is Node ${version}`
      )
    }
    for (const version of ["22.19.0", "22.23.1", "23.0.0", "24.21.0"]) expect(unsupportedNode(version)).toBeUndefined()
  })

  it.skipIf(systemNode === undefined || unsupportedNode(systemNode.version) === undefined)(
    "an older Node: the binary prints one line of what it needs and exits 1",
    () => {
      const { path, version } = systemNode!
      const run = spawnSync(LAUNCHER, ["--listen", "stdio://"], {
        encoding: "utf8",
        input: `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientName":"t"}}\n`,
        env: { ...process.env, PATH: `${Path.dirname(path)}:/usr/bin:/bin` }
      })
      expect([run.status, run.stdout, run.stderr]).toEqual([
        1,
        "",
        `exec-server needs Node 22.19.0 or later (Node 22 or 24); this is Node ${version}\n`
      ])
    }
  )
})
