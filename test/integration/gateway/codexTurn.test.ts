/**
 * Codex CLI 0.169 itself, through the gateway: scratch/codex-e2e/turn.sh
 * runs one turn of ten tool calls against our server directly and against
 * an executor on NATS behind `exec-server gateway`, and compares the tool
 * outputs Codex sent its (mock) model. Codex is not a dependency (400 MB,
 * installed outside the project: see the script), so without it the test
 * is skipped.
 */
import { describe, expect, it } from "vitest"
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { needsReference, REFERENCE_BINARY } from "../../support/StdioServer.js"

const CODEX = REFERENCE_BINARY
const script = Path.resolve(import.meta.dirname, "../../../scratch/codex-e2e/turn.sh")

describe("Codex through the gateway", () => {
  it("a turn of ten tool calls gives the same tool outputs as against a local server", async (context) => {
    needsReference(context)
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(script, ["compare"], { env: { ...process.env, CODEX }, timeout: 300_000 }, (error, out) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout: out }))
    )
    expect(stdout).toContain("same tool outputs (10 calls)")
    expect(code).toBe(0)
  }, 320_000)
})
