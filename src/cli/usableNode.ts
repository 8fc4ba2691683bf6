/**
 * Where a Node the binary runs on is, for the message on too old a Node:
 * npm's `node` package (`node_modules/node/bin/node`) in the package's own
 * directory (a clone's `npm install` puts the project's Node there) or in
 * one above it (an application that depends on that package). Loaded only
 * on that path: it runs each candidate to ask its version.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { isTooOldNode, supportedNodeLines } from "../server/packageInfo.js"

/** A Node binary and its version. */
export interface FoundNode {
  readonly path: string
  readonly version: string
}

/** The package's directory: two above this module, in src/cli and in dist/cli (the bundle's chunks) alike. */
const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url))

/** `node_modules/node/bin/node` in `from` and in each directory above it, the nearest first. */
export const nodeCandidates = (from: string): ReadonlyArray<string> => {
  const candidates: Array<string> = []
  for (let dir = Path.resolve(from); ; dir = Path.dirname(dir)) {
    candidates.push(Path.join(dir, "node_modules", "node", "bin", "node"))
    if (Path.dirname(dir) === dir) return candidates
  }
}

/** The nearest candidate that runs and is not too old; undefined when there is none. */
export const findUsableNode = (from: string = PACKAGE_ROOT): FoundNode | undefined => {
  for (const path of nodeCandidates(from)) {
    if (!Fs.existsSync(path)) continue
    const run = spawnSync(path, ["-p", "process.versions.node"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] })
    const version = run.status === 0 ? run.stdout.trim() : ""
    if (/^\d+\.\d+\.\d+/.test(version) && !isTooOldNode(version)) return { path, version }
  }
  return undefined
}

/** The line that follows the refusal: the usable Node found, or how to get one. */
export const usableNodeAdvice = (found: FoundNode | undefined): string => {
  if (found !== undefined) {
    return `a usable Node is ${found.path} (${found.version}); put its directory first on PATH: export PATH=${Path.dirname(found.path)}:$PATH`
  }
  const newest = supportedNodeLines.at(-1)?.major
  return `no usable Node was found beside it: install one (https://nodejs.org), or npm's into a directory of your choice: npm install --prefix DIR node@${newest}, then put DIR/node_modules/node/bin first on PATH`
}
