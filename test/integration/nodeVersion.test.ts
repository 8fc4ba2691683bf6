/**
 * The Node lines the server runs on are package.json's `engines` (22.19+,
 * 24, 26), stated there alone: the binary's message, its launcher, the
 * README and docs/OPERATIONS.md name them from it. On an older Node the
 * binary says so, and where a usable Node is, before any of the server's
 * modules load (they would fail there without saying why). The machines'
 * own Node (20.20) is such a Node; the suite itself runs on the Node 24 the
 * project installs.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Semver from "semver"
import { afterAll, describe, expect, it } from "vitest"
import { findUsableNode, nodeCandidates, usableNodeAdvice } from "../../src/cli/usableNode.js"
import { isTooOldNode, packageInfo, supportedNodeLines, supportedNodeText, unsupportedNode } from "../../src/server/packageInfo.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const LAUNCHER = Path.join(ROOT, "dist/cli/exec-server")
/** The Node `npm install` puts in a clone (the `node` dev dependency): what the message points at. */
const PROJECT_NODE = Path.join(ROOT, "node_modules/node/bin/node")

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

const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "node-version-"))
afterAll(() => Fs.rmSync(scratch, { recursive: true, force: true }))

describe("supported Node versions", () => {
  it("are package.json's engines, 22.19+, 24 and 26, named from there", () => {
    expect(packageInfo.engines.node).toBe("^22.19.0 || ^24.0.0 || ^26.0.0")
    // Every part of engines is read: none is dropped by the parser.
    expect(supportedNodeLines.map(({ lowest }) => `^${lowest.join(".")}`).join(" || ")).toBe(packageInfo.engines.node)
    expect(supportedNodeText).toBe("22.19+, 24 or 26")
  })

  it("refuse what is older than 22.19, and nothing newer", () => {
    for (const version of ["20.20.2", "22.18.0", "21.7.3", "18.20.8"]) {
      expect(isTooOldNode(version), version).toBe(true)
      expect(unsupportedNode(version, "/usr/bin/node")).toBe(`exec-server needs Node 22.19+, 24 or 26; this is Node ${version} (/usr/bin/node)`)
    }
    // Odd and later lines are not refused (npm warns of them on install: engines leaves them out).
    for (const version of ["22.19.0", "22.23.3", "23.0.0", "24.21.0", "25.1.0", "26.10.0", "27.0.0"]) {
      expect(unsupportedNode(version), version).toBeUndefined()
    }
  })

  it.skipIf(systemNode === undefined || !isTooOldNode(systemNode.version) || !Fs.existsSync(PROJECT_NODE))(
    "an older Node: the binary says what it needs, names the project's Node beside it, and exits 1",
    () => {
      const { path, version } = systemNode!
      const projectVersion = execFileSync(PROJECT_NODE, ["-p", "process.versions.node"], { encoding: "utf8" }).trim()
      const run = spawnSync(LAUNCHER, ["--listen", "stdio://"], {
        encoding: "utf8",
        input: `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientName":"t"}}\n`,
        env: { ...process.env, PATH: `${Path.dirname(path)}:/usr/bin:/bin` }
      })
      expect([run.status, run.stdout, run.stderr]).toEqual([
        1,
        "",
        `exec-server needs Node 22.19+, 24 or 26; this is Node ${version} (${path})\n` +
        `a usable Node is ${PROJECT_NODE} (${projectVersion}); put its directory first on PATH: export PATH=${Path.dirname(PROJECT_NODE)}:$PATH\n`
      ])
    }
  )

  it("a usable Node is looked for in node_modules/node beside the package and above it, the nearest usable first", () => {
    // An application that depends on npm's `node` package, and the package installed in it.
    const app = Path.join(scratch, "app")
    const installed = Path.join(app, "node_modules/effect-exec-server")
    Fs.mkdirSync(Path.join(app, "node_modules/node/bin"), { recursive: true })
    Fs.mkdirSync(installed, { recursive: true })
    Fs.symlinkSync(process.execPath, Path.join(app, "node_modules/node/bin/node"))
    expect(nodeCandidates(installed).slice(0, 3)).toEqual([
      Path.join(installed, "node_modules/node/bin/node"),
      Path.join(app, "node_modules/node_modules/node/bin/node"),
      Path.join(app, "node_modules/node/bin/node")
    ])
    expect(findUsableNode(installed)).toEqual({ path: Path.join(app, "node_modules/node/bin/node"), version: process.versions.node })
    // A nearer Node that is too old is passed over.
    if (systemNode !== undefined && isTooOldNode(systemNode.version)) {
      Fs.mkdirSync(Path.join(installed, "node_modules/node/bin"), { recursive: true })
      Fs.symlinkSync(systemNode.path, Path.join(installed, "node_modules/node/bin/node"))
      expect(findUsableNode(installed)?.path).toBe(Path.join(app, "node_modules/node/bin/node"))
    }
  })

  it("where none is found, the message says how to get one", () => {
    const lone = Path.join(scratch, "lone")
    Fs.mkdirSync(lone)
    expect(findUsableNode(lone)).toBeUndefined()
    expect(usableNodeAdvice(undefined)).toBe(
      "no usable Node was found beside it: install one (https://nodejs.org), or npm's into a directory of your choice: " +
        "npm install --prefix DIR node@26, then put DIR/node_modules/node/bin first on PATH"
    )
  })

  it("no node on PATH: the launcher says so and names the lines", () => {
    const run = spawnSync(LAUNCHER, ["--listen", "stdio://"], { encoding: "utf8", env: { PATH: Path.join(scratch, "nothing") } })
    expect([run.status, run.stdout, run.stderr]).toEqual([127, "", "exec-server: node was not found on PATH (it runs on Node 22.19+, 24 or 26)\n"])
  })

  // npm warns (EBADENGINE) on every install that runs on a Node some installed package's engines exclude.
  it("are every installed package's (npm's EBADENGINE stays silent on each line's first release)", () => {
    const lowests = supportedNodeLines.map(({ lowest }) => lowest.join("."))
    // The tree npm installed, the dev dependencies with it (a clone's `npm install` checks them all).
    const lock = JSON.parse(Fs.readFileSync(Path.join(ROOT, "node_modules/.package-lock.json"), "utf8")) as {
      readonly packages: Record<string, { readonly engines?: { readonly node?: string } }>
    }
    const refusing = Object.entries(lock.packages)
      .filter(([, entry]) => typeof entry.engines?.node === "string")
      .flatMap(([path, entry]) => lowests.filter((lowest) => !Semver.satisfies(lowest, entry.engines!.node!)).map((lowest) => `${path} (${entry.engines!.node}): not ${lowest}`))
    expect(refusing).toEqual([])
  })

  // "Node 22.19+, 24 or 26" wherever a document names the lines (a list with the oldest's "+"); any other such list is stale.
  it("are the ones the README and docs/OPERATIONS.md name", () => {
    for (const document of ["README.md", "docs/OPERATIONS.md"]) {
      const text = Fs.readFileSync(Path.join(ROOT, document), "utf8").replace(/\s+/g, " ")
      const named = [...text.matchAll(/Node (\d+(?:\.\d+)*\+?(?:(?:,| or| and) \d+(?:\.\d+)*\+?)*)/g)]
        .map((match) => match[1]!)
        .filter((lines) => lines.includes("+"))
      expect(named.length, document).toBeGreaterThan(0)
      expect(named.filter((lines) => lines !== supportedNodeText), document).toEqual([])
    }
    // docs/OPERATIONS.md's example of the message is the message.
    const found = { path: "/src/effect-exec-server/node_modules/node/bin/node", version: "24.21.0" }
    expect(Fs.readFileSync(Path.join(ROOT, "docs/OPERATIONS.md"), "utf8")).toContain(
      `\n${unsupportedNode("20.20.2", "/usr/bin/node")}\n${usableNodeAdvice(found)}\n`
    )
  })
})
