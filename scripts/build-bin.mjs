/**
 * Bundles the command line (`<dir>/cli/main.js`, tsc's output, default
 * `dist.next`) in place into one ES module with lazily loaded chunks
 * beside it, and the sandboxed file worker (`<dir>/fs/worker.js`) into one
 * whole file. The command line's bundle leaves out the packages of
 * `LOADED_AT_FIRST_USE` (`requiredAtRunTime.mjs`), as the startup
 * snapshot's does: it requires them from node_modules when a feature
 * first needs them.
 */
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import { join } from "node:path"
import { requiredAtRunTime } from "./requiredAtRunTime.mjs"

const dir = process.argv[2] ?? "dist.next"
const main = join(dir, "cli", "main.js")

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  allowOverwrite: true,
  logLevel: "warning"
}

await esbuild.build({
  ...common,
  entryPoints: [main],
  external: ["node-pty"],
  splitting: true,
  outdir: join(dir, "cli"),
  chunkNames: "[name]-[hash]",
  // Each chunk gets it: CommonJS dependencies call `require`, and the packages left out are required from the chunk's own URL.
  banner: {
    js:
      "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url); const __bundleUrl = import.meta.url;"
  },
  plugins: [requiredAtRunTime({ bundleFile: main })]
})
Fs.chmodSync(main, 0o755)
// tsc's map of the unbundled main.js, which no longer describes it.
Fs.rmSync(`${main}.map`, { force: true })

await esbuild.build({ ...common, entryPoints: [join(dir, "fs", "worker.js")], outfile: join(dir, "fs", "worker.js") })
