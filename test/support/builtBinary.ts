/**
 * Which test files run the built binary (dist/), and whether dist/ was built
 * from the sources as they are. A file runs the binary when it, or a file of
 * test/ or scratch/ it imports or names (a support module, a script it
 * starts, a vitest configuration and the files beside it), holds a way to
 * start it: a path into dist/, the suite's server arguments (StdioServer's
 * serverArgs), the client's local server (its spawnLocal or layerSpawnLocal,
 * localServerCommand or localServerBin), `npm pack` (the tarball packs
 * dist/). The reading is by module, not by function: a file that imports
 * StdioServer for `eventually` alone counts, which costs it only the check
 * below.
 *
 * vitest.config.ts runs the files that do not in projects of their own
 * (`all-unit`, `all-in-process`), without the check: they import src/ and
 * never need a build.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

const ROOT = Path.resolve(import.meta.dirname, "../..")

/**
 * Where a file starts the binary: a path into dist/ (`../../dist/cli`,
 * `"./dist/…"`, `Path.join(root, "dist", "cli")`; dist/ itself alone is no
 * sign), a helper that builds its command line, npm's `pack`.
 */
const STARTS_THE_BINARY = /(?:\.\.\/)+dist\/|["'`]\.?\/?dist\/|["'`]dist["'`], *["'`]|\bserverArgs\(|\blocalServerCommand\(|\blocalServerBin\b|\b(?:layerS|s)pawnLocal\(|["'`]pack["'`]/

/** The files of test/ and scratch/ a file imports or names (`../support/StdioServer.js`, `"test/support/suiteOutput/vitest.config.ts"`, `"../../scratch/codex-e2e/skills.sh"`). */
const REFERENCE = /["'`]((?:\.\.?\/)+[\w./-]+?\.(?:ts|js|mjs|cjs|sh))["'`]|["'`](?:test\/)?(support\/[\w./-]+?\.(?:ts|js|mjs|cjs))["'`]/g

const referencedFiles = (file: string, text: string): Array<string> =>
  Array.from(text.matchAll(REFERENCE), (match) => {
    const path = match[1] !== undefined ? Path.resolve(Path.dirname(file), match[1]) : Path.join(ROOT, "test", match[2]!)
    // Imports name the compiled `.js` of a `.ts` module.
    return path.endsWith(".js") && !Fs.existsSync(path) ? `${path.slice(0, -3)}.ts` : path
  }).filter((path) => ["test", "scratch"].some((folder) => path.startsWith(Path.join(ROOT, folder) + Path.sep)) && Fs.existsSync(path))
    // A vitest configuration runs the files of its folder.
    .flatMap((path) =>
      Path.basename(path) === "vitest.config.ts"
        ? Fs.readdirSync(Path.dirname(path)).map((name) => Path.join(Path.dirname(path), name))
        : [path]
    )

/**
 * Whether `file` (absolute), or a file of test/ or scratch/ it reaches,
 * starts the built binary. This file is not read: it names dist/ to check
 * it, and starts nothing.
 */
export const runsTheBinary = (file: string, seen: Set<string> = new Set([import.meta.filename])): boolean => {
  if (seen.has(file)) return false
  seen.add(file)
  const text = Fs.readFileSync(file, "utf8")
  return STARTS_THE_BINARY.test(text) || referencedFiles(file, text).some((next) => runsTheBinary(next, seen))
}

/** The test files (relative to the root) under `folders` that never start the built binary. */
export const inProcessFiles = (folders: ReadonlyArray<string>): Array<string> =>
  folders.flatMap((folder) =>
    Fs.readdirSync(Path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".test.ts"))
      .map((name) => Path.join(folder, name))
      .filter((name) => !runsTheBinary(Path.join(ROOT, name)))
      .sort()
  )

/** The line a run that needs the binary stops with when dist/ is not the build of the sources as they are. */
export const STALE = "dist/ is older than src/: run npm run build"

/** The line it stops with when there is no dist/ at all. */
export const UNBUILT = "no dist/: run npm run build"

/**
 * A vitest global setup (of the projects that run the binary): stops the run
 * before any test when dist/'s recorded inputs (scripts/build-inputs.mjs,
 * written by `npm run build`) are not those of the sources now. It fails
 * rather than builds: `npm test` builds first, and a build here (20 s) would
 * run once per project and race a build the developer started.
 */
export const setup = (): void => {
  const fresh = spawnSync(process.execPath, [Path.join(ROOT, "scripts/build-inputs.mjs"), "--fresh", "dist"], { cwd: ROOT })
  if (fresh.status !== 0) {
    const line = Fs.existsSync(Path.join(ROOT, "dist")) ? STALE : UNBUILT
    const error = new Error(line)
    // The line alone: the stack would point at this file, not at the cause.
    error.stack = line
    throw error
  }
}
