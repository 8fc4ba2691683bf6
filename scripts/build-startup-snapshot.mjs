/**
 * Bundles each startup snapshot's entry into one CommonJS script, which
 * `native/startup-snapshot.mjs` evaluates under `node --build-snapshot`: the
 * server's (`<dir>/startupSnapshot.js`, default `dist.next/cli`) into
 * `<dir>/startup-snapshot.cjs`, the client's (`<dir>/clientStartupSnapshot.js`) into
 * `<dir>/client-startup-snapshot.cjs`.
 *
 * The packages in `LOADED_AT_FIRST_USE` (`requiredAtRunTime.mjs`) stay out
 * of it: the server loads them from node_modules when a feature first
 * needs them. In the bundle their source would sit in the snapshot's heap
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
import { requiredAtRunTime } from "./requiredAtRunTime.mjs"

const dir = process.argv[2] ?? "dist.next/cli"

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
  ["startupSnapshot.js", "startup-snapshot.cjs"],
  ["clientStartupSnapshot.js", "client-startup-snapshot.cjs"]
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
    plugins: [wsBuiltinsAtFirstUse, requiredAtRunTime({ bundleFile: join(dir, bundle), refuseWhileBuildingSnapshot: true })]
  })
}
