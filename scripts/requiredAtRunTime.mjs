/**
 * An esbuild plugin that leaves the packages of `LOADED_AT_FIRST_USE` out
 * of a bundle: each import of one becomes a `require` of it from
 * node_modules, run when the importing module first runs. The binary's
 * bundles load these only for a feature some servers use (NATS, the HTTP
 * client, the credentials' authority, the metrics exporter, capability
 * discovery), and npm installs them beside the package anyway (they are
 * its dependencies, or theirs): bundled, each would be a second copy in
 * the package (2.5 MB of `dist/cli/` for the command line's bundle) and,
 * in a startup snapshot, source held in its heap and its blob.
 *
 * Used by `build-bin.mjs` (the command line's ES module bundle) and
 * `build-startup-snapshot.mjs` (the snapshots' CommonJS bundles). The bundle must
 * define `__bundleUrl` (its own file URL) and a `require` in its banner.
 */
import { createRequire } from "node:module"
import { resolve } from "node:path"

/** Packages (all their entry points) that no module evaluated at start imports. */
export const LOADED_AT_FIRST_USE = [
  "undici",
  "pkijs",
  "asn1js",
  "bytestreamjs",
  "@nats-io/",
  "tweetnacl",
  "yaml",
  "semver",
  "msgpackr",
  "@opentelemetry/"
]

const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
const loadedAtFirstUse = new RegExp(
  `^(?:${LOADED_AT_FIRST_USE.map((name) => name.endsWith("/") ? `${escaped(name)}[^/]+` : escaped(name)).join("|")})(?:/.*)?$`
)

/** The package a bundled file belongs to (its name and root), or undefined for the server's own code. */
const packageOf = (file) => {
  const match = /^(.*\/node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(file)
  return match === null ? undefined : { root: match[1], name: match[2] }
}

/**
 * The plugin for a bundle written to `bundleFile`. With `refuseWhileBuildingSnapshot`,
 * requiring one of the packages while a startup snapshot is built throws, naming it.
 */
export const requiredAtRunTime = ({ bundleFile, refuseWhileBuildingSnapshot = false }) => {
  // Resolves from the bundle's directory, as the bundle will at run time.
  const fromBundle = createRequire(resolve(bundleFile))
  return {
    name: "required-at-run-time",
    setup(build) {
      build.onResolve({ filter: loadedAtFirstUse }, (args) => {
        // A package's import resolves from that package, as Node would (it may
        // want another version than the server): the importer is found from
        // the bundle's directory at run time, so it must be one found from it
        // now (a dependency of the server's, or hoisted beside them); one
        // nested deeper stays bundled.
        const importer = packageOf(args.importer)
        if (importer !== undefined) {
          let found
          try {
            found = fromBundle.resolve(importer.name)
          } catch {
            return undefined
          }
          if (!found.startsWith(`${importer.root}/`)) return undefined
        }
        return { path: JSON.stringify([importer?.name ?? null, args.path]), namespace: "required-at-run-time" }
      })
      build.onLoad({ filter: /.*/, namespace: "required-at-run-time" }, (args) => {
        const [importer, specifier] = JSON.parse(args.path)
        const from = importer === null
          ? "createRequire(__bundleUrl)"
          : `createRequire(createRequire(__bundleUrl).resolve(${JSON.stringify(importer)}))`
        const guard = refuseWhileBuildingSnapshot
          ? [
            `if (require("node:v8").startupSnapshot.isBuildingSnapshot()) {`,
            `  throw new Error(${JSON.stringify(`${specifier} was loaded while the startup snapshot was built; remove it from LOADED_AT_FIRST_USE in scripts/requiredAtRunTime.mjs`)})`,
            `}`
          ]
          : []
        return {
          // `require` here is the bundle's banner's (the snapshot's loads built-in modules only).
          contents: [
            ...guard,
            `const { createRequire } = require("node:module")`,
            `module.exports = ${from}(${JSON.stringify(specifier)})`
          ].join("\n"),
          loader: "js"
        }
      })
    }
  }
}
