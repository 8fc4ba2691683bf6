/**
 * The package's name and version, from its package.json. A module of its
 * own, importing nothing else, so that the binary's entry answers
 * `--version` without loading the server.
 */
import { createRequire } from "node:module"

export const packageInfo = createRequire(import.meta.url)("../../package.json") as {
  readonly name: string
  readonly version: string
}

/** Answers a command line that is exactly `--version`, before anything else loads; false for any other. */
export const answeredVersion = (args: ReadonlyArray<string>): boolean => {
  if (args.length !== 1 || args[0] !== "--version") return false
  process.stdout.write(`${packageInfo.version}\n`)
  return true
}
