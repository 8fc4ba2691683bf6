/**
 * What `npm test` prints, from a run of vitest with the suite's settings over
 * two small files (test/support/suiteOutput): the logs of a test that passes
 * and the stderr of the server it started are not printed, those of one
 * that fails are, and the run ends with each file's time, then the
 * `N passed, N failed` line CI reads.
 */
import { spawnSync } from "node:child_process"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const root = Path.resolve(import.meta.dirname, "../..")
/** How long the run below may take: 10 s on 2 cores with the suite beside it, more at load 12 (issue 81). */
const RUN_MS = 120_000

describe("the suite's output", () => {
  it("keeps the logs of passing tests out, shows a failing one's, and ends with the time of each file and the counts", () => {
    const run = spawnSync(process.execPath, [
      Path.join(root, "node_modules/vitest/vitest.mjs"),
      "run",
      "--config",
      "test/support/suiteOutput/vitest.config.ts"
    ], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: RUN_MS })
    const output = `${run.stdout}${run.stderr}`
    expect(run.status, output).toBe(1)
    expect(output).toContain("INFO (#1): logged by a test that fails")
    expect(output).not.toContain("logged by a test that passes")
    expect(output).not.toContain("logged on stderr by a test that passes")
    // The server's lines: once, under the failing test.
    expect(output.match(/the server wrote on stderr:\n/g), output).toHaveLength(1)
    expect(output.match(/message="connection opened"/g), output).toHaveLength(1)
    expect(output).toContain("fails.fixture.ts > fails")
    expect(output).not.toContain("passes.fixture.ts > passes")
    const end = run.stdout.trimEnd().split("\n").slice(-4)
    // The failed test named again at the end, with its error's first line: CI keeps only the end.
    expect(end[3]).toBe("1 passed, 1 failed")
    expect(end[2]).toMatch(/^failed: (\S+ )?test\/support\/suiteOutput\/fails\.fixture\.ts > .*fails: \S/)
    expect(end[0], run.stdout).toMatch(/^ +\d+\.\d s {2}\S* {2}test\/support\/suiteOutput\/(passes|fails)\.fixture\.ts$/)
    expect(end[1], run.stdout).toMatch(/^ +\d+\.\d s {2}\S* {2}test\/support\/suiteOutput\/(passes|fails)\.fixture\.ts$/)
    expect(end[0]!.slice(-17)).not.toBe(end[1]!.slice(-17))
    expect(run.stdout).toContain("Time by file (wall, slowest first):\n")
  }, RUN_MS + 10_000)
})
