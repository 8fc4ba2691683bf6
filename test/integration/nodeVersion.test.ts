/**
 * The Node lines the server runs on are package.json's `engines` (22.19+,
 * 24). On an older Node the binary says so in one line and exits 1, before
 * any of the server's modules load (they would fail there without saying
 * why). The machines' own Node (20.20) is such a Node; the suite itself
 * runs on the Node 24 the project installs.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Semver from "semver"
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

  // npm warns (EBADENGINE) on every install that runs on a Node some installed package's engines exclude.
  it("are every installed package's (npm's EBADENGINE stays silent on them), and the README's", () => {
    const manifest = JSON.parse(Fs.readFileSync(Path.join(ROOT, "package.json"), "utf8")) as { readonly engines: { readonly node: string } }
    const lowest = Semver.minVersion(manifest.engines.node)!.version
    expect(lowest).toBe("22.19.0")
    // The tree npm installed, the dev dependencies with it (a clone's `npm install` checks them all).
    const lock = JSON.parse(Fs.readFileSync(Path.join(ROOT, "node_modules/.package-lock.json"), "utf8")) as {
      readonly packages: Record<string, { readonly engines?: { readonly node?: string } }>
    }
    const refusing = Object.entries(lock.packages)
      .filter(([, entry]) => typeof entry.engines?.node === "string")
      .filter(([, entry]) => !Semver.satisfies(lowest, entry.engines!.node!) || !Semver.satisfies("24.0.0", entry.engines!.node!))
      .map(([path, entry]) => `${path}: ${entry.engines!.node}`)
    expect(refusing).toEqual([])
    // Each lowest Node the README names, for npm or the server ("Node ≥ X", "Node X+"), is engines' lowest.
    const readme = Fs.readFileSync(Path.join(ROOT, "README.md"), "utf8")
    const named = [...readme.matchAll(/Node (?:≥ ?(\d+(?:\.\d+)*)|(\d+(?:\.\d+)*)\+)/g)].map((match) => match[0])
    expect(named.length).toBeGreaterThan(0)
    expect(named.filter((text) => Semver.coerce(text)?.version !== lowest)).toEqual([])
  })
})
