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
