/**
 * Bundles each startup snapshot's entry into one CommonJS script, which
 * `native/snapshot.mjs` evaluates under `node --build-snapshot`: the
 * server's (`<dir>/snapshot.js`, default `dist.next/cli`) into
 * `<dir>/snapshot.cjs`, the client's (`<dir>/clientSnapshot.js`) into
 * `<dir>/client-snapshot.cjs`.
 *
 * The packages in `LOADED_AT_FIRST_USE` stay out of it: the server loads
 * them from node_modules when a feature first needs them (NATS, the HTTP
 * client, the credentials' authority, the metrics exporter, capability
 * discovery). In the bundle their source would sit in the snapshot's heap
 * and again in the blob Node keeps in memory: 1.8 MB of the 10.4 MB blob
 * and 4 MiB of an idle server's resident memory (docs/PERFORMANCE.md). A
 * module that loads one of them while the snapshot is built fails the
 * build, which says which: the snapshot would otherwise hold a module
 * loaded from outside the bundle. Not for what a plain WebSocket server
 * loads by its first connection: left out, `ws` made an idle server 1.6
 * MiB larger, `jose` and `smol-toml` together 1 MiB (Node's module loader
 * at its first use costs more than their source saves).
 */
import * as esbuild from "esbuild"
import { createRequire } from "node:module"
import { join, resolve } from "node:path"

const dir = process.argv[2] ?? "dist.next/cli"

/** Packages (all their entry points) that no module the snapshot evaluates imports. */
const LOADED_AT_FIRST_USE = [
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

/** Resolves from the bundle's directory, as the snapshot will at run time. */
const fromBundle = createRequire(resolve(dir, "snapshot.cjs"))

const requiredAtRunTime = {
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
      return {
        // `require` here is the snapshot's, which loads built-in modules only; `__bundleUrl` is the banner's.
        contents: [
          `if (require("node:v8").startupSnapshot.isBuildingSnapshot()) {`,
          `  throw new Error(${JSON.stringify(`${specifier} was loaded while the startup snapshot was built; remove it from LOADED_AT_FIRST_USE in scripts/build-snapshot.mjs`)})`,
          `}`,
          `const { createRequire } = require("node:module")`,
          `module.exports = ${from}(${JSON.stringify(specifier)})`
        ].join("\n"),
        loader: "js"
      }
    })
  }
}

/**
 * Node's built-in modules that `ws` requires as it loads but uses only for
 * a wss:// URL: in both bundles, `ws` gets each as an object that requires
 * it at the first read of one of its properties. The client loads `ws` at
 * its first connection, and loading these cost it 2.5 MiB of resident
 * memory and 15 ms of its start (docs/PERFORMANCE.md, "The command-line
 * client"); a WebSocket server loads `ws` as it listens, and they cost an
 * idle one 2.7 MiB (67.1 against 64.4). Not `zlib`, which `ws` uses only
 * for a compression the server agreed to (ours never does): 0.3 MiB more,
 * within the noise.
 */
const WS_BUILTINS_AT_FIRST_USE = ["https", "tls"]

const wsBuiltinsAtFirstUse = {
  name: "ws-builtins-at-first-use",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(?:node:)?(?:${WS_BUILTINS_AT_FIRST_USE.join("|")})$`) }, (args) =>
      /[\\/]node_modules[\\/]ws[\\/]/.test(args.importer)
        ? { path: args.path.replace(/^node:/, ""), namespace: "ws-builtin-at-first-use" }
        : undefined)
    build.onLoad({ filter: /.*/, namespace: "ws-builtin-at-first-use" }, (args) => ({
      contents: `module.exports = new Proxy({}, { get: (_, key) => require(${JSON.stringify(`node:${args.path}`)})[key] })`,
      loader: "js"
    }))
  }
}

/** The entries and their bundles. */
const ENTRIES = [
  ["snapshot.js", "snapshot.cjs"],
  ["clientSnapshot.js", "client-snapshot.cjs"]
]

for (const [entry, bundle] of ENTRIES) {
  await esbuild.build({
    entryPoints: [join(dir, entry)],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["node-pty"],
    minify: true,
    outfile: join(dir, bundle),
    logLevel: "warning",
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { "import.meta.url": "__bundleUrl" },
    plugins: [wsBuiltinsAtFirstUse, requiredAtRunTime]
  })
}
