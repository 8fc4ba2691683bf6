/**
 * `npm pack` as the README runs it in a clone: short (npm's per-file
 * notices are off in .npmrc, and `prepare` builds only when dist/ is not
 * fresh: scripts/build-inputs.mjs), and a tarball that holds everything
 * the package needs: what `exports` and `bin` name, every module those
 * import, what `install` builds from (the addon's sources, the startup
 * snapshot's bundle), and nothing built on one machine for it (the
 * snapshot's blob and stamp). Packed in a copy of this checkout, so that a
 * `prepare` that builds never touches the dist/ the other tests run.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { userEnv } from "../support/userShell.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")

/** What a clone's `npm pack` prints at most: prepare's two lines, the tarball's name, blank lines. */
const MAX_LINES = 8

/** The most the package may hold unpacked, in bytes (npm's "unpacked size": 12.0 MB). */
const MAX_UNPACKED_BYTES = 12_000_000

/** The most lines docs/PERFORMANCE.md may have: a page for its readers; its journal is in git. */
const MAX_PERFORMANCE_LINES = 400

/** The relative modules a JavaScript file imports (static, dynamic and re-exports), resolved beside it. */
const importsOf = (file: string, source: string): Array<string> =>
  [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.\.?\/[^"']+)["']/g)].map((match) =>
    Path.posix.join(Path.posix.dirname(file), match[1]!)
  )

/** The targets of package.json's `exports`, `main`, `types` and `bin`. */
const entryPoints = (manifest: Record<string, unknown>): Array<string> => {
  const targets: Array<string> = []
  const collect = (value: unknown): void => {
    if (typeof value === "string") targets.push(Path.posix.normalize(value))
    else if (typeof value === "object" && value !== null) for (const inner of Object.values(value)) collect(inner)
  }
  collect([manifest["exports"], manifest["main"], manifest["types"], manifest["bin"]])
  return targets
}

describe("npm pack in a clone", () => {
  let copy: string
  /** The checkout's copy that was packed (its dist/ rebuilt there if it was not fresh). */
  let clone: string
  /** The tarball, unpacked. */
  let unpacked: string
  let packed: {
    readonly output: string
    readonly files: ReadonlyArray<string>
    readonly modes: ReadonlyMap<string, string>
    /** Each file's size in bytes, as the tarball lists it. */
    readonly sizes: ReadonlyMap<string, number>
  }

  beforeAll(() => {
    copy = Fs.mkdtempSync(Path.join(Os.tmpdir(), "exec-server-pack-"))
    clone = Path.join(copy, "effect-exec-server")
    // The checkout as it stands (dist/ as built), its node_modules linked.
    Fs.cpSync(ROOT, clone, {
      recursive: true,
      filter: (source) => !["node_modules", "build", ".git", "dist.next", "dist.old"].includes(Path.relative(ROOT, source))
    })
    Fs.symlinkSync(Path.join(ROOT, "node_modules"), Path.join(clone, "node_modules"))
    const run = spawnSync("npm", ["pack"], { cwd: clone, encoding: "utf8", env: userEnv(), timeout: 280_000, maxBuffer: 64 << 20 })
    const output = `${run.stdout}${run.stderr}`
    expect(run.status, output).toBe(0)
    const tarball = Path.join(clone, run.stdout.trim().split("\n").pop()!)
    const listing = execFileSync("tar", ["tvzf", tarball], { encoding: "utf8", maxBuffer: 64 << 20 }).trim().split("\n")
    const entries = listing.map((line) => {
      const fields = line.split(/\s+/)
      return { file: fields.slice(5).join(" ").replace(/^package\//, ""), mode: fields[0]!, size: Number(fields[2]) }
    })
    const modes = new Map(entries.map(({ file, mode }) => [file, mode] as const))
    const sizes = new Map(entries.map(({ file, size }) => [file, size] as const))
    packed = { output, files: [...modes.keys()], modes, sizes }
    unpacked = Path.join(copy, "unpacked")
    Fs.mkdirSync(unpacked)
    execFileSync("tar", ["xzf", tarball, "-C", unpacked, "--strip-components=1"])
  }, 300_000)
  afterAll(() => {
    if (copy !== undefined) Fs.rmSync(copy, { recursive: true, force: true })
  })

  it("prints a few lines, not a line per file", () => {
    const lines = packed.output.split("\n")
    expect(lines.length, packed.output.slice(0, 4000)).toBeLessThanOrEqual(MAX_LINES)
    expect(packed.output).toMatch(/^effect-exec-server-\d+\.\d+\.\d+\.tgz$/m)
    expect(packed.output).not.toMatch(/npm notice/)
  })

  it("holds at most 12 MB unpacked", () => {
    const bytes = [...packed.sizes.values()].reduce((sum, size) => sum + size, 0)
    const largest = [...packed.sizes].sort(([, a], [, b]) => b - a).slice(0, 10).map(([file, size]) => `${file} ${size}`)
    expect(bytes, `unpacked bytes; the largest files:\n${largest.join("\n")}`).toBeLessThanOrEqual(MAX_UNPACKED_BYTES)
  })

  it("ships a docs/PERFORMANCE.md of at most 400 lines", () => {
    const performance = Fs.readFileSync(Path.join(unpacked, "docs/PERFORMANCE.md"), "utf8")
    expect(performance.trimEnd().split("\n").length, "docs/PERFORMANCE.md's lines").toBeLessThanOrEqual(MAX_PERFORMANCE_LINES)
  })

  it("ships what exports and bin name, every module they reach, and what install builds from", () => {
    const files = new Set(packed.files)
    const manifest = JSON.parse(Fs.readFileSync(Path.join(ROOT, "package.json"), "utf8")) as Record<string, unknown>
    const missing = (names: ReadonlyArray<string>) => names.filter((name) => !files.has(name))
    expect(missing(entryPoints(manifest))).toEqual([])
    expect(packed.modes.get("dist/cli/exec-server")).toMatch(/^-rwx/)
    // Every relative import of every shipped module (the bundles' chunks, the server's modules, the console's page).
    const unresolved = packed.files
      .filter((file) => /\.(?:m?js|cjs)$/.test(file))
      .flatMap((file) => importsOf(file, Fs.readFileSync(Path.join(unpacked, file), "utf8")).map((target) => [file, target] as const))
      .filter(([, target]) => !files.has(target))
    expect(unresolved).toEqual([])
    // install: the addon's sources (binding.gyp's), its builder, the snapshots' builder and bundles.
    const gyp = Fs.readFileSync(Path.join(ROOT, "binding.gyp"), "utf8")
    const sources = [...new Set([...gyp.matchAll(/"(native\/[^"]+)"/g)].map((match) => match[1]!))]
    expect(sources.length).toBeGreaterThan(0)
    expect(missing([
      "package.json", "README.md", "LICENSE", "binding.gyp", ...sources, "native/addon.h", "native/errno_name.h", "native/build.mjs", "native/startup-snapshot.mjs", "native/blobCodeCache.mjs",
      "dist/cli/main.js", "dist/cli/startup-snapshot.cjs", "dist/cli/client-startup-snapshot.cjs", "dist/fs/worker.js", "dist/console/static/index.html"
    ])).toEqual([])
    // Every file of dist/ but what one machine builds for itself; nothing of the tests, the scripts or node_modules.
    const dist = Fs.readdirSync(Path.join(clone, "dist"), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => Path.relative(clone, Path.join(entry.parentPath, entry.name)))
    const machineOwn = (file: string) => /^dist\/cli\/exec-server(?:-client)?\.blob/.test(file) || file === "dist/.build-inputs"
    expect(missing(dist.filter((file) => !machineOwn(file)))).toEqual([])
    expect(packed.files.filter((file) => machineOwn(file) || /^(test|scripts|bench|scratch|node_modules|build)\//.test(file))).toEqual([])
  })
})
