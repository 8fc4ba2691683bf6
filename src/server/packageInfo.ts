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

/**
 * What this Node lacks, in one line, when it is older than package.json's
 * `engines` (`>=22.19.0`) allows; undefined on a supported Node. The
 * server's modules use what older lines do not have, and fail there in
 * ways that do not say why.
 */
export const unsupportedNode = (version: string = process.versions.node): string | undefined => {
  const minimum = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(packageInfo.engines.node)
  if (minimum === null) return undefined
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number)
  const [want, wantMinor, wantPatch] = [Number(minimum[1]), Number(minimum[2]), Number(minimum[3])]
  const older = major !== want ? major < want : minor !== wantMinor ? minor < wantMinor : patch < wantPatch
  return older ? `exec-server needs Node ${want}.${wantMinor}.${wantPatch} or later (Node 22 or 24); this is Node ${version}` : undefined
}

/** Answers a command line that is exactly `--version`, before anything else loads; false for any other. */
export const answeredVersion = (args: ReadonlyArray<string>): boolean => {
  if (args.length !== 1 || args[0] !== "--version") return false
  process.stdout.write(`${packageInfo.version}\n`)
  return true
}
