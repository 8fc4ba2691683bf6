/**
 * A stale dist/ cannot pass or fail a test: a run that includes a file
 * starting the built binary stops before any test when dist/ is not the
 * build of the sources (its recorded inputs differ), and a run of files
 * that import src/ alone needs no dist/ at all. Both on a copy of the
 * repository (its node_modules and addon linked), whose dist/ this test
 * makes: the repository's own is neither touched nor reached (the client's
 * local server is found beside the copied src/).
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runsTheBinary, STALE, UNBUILT } from "../support/builtBinary.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")

let copy: string

beforeAll(() => {
  copy = Fs.mkdtempSync(Path.join(Os.tmpdir(), "exec-server-stale-"))
  for (const name of ["node_modules", "build", "native"]) Fs.symlinkSync(Path.join(ROOT, name), Path.join(copy, name))
  for (const name of ["package.json", "tsconfig.json", "tsconfig.build.json", "vitest.config.ts"]) {
    Fs.copyFileSync(Path.join(ROOT, name), Path.join(copy, name))
  }
  for (const name of ["src", "scripts", "test"]) Fs.cpSync(Path.join(ROOT, name), Path.join(copy, name), { recursive: true })
})

afterAll(() => Fs.rmSync(copy, { recursive: true, force: true }))

/**
 * How long one run of vitest below may take: 4-16 s on 2 cores with the suite
 * beside it, twice that at load 12, over 120 s at load 30. The tests that run it wait
 * longer, so that a run cut short fails with its output, not a test timeout.
 */
const RUN_MS = 300_000

/** vitest with the suite's configuration, in the copy, over `files` of every `all*` project. */
const vitest = (...files: ReadonlyArray<string>) => {
  const run = spawnSync(process.execPath, [Path.join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--project", "all*", ...files], {
    cwd: copy,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeout: RUN_MS
  })
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

describe("a run with a file that starts the built binary", { timeout: RUN_MS + 10_000 }, () => {
  it("stops before any test when dist/ was built from other sources", () => {
    const dist = Path.join(copy, "dist")
    Fs.mkdirSync(dist)
    // What `npm run build` records, from sources other than these.
    Fs.writeFileSync(Path.join(dist, ".build-inputs"), `${"0".repeat(64)}\n`)
    try {
      const run = vitest("test/integration/stdioProcess.test.ts", "test/unit/backoff.test.ts")
      expect(run.status, run.output).toBe(1)
      expect(run.output).toContain(`Error: ${STALE}\n`)
      expect(run.output).toMatch(/Tests +no tests/)
      // The closing line CI tools read says it failed, and why, with the command to run.
      expect(run.output).toContain(`\nerror: ${STALE}\n0 passed, 0 failed, 1 error\n`)
    } finally {
      Fs.rmSync(dist, { recursive: true, force: true })
    }
  })

  it("stops before any test when there is no dist/", () => {
    const run = vitest("test/integration/stdioProcess.test.ts")
    expect(run.status, run.output).toBe(1)
    expect(run.output).toContain(`Error: ${UNBUILT}\n`)
    expect(run.output).toMatch(/Tests +no tests/)
    expect(run.output).toContain(`\nerror: ${UNBUILT}\n0 passed, 0 failed, 1 error\n`)
  })
})

describe("a run of files that import src/ alone", { timeout: RUN_MS + 10_000 }, () => {
  it("passes without a dist/", () => {
    const run = vitest("test/unit/backoff.test.ts", "test/integration/fs.test.ts")
    expect(run.status, run.output).toBe(0)
    expect(run.output).not.toContain(UNBUILT)
    expect(run.output).toMatch(/Test Files +2 passed/)
  })

  it("passes without a dist/ when its servers make sandboxed fs calls (their worker is a script of its own)", () => {
    // sandboxHandles opens files through the sandboxed file system's workers, which bubblewrap starts from a script.
    const run = vitest("test/integration/sandboxHandles.test.ts")
    expect(run.status, run.output).toBe(0)
    expect(run.output).not.toContain("Cannot find module")
    expect(run.output).toMatch(/Test Files +1 passed/)
  })
})

describe("which files start the built binary", () => {
  const file = (name: string) => Path.join(ROOT, "test", name)

  it("those that import a support module starting it, name a path into dist/, pack it, or run a configuration whose files start it", () => {
    expect(runsTheBinary(file("integration/stdioProcess.test.ts"))).toBe(true)
    expect(runsTheBinary(file("integration/behindTls.test.ts"))).toBe(true)
    expect(runsTheBinary(file("integration/consumer.test.ts"))).toBe(true)
    expect(runsTheBinary(file("integration/suiteOutput.test.ts"))).toBe(true)
    expect(runsTheBinary(file("integration/builtEntries.test.ts"))).toBe(true)
  })

  it("not those that build a server from src/'s Layers in their own process", () => {
    expect(runsTheBinary(file("unit/backoff.test.ts"))).toBe(false)
    expect(runsTheBinary(file("integration/fs.test.ts"))).toBe(false)
    expect(runsTheBinary(file("integration/heap.test.ts"))).toBe(false)
    // The subpaths as package.json and src/index.ts declare them: no build.
    expect(runsTheBinary(file("unit/packageEntries.test.ts"))).toBe(false)
    expect(runsTheBinary(file("unit/flagTable.test.ts"))).toBe(false)
    expect(runsTheBinary(import.meta.filename)).toBe(false)
  })
})
