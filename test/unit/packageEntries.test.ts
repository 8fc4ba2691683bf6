/**
 * The package's subpaths as the sources declare them (no build needed): every
 * module the root entry exports as a namespace is a subpath of its own.
 * What the built entries load is test/integration/builtEntries.test.ts's.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const packageRoot = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const packageJson = JSON.parse(Fs.readFileSync(Path.join(packageRoot, "package.json"), "utf8")) as {
  readonly exports: Record<string, { readonly default: string; readonly types: string }>
}

/** Where package.json's exports point: the build of src/, which this file only names (it needs none). */
const BUILT = "dist"

describe("package entries", () => {
  it("every module the root entry exports as a namespace is a subpath too, so that declarations can name its types", () => {
    const index = Fs.readFileSync(Path.join(packageRoot, "src", "index.ts"), "utf8")
    for (const [, name, path] of index.matchAll(/export \* as (\w+) from "\.\/([\w/]+)\.js"/g)) {
      expect(packageJson.exports[`./${name}`]?.default, name).toBe(`./${Path.posix.join(BUILT, path!)}.js`)
    }
  })
})
