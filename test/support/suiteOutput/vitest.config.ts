/**
 * The suite's own settings (vitest.config.ts: reporters, what is printed of
 * a test's logs) over the two files of this folder, which
 * test/integration/suiteOutput.test.ts runs to read what the suite prints.
 */
import * as Path from "node:path"
import { defineConfig } from "vitest/config"
import suite from "../../../vitest.config.js"

const { projects: _projects, ...settings } = suite.test ?? {}

export default defineConfig({
  root: Path.resolve(import.meta.dirname, "../../.."),
  test: { ...settings, include: ["test/support/suiteOutput/*.fixture.ts"] }
})
