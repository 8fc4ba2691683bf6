/**
 * Codex CLI 0.171 itself gives its model the executor's skills:
 * scratch/codex-e2e/skills.sh runs one turn (mock model) against a server
 * whose own CODEX_HOME/skills and ~/.agents/skills each hold one skill, and
 * prints how many times Codex called `capabilities/discoverV2` and the
 * skills list the model got. Codex asks only when its own feature
 * `executor_capability_discovery_v2` is on (the script turns it on) and the
 * server's `executorVersion` is 0.164.0 or newer (docs/PROTOCOL.md,
 * "capabilities/discoverV2"), so a server reporting an older one serves its
 * skills to nobody. The reference is run the same way, for the expected
 * lines. Codex is not a dependency (installed outside the project), so
 * without it the tests are skipped.
 */
import { describe, expect, it } from "vitest"
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { needsReference, REFERENCE_BINARY } from "../support/StdioServer.js"

const CODEX = REFERENCE_BINARY
const script = Path.resolve(import.meta.dirname, "../../scratch/codex-e2e/skills.sh")

const turn = (server: "ours" | "ref") =>
  new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(script, [server], { env: { ...process.env, CODEX }, timeout: 120_000 }, (error, out) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout: out }))
  )

/** What the model must see: the discovery call, the `skills` tool, and each skill listed as the executor's package. */
const expected = [
  "codex exit: 0",
  "capabilities/discoverV2 calls: 1",
  "skills tool: present",
  "listed: - e2e-codex-home-skill: Executor skill from CODEX_HOME/skills (marker 7f3a) " +
  "(executor package: skill://codex-home-skills$SERVER/codex-home/skills/e2e-codex-home-skill)",
  "listed: - e2e-agents-skill: Executor skill from the executor's ~/.agents/skills (marker 9c1e) " +
  "(executor package: skill://user-agent-skills$SERVER/home/.agents/skills/e2e-agents-skill)"
]

describe("Codex gets the executor's skills", () => {
  for (const server of ["ref", "ours"] as const) {
    it(`${server}: the model's first request lists both skills, as the executor's`, async (context) => {
      needsReference(context)
      const { code, stdout } = await turn(server)
      const lines = stdout.split("\n")
      for (const line of expected) expect(lines, stdout).toContain(line)
      expect(code).toBe(0)
    }, 130_000)
  }
})
