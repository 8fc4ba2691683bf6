/** The runnable examples in scratch/ keep working: each exits 0. */
import { execFile } from "node:child_process"
import { readdirSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const tsx = Path.join(root, "node_modules/.bin/tsx")
const examples = readdirSync(Path.join(root, "scratch")).filter((name) => name.endsWith(".ts"))

describe("scratch examples", () => {
  it("has examples to run", () => {
    expect(examples.length).toBeGreaterThanOrEqual(3)
  })

  for (const example of examples) {
    it(`${example} runs to completion`, async () => {
      const outcome = await new Promise<{ code: number | null; output: string }>((resolve) => {
        execFile(tsx, [Path.join("scratch", example)], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : (error as { code?: number }).code ?? 1, output: stdout + stderr })
        })
      })
      expect(outcome.code, outcome.output).toBe(0)
    })
  }
})
