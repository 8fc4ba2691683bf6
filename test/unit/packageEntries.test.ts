/**
 * The package's entries as the sources declare them (no build needed):
 * every module the root entry exports as a namespace is a subpath of its
 * own, and every service a server has (src/server/serverServices.ts) is
 * exported, with its inert layer named in docs/LIBRARY.md for applications
 * that compose their own. Each missing line is named as it would be
 * written. What the built entries load is test/integration/builtEntries.test.ts's.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { type PublicModule, serverServices } from "../../src/server/serverServices.js"

const packageRoot = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const packageJson = JSON.parse(Fs.readFileSync(Path.join(packageRoot, "package.json"), "utf8")) as {
  readonly exports: Record<string, { readonly default: string; readonly types: string } | undefined>
}
const index = Fs.readFileSync(Path.join(packageRoot, "src", "index.ts"), "utf8")
const library = Fs.readFileSync(Path.join(packageRoot, "docs", "LIBRARY.md"), "utf8")

/** Where package.json's exports point: the build of src/, which this file only names (it needs none). */
const BUILT = "dist"

/** package.json's subpath for the module at `path` (under src/, without its extension) exported as `name`, or what it lacks of it. */
const subpathLacking = (name: string, path: string): ReadonlyArray<string> => {
  const entry = { types: `./${Path.posix.join(BUILT, path)}.d.ts`, default: `./${Path.posix.join(BUILT, path)}.js` }
  const found = packageJson.exports[`./${name}`]
  return found?.types === entry.types && found.default === entry.default ? [] : [`package.json lacks "./${name}": ${JSON.stringify(entry)}`]
}

/** The line of src/index.ts that exports `module`. */
const exportLine = (module: Exclude<PublicModule, { readonly package: string }>): string =>
  "atRoot" in module ? `export * from "./${module.path}.js"` : `export * as ${module.name} from "./${module.path}.js"`

/** What the module of src/ at `path` exports: the same module the declaration imported. */
const exportsOf = (path: string): Promise<Record<string, unknown>> =>
  import(/* @vite-ignore */ pathToFileURL(Path.join(packageRoot, "src", `${path}.ts`)).href)

/** The declared services whose module is ours, with it. */
const ownServices = serverServices.services.flatMap((service) => "package" in service.module ? [] : [{ service, module: service.module }])

describe("package entries", () => {
  it("every module the root entry exports as a namespace is a subpath too, so that declarations can name its types", () => {
    const lacking = [...index.matchAll(/export \* as (\w+) from "\.\/([\w/]+)\.js"/g)].flatMap(([, name, path]) => subpathLacking(name!, path!))
    expect(lacking).toEqual([])
  })

  it("every service a server has is exported from the root entry, and from a subpath of its own where it is a namespace", () => {
    const lacking = ownServices.flatMap(({ module }) => [
      ...(index.split("\n").includes(exportLine(module)) ? [] : [`src/index.ts lacks ${exportLine(module)}`]),
      ...("atRoot" in module ? [] : subpathLacking(module.name, module.path))
    ])
    expect(lacking).toEqual([])
  })

  it("every service's module is where the declaration says: it exports the service's tag", async () => {
    const elsewhere: Array<string> = []
    for (const { service, module } of ownServices) {
      const exports = await exportsOf(module.path)
      if (!Object.values(exports).includes(service.tag)) elsewhere.push(`src/${module.path}.ts exports no tag of ${service.key}`)
    }
    expect(elsewhere).toEqual([])
  })

  it("every service's inert layer is an export of its module that docs/LIBRARY.md names, for an application composing a server without it", async () => {
    const lacking: Array<string> = []
    for (const { service, module } of ownServices) {
      if (typeof service.test === "string" || "atRoot" in module) continue
      const exports = await exportsOf(module.path)
      const name = Object.keys(exports).find((name) => exports[name] === service.test)
      if (name === undefined) lacking.push(`src/${module.path}.ts exports no inert layer of ${service.key}`)
      else if (!library.includes(`\`${module.name}.${name}\``)) lacking.push(`docs/LIBRARY.md lacks \`${module.name}.${name}\``)
    }
    expect(lacking).toEqual([])
  })
})
