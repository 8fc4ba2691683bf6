/**
 * The reference (Codex 0.171's `codex exec-server`) where it is installed,
 * for the tests that compare ours with it, whatever runs ours (the binary,
 * StdioServer; the sources in process, InProcessServer).
 */
import { existsSync } from "node:fs"
import type { TestContext } from "vitest"

/** The reference's native binary (codex 0.171), where it is installed: `$CODEX`, else /opt/codex's (outside the project). */
export const REFERENCE_BINARY =
  process.env.CODEX ?? "/opt/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"

/** How to install the reference where the tests look for it (the README's "Tests" says the same). */
export const REFERENCE_INSTALL = "npm install --prefix /opt/codex @openai/codex@0.171.0"

/**
 * Skips a test that needs the reference where it is absent, saying how to
 * install it (the reporter shows the note beside the skipped test): Codex
 * is not a dependency, and a machine without it (CI) skips these tests.
 */
export const needsReference = (context: TestContext): void => {
  if (!existsSync(REFERENCE_BINARY)) {
    context.skip(`no reference Codex at ${REFERENCE_BINARY}: ${REFERENCE_INSTALL} (outside the project), or CODEX=/path/to/its/codex`)
  }
}

/** The reference's command over stdio, where it is installed. */
export const REFERENCE_COMMAND: ReadonlyArray<string> | undefined = existsSync(REFERENCE_BINARY)
  ? [REFERENCE_BINARY, "exec-server", "--listen", "stdio://"]
  : undefined
