/**
 * Builds the web console's page into `<outdir>` (default
 * `dist.next/console/static`, which `npm run build` moves into `dist`): one
 * script and one stylesheet bundled by esbuild with xterm.js, named by their
 * content's hash (served as immutable), and `index.html` naming them.
 * Nothing is fetched from elsewhere at run time.
 */
import * as esbuild from "esbuild"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"

const outdir = process.argv[2] ?? "dist.next/console/static"
const page = "src/console/page"
rmSync(outdir, { recursive: true, force: true })
mkdirSync(join(outdir, "assets"), { recursive: true })

const result = await esbuild.build({
  entryPoints: { console: join(page, "main.ts") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome110", "firefox115", "safari16"],
  outdir: join(outdir, "assets"),
  entryNames: "[name]-[hash]",
  metafile: true,
  legalComments: "linked",
  logLevel: "warning"
})
const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path))
const script = outputs.find((name) => name.endsWith(".js"))
const style = outputs.find((name) => name.endsWith(".css"))
if (script === undefined || style === undefined) throw new Error(`console build: expected a script and a stylesheet, got ${outputs.join(", ")}`)
writeFileSync(
  join(outdir, "index.html"),
  readFileSync(join(page, "index.html"), "utf8").replace("@SCRIPT@", script).replace("@STYLE@", style)
)
