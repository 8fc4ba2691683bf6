/**
 * The machine's own Codex layers of `environmentConfig/read` (the
 * reference's `/etc/codex`, here a temp directory): where they go among the
 * others, what the legacy managed file allows as requirements, and where a
 * cloud bundle would go in, as probed on codex 0.169 (docs/PROTOCOL.md).
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { CodexHomeError, ConfigLoadError, fileUri, readEnvironmentConfig } from "../../src/codexConfig/configLayers.js"

let roots: Array<string> = []
afterEach(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
  roots = []
})

const tree = (files: Record<string, string>) => {
  const root = realpathSync(mkdtempSync(Path.join(Os.tmpdir(), "codex-config-")))
  roots.push(root)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(Path.dirname(Path.join(root, name)), { recursive: true })
    writeFileSync(Path.join(root, name), text)
  }
  mkdirSync(Path.join(root, "codex"), { recursive: true })
  return {
    root,
    read: (configPaths: Array<Array<string>>, requirementsPaths: Array<Array<string>> = []) =>
      readEnvironmentConfig(
        { systemDir: Path.join(root, "etc"), environment: { HOME: Path.join(root, "home"), CODEX_HOME: Path.join(root, "codex") } },
        root,
        configPaths,
        requirementsPaths
      )
  }
}

describe("the machine's Codex layers", () => {
  it("puts the system layer first (the cloud's go after it) and the legacy managed file last", async () => {
    const { read, root } = tree({
      "etc/config.toml": "model = \"system\"\n",
      "etc/managed_config.toml": "model = \"managed\"\napproval_policy = \"never\"\napprovals_reviewer = \"auto_review\"\nsandbox_mode = \"workspace-write\"\n",
      "etc/requirements.toml": "allowed_approval_policies = [\"never\", \"on-request\"]\n",
      "codex/config.toml": "model = \"user\"\n"
    })
    const answer = await read([["model"]], [["allowed_approval_policies"], ["allowed_approvals_reviewers"], ["allowed_sandbox_modes"]])
    expect(answer.config).toEqual({
      layers: [
        { source: `system (${root}/etc/config.toml)`, baseDir: fileUri(`${root}/etc`), toml: "model = \"system\"\n" },
        { source: `user (${root}/codex/config.toml)`, baseDir: fileUri(`${root}/codex`), toml: "model = \"user\"\n" },
        {
          source: `legacy managed_config.toml (${root}/etc/managed_config.toml)`,
          baseDir: fileUri(`${root}/etc`),
          toml: "model = \"managed\"\n"
        }
      ],
      cloudInsertionIndex: 1
    })
    expect(answer.requirements).toEqual({
      layers: [
        { source: `${root}/etc/requirements.toml`, baseDir: fileUri(`${root}/etc`), toml: "allowed_approval_policies = [\"never\", \"on-request\"]\n" },
        {
          source: `${root}/etc/managed_config.toml`,
          baseDir: fileUri(`${root}/etc`),
          toml:
            "allowed_approval_policies = [\"never\"]\nallowed_approvals_reviewers = [\"auto_review\", \"user\"]\nallowed_sandbox_modes = [\"read-only\", \"workspace-write\"]\n"
        }
      ],
      cloudInsertionIndex: 1
    })
  })

  it("counts the cloud's place only while the system layer has something selected", async () => {
    const { read } = tree({ "etc/config.toml": "model = \"system\"\n", "codex/config.toml": "[mcp_servers.x]\ncommand = \"x\"\n" })
    expect((await read([["mcp_servers"]])).config.cloudInsertionIndex).toBe(0)
    expect((await read([["model"], ["mcp_servers"]])).config.cloudInsertionIndex).toBe(1)
  })

  it("fails the whole read on a bad file, whatever is selected; the managed file's unknown policy too", async () => {
    await expect(tree({ "codex/config.toml": "[mcp_servers\nx = 1\n" }).read([["model"]])).rejects.toThrow(ConfigLoadError)
    const located = await tree({ "etc/config.toml": "a = \n" }).read([], [["x"]]).catch((error: Error) => error.message)
    expect(located).toMatch(/\/etc\/config\.toml:1:\d+: /)
    await expect(tree({ "etc/managed_config.toml": "approval_policy = \"bogus\"\n" }).read([["x"]])).rejects.toThrow(
      /unknown variant `bogus`, expected one of `untrusted`, `on-failure`, `on-request`, `granular`, `never`\nin `approval_policy`/
    )
  })

  it("refuses a CODEX_HOME that is a file, and takes ~/.codex when none is set", async () => {
    const { root } = tree({ "home/file": "" })
    await expect(
      readEnvironmentConfig({ systemDir: "/nonexistent", environment: { HOME: root, CODEX_HOME: `${root}/home/file` } }, root, [["x"]], [])
    ).rejects.toThrow(CodexHomeError)
    const answer = await readEnvironmentConfig({ systemDir: "/nonexistent", environment: { HOME: `${root}/home` } }, root, [["x"]], [])
    expect(answer.codexHomeDir).toBe(fileUri(`${root}/home/.codex`))
    expect(fileUri("/a b/é#?%")).toBe("file:///a%20b/%C3%A9%23%3F%25")
  })
})
