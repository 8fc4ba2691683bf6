/** Temporary directories for the tests of a file, removed after each test. */
import { spawnSync } from "node:child_process"
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

/**
 * Makes `dir` writable again and removes it. A server still stopping may
 * remove a sandbox's placeholder while chmod walks the tree (chmod then
 * fails on the vanished entry): what is gone needs no unlocking, so the
 * walk is tried again once before the removal.
 */
const unlockAndRemove = (dir: string): void => {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (spawnSync("chmod", ["-R", "u+rwx", dir]).status === 0) break
  }
  rmSync(dir, { recursive: true, force: true })
}

/**
 * The same with a name for each directory (`${prefix}${name}-…`). With
 * `unlock`, each is made writable again (`chmod -R u+rwx`) before it is
 * removed: a sandbox's test that failed may leave read-only placeholders
 * behind.
 */
export const useNamedTempDirs = (prefix: string, options: { readonly unlock?: boolean } = {}) => {
  let dirs: Array<string> = []
  afterEach(() => {
    for (const dir of dirs) {
      if (options.unlock === true) unlockAndRemove(dir)
      else rmSync(dir, { recursive: true, force: true })
    }
    dirs = []
  })
  return (name: string, parent: string = tmpdir()): string => {
    const dir = realpathSync(mkdtempSync(Path.join(parent, `${prefix}${name}-`)))
    dirs.push(dir)
    return dir
  }
}
