/** Temporary directories for the tests of a file, removed after each test. */
import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterEach } from "vitest"

/** Returns a maker of fresh directories (their real paths, under `parent`, default the temporary directory). */
export const useTempDirs = (prefix: string) => {
  let dirs: Array<string> = []
  afterEach(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    dirs = []
  })
  return (parent: string = tmpdir()): string => {
    const dir = realpathSync(mkdtempSync(Path.join(parent, prefix)))
    dirs.push(dir)
    return dir
  }
}
