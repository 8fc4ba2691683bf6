/**
 * The package's name and version, from its package.json. A module of its
 * own, importing nothing else, so that the binary's entry answers
 * `--version` without loading the server.
 */
import { createRequire } from "node:module"

export const packageInfo = createRequire(import.meta.url)("../../package.json") as {
  readonly name: string
  readonly version: string
  readonly engines: { readonly node: string }
}

/** One Node line the package runs on: its major version and the lowest release of it that works. */
export interface NodeLine {
  readonly major: number
  readonly lowest: readonly [number, number, number]
}

/**
 * The Node lines package.json's `engines` names (`^22.19.0 || ^24.0.0 ||
 * ...`), oldest first: the one place they are stated. The binary's message,
 * its launcher (built from it), the docs and the tests take them from here.
 */
export const supportedNodeLines: ReadonlyArray<NodeLine> = packageInfo.engines.node
  .split("||")
  .flatMap((part) => {
    const caret = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(part)
    return caret === null ? [] : [{ major: Number(caret[1]), lowest: [Number(caret[1]), Number(caret[2]), Number(caret[3])] as const }]
  })
  .sort((a, b) => a.major - b.major)

/** The lines for a reader: "22.19+, 24 or 26" (a line from its first release is named by its major alone). */
export const supportedNodeText: string = ((): string => {
  const names = supportedNodeLines.map(({ lowest: [major, minor, patch] }) =>
    minor === 0 && patch === 0 ? `${major}` : patch === 0 ? `${major}.${minor}+` : `${major}.${minor}.${patch}+`
  )
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`
})()

const parse = (version: string): readonly [number, number, number] => {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map((part) => Number.parseInt(part, 10) || 0)
  return [major, minor, patch]
}

const below = (a: readonly [number, number, number], b: readonly [number, number, number]): boolean =>
  a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2]

/**
 * Whether `version` is older than the lowest release of the oldest line, or
 * an early release of a line whose first ones lack what the server uses.
 * The server's modules use what older Nodes do not have, and fail there in
 * ways that do not say why. Lines between or after the supported ones
 * (odd, or newer) are not refused: npm warns of them on install.
 */
export const isTooOldNode = (version: string = process.versions.node): boolean => {
  const parsed = parse(version)
  const oldest = supportedNodeLines[0]
  if (oldest === undefined) return false
  if (below(parsed, oldest.lowest)) return true
  const line = supportedNodeLines.find((candidate) => candidate.major === parsed[0])
  return line !== undefined && below(parsed, line.lowest)
}

/**
 * What this Node lacks, in one line, when `isTooOldNode`; undefined on a
 * Node the server runs on. `path` is the Node's binary, named so that the
 * reader knows which of their Nodes was found.
 */
export const unsupportedNode = (version: string = process.versions.node, path: string = process.execPath): string | undefined =>
  isTooOldNode(version) ? `exec-server needs Node ${supportedNodeText}; this is Node ${version} (${path})` : undefined

/** Answers a command line that is exactly `--version`, before anything else loads; false for any other. */
export const answeredVersion = (args: ReadonlyArray<string>): boolean => {
  if (args.length !== 1 || args[0] !== "--version") return false
  process.stdout.write(`${packageInfo.version}\n`)
  return true
}
