/**
 * The tests against the reference (Codex 0.171) skip where it is absent
 * (CI has none): the run says why and how to install it, and the README
 * says the same. A vitest of this repository's runs two such files with
 * `CODEX` naming no binary, as a machine without the reference would.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { REFERENCE_BINARY, REFERENCE_INSTALL } from "../support/StdioServer.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")

describe("the tests against the reference, where it is absent", () => {
  it("skip, and the run's closing lines say how to install it, as the README does", () => {
    // The child's own vitest: none of this run's variables (its pool, its worker).
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST|TEST$|NODE_OPTIONS$)/.test(name)))
    const run = spawnSync(
      process.execPath,
      ["node_modules/vitest/vitest.mjs", "run", "--project", "all", "test/integration/codexSkills.test.ts", "test/integration/gateway/codexTurn.test.ts"],
      { cwd: ROOT, encoding: "utf8", env: { ...env, CODEX: "/nonexistent/codex", NO_COLOR: "1" }, timeout: 120_000 }
    )
    const output = `${run.stdout}\n${run.stderr}`
    expect(run.status, output).toBe(0)
    expect(run.stdout.trim().split("\n").slice(-2), output).toEqual([
      `skipped 3: no reference Codex at /nonexistent/codex: ${REFERENCE_INSTALL} (outside the project), or CODEX=/path/to/its/codex`,
      "0 passed, 0 failed, 3 skipped"
    ])
    const readme = Fs.readFileSync(Path.join(ROOT, "README.md"), "utf8")
    expect(readme).toContain(`\`${REFERENCE_INSTALL}\``)
    expect(readme).toMatch(/binary in `CODEX`/)
  }, 150_000)

  it("look where that install puts it, unless CODEX names another binary", () => {
    if (process.env["CODEX"] === undefined) {
      expect(REFERENCE_BINARY).toBe("/opt/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex")
    }
    // Where it is installed there, it is that version.
    const installed = "/opt/codex/node_modules/@openai/codex/package.json"
    if (Fs.existsSync(installed)) expect(JSON.parse(Fs.readFileSync(installed, "utf8")).version).toBe("0.171.0")
  })
})
