/**
 * A digest of what `npm run build` reads: the sources, the build scripts,
 * the TypeScript configurations, package.json and the installed dependency
 * tree (node_modules/.package-lock.json: the bundles carry their code).
 *
 *   node scripts/build-inputs.mjs --write <dir>   records it in <dir>/.build-inputs
 *                                                 (the build, before it compiles)
 *   node scripts/build-inputs.mjs --fresh <dir>   exits 0 when <dir> was built from
 *                                                 these inputs, 1 otherwise
 *
 * `prepare` (which `npm pack` and a clone's `npm install` run) builds only
 * when dist/ is not fresh: a build takes most of `npm pack`'s time, and its
 * output is what the tarball ships, unchanged when its inputs are. The
 * startup snapshot's blob is not an input of the tarball (it is built on
 * the installing machine).
 */
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"

const ROOT = Path.resolve(import.meta.dirname, "..")

const INPUTS = [
  "src",
  "scripts/build-inputs.mjs",
  "scripts/build-bin.mjs",
  "scripts/build-startup-snapshot.mjs",
  "scripts/requiredAtRunTime.mjs",
  "scripts/build-console.mjs",
  "scripts/write-launcher.mjs",
  "tsconfig.json",
  "tsconfig.build.json",
  "package.json",
  "node_modules/.package-lock.json"
]

/** Every file under `path` (or `path` itself), relative to the root, in a stable order. */
const filesOf = (path) => {
  const full = Path.join(ROOT, path)
  if (!Fs.existsSync(full)) return []
  if (!Fs.statSync(full).isDirectory()) return [path]
  return Fs.readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => Path.relative(ROOT, Path.join(entry.parentPath, entry.name)))
    .sort()
}

const digest = () => {
  const hash = createHash("sha256")
  for (const file of INPUTS.flatMap(filesOf)) {
    hash.update(`${file}\0`)
    hash.update(Fs.readFileSync(Path.join(ROOT, file)))
    hash.update("\0")
  }
  return hash.digest("hex")
}

const [mode, dir] = process.argv.slice(2)
if (dir === undefined || (mode !== "--write" && mode !== "--fresh")) {
  console.error("usage: node scripts/build-inputs.mjs --write|--fresh <dir>")
  process.exit(2)
}
const record = Path.resolve(ROOT, dir, ".build-inputs")
if (mode === "--write") {
  Fs.mkdirSync(Path.dirname(record), { recursive: true })
  Fs.writeFileSync(record, `${digest()}\n`)
} else {
  const recorded = Fs.existsSync(record) ? Fs.readFileSync(record, "utf8").trim() : undefined
  process.exit(recorded === digest() ? 0 : 1)
}
