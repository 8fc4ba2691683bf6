/**
 * Bundles the startup snapshot's entry (`<dir>/snapshot.js`, default
 * `dist.next/cli`) into one CommonJS script, `<dir>/snapshot.cjs`, which
 * `native/snapshot.mjs` evaluates under `node --build-snapshot`.
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
import { join } from "node:path"

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

const requiredAtRunTime = {
  name: "required-at-run-time",
  setup(build) {
    build.onResolve({ filter: loadedAtFirstUse }, (args) => ({ path: args.path, namespace: "required-at-run-time" }))
    build.onLoad({ filter: /.*/, namespace: "required-at-run-time" }, (args) => ({
      // `require` here is the snapshot's, which loads built-in modules only; `__bundleUrl` is the banner's.
      contents: [
        `if (require("node:v8").startupSnapshot.isBuildingSnapshot()) {`,
        `  throw new Error(${JSON.stringify(`${args.path} was loaded while the startup snapshot was built; remove it from LOADED_AT_FIRST_USE in scripts/build-snapshot.mjs`)})`,
        `}`,
        `module.exports = require("node:module").createRequire(__bundleUrl)(${JSON.stringify(args.path)})`
      ].join("\n"),
      loader: "js"
    }))
  }
}

await esbuild.build({
  entryPoints: [join(dir, "snapshot.js")],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["node-pty"],
  minify: true,
  outfile: join(dir, "snapshot.cjs"),
  logLevel: "warning",
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { "import.meta.url": "__bundleUrl" },
  plugins: [requiredAtRunTime]
})
