/**
 * The one check that a path is this user's alone (src/ownership/privatePath.ts),
 * which the console key's place and the state directory of
 * `--keep-processes` both refuse by: on a real directory's stats, and on
 * stats of another uid.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { currentUid, whyNotPrivate } from "../../src/ownership/privatePath.js"

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe("whyNotPrivate", () => {
  it("has nothing against this user's directory with no group or other bit, and says which bits are open otherwise", () => {
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "private-path-"))
    Fs.chmodSync(dir, 0o700)
    expect(whyNotPrivate(Fs.lstatSync(dir), "the place")).toBeUndefined()
    Fs.chmodSync(dir, 0o750)
    expect(whyNotPrivate(Fs.lstatSync(dir), "the place")).toBe("the place is open to other users (mode 750)")
    expect(whyNotPrivate(Fs.lstatSync(dir), "the place", 0o700)).toBe("the place is open to other users (mode 750; it must be 0700)")
    // One bit for others alone is enough.
    Fs.chmodSync(dir, 0o701)
    expect(whyNotPrivate(Fs.lstatSync(dir), "the place")).toBe("the place is open to other users (mode 701)")
  })

  it("refuses another user's path whatever its mode, before its mode", () => {
    const other = currentUid() + 1
    expect(whyNotPrivate({ uid: other, mode: 0o40700 }, "the place")).toBe(`the place belongs to another user (uid ${other})`)
    expect(whyNotPrivate({ uid: other, mode: 0o40777 }, "the place", 0o700)).toBe(`the place belongs to another user (uid ${other})`)
  })
})
