/**
 * environmentInfo, which every `initialize` answers: made again only when
 * what it is made of changed, and then it says the new working and
 * temporary directories.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { environmentInfo } from "../../src/server/environmentInfo.js"

const options = (environment: Record<string, string | undefined>) => ({ environment, sandboxedFiles: false, http: true })

describe("environmentInfo", () => {
  const home = process.cwd()
  afterEach(() => process.chdir(home))

  it("answers the same until the working directory or TMPDIR changes, then what they are now", () => {
    const first = environmentInfo(options({}))
    expect(environmentInfo(options({}))).toBe(first)
    expect(first.cwd).toBe(pathToFileURL(process.cwd()).href)

    const dir = realpathSync(mkdtempSync(Path.join(tmpdir(), "env-info-")))
    try {
      process.chdir(dir)
      const moved = environmentInfo(options({}))
      expect(moved.cwd).toBe(pathToFileURL(dir).href)
      const withTmp = environmentInfo(options({ TMPDIR: dir }))
      expect(withTmp.temporaryDirectories).toEqual([pathToFileURL(dir).href])
      expect(withTmp.cwd).toBe(moved.cwd)
    } finally {
      process.chdir(home)
      rmSync(dir, { recursive: true, force: true })
    }
    expect(environmentInfo(options({})).cwd).toBe(first.cwd)
  })
})
