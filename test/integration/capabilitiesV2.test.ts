/**
 * `capabilities/discoverV2` (issue 47): the plugins installed for Codex on
 * this machine and the skills of its skill directories. The same fake
 * `CODEX_HOME` and `HOME` go to ours and, where it is installed, to codex
 * 0.169's `exec-server`, and the answers must be the same JSON: plugins
 * and their active versions, skills' names, namespaces, descriptions,
 * dependencies and policies, and the collapsed warnings. Ours runs in
 * process, on src/ (its HOME and CODEX_HOME are this process's for the
 * test); the reference as a child.
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SERVERS_TO_COMPARE, useServersToCompare } from "../support/InProcessServer.js"

const startServer = useServersToCompare()

let root = ""
const at = (...parts: Array<string>) => Path.join(root, ...parts)
const write = (path: string, text: string) => {
  mkdirSync(Path.dirname(at(path)), { recursive: true })
  writeFileSync(at(path), text)
}
const skill = (name: string | undefined, description: string, extra = "") =>
  `---\n${name === undefined ? "" : `name: ${name}\n`}description: ${description}\n${extra}---\n\nBody.\n`
const cache = "codex/plugins/cache"

beforeAll(() => {
  root = realpathSync(mkdtempSync(Path.join(Os.tmpdir(), "capabilities-v2-")))
  write(`${cache}/mk/demo/1.2.3/.codex-plugin/plugin.json`, JSON.stringify({ name: "demo", interface: { displayName: "  Demo  Plugin " } }))
  write(`${cache}/mk/demo/1.2.3/.mcp.json`, JSON.stringify({ mcpServers: { d: { command: "node" } } }))
  write(`${cache}/mk/demo/1.2.3/skills/a/SKILL.md`, skill("alpha", "Alpha   does\n  things", "metadata:\n  short-description: Alpha short\n"))
  write(
    `${cache}/mk/demo/1.2.3/skills/a/agents/openai.yaml`,
    "dependencies:\n  tools:\n    - type: mcp\n      value: d\n      oauth:\n        callback_port: 4321\n    - type: ''\n      value: dropped\npolicy:\n  allow_implicit_invocation: true\n  products: [codex]\n"
  )
  write(`${cache}/mk/demo/1.2.3/skills/b/SKILL.md`, skill(undefined, "Beta"))
  write(`${cache}/mk/demo/1.2.3/skills/bad/SKILL.md`, "no front matter\n")
  write(`${cache}/mk/demo/1.0.0/.codex-plugin/plugin.json`, JSON.stringify({ name: "old" }))
  write(`${cache}/mk/demo/1.2.3-beta/.codex-plugin/plugin.json`, JSON.stringify({ name: "beta" }))
  write(`${cache}/mk/localwins/9.9.9/.codex-plugin/plugin.json`, JSON.stringify({ name: "nine" }))
  write(`${cache}/mk/localwins/local/.claude-plugin/plugin.json`, JSON.stringify({ name: "" }))
  write(`${cache}/mk/nomanifest/1.0.0/skills/x/SKILL.md`, skill("x", "x"))
  write(`${cache}/mk/remote/2.0.0/.codex-plugin/plugin.json`, "{}")
  write(`${cache}/mk/remote/.codex-remote-plugin-install.json`, JSON.stringify({ schema_version: 1, remote_plugin_id: "  plugins~abc  " }))
  write(`${cache}/bad market/x/1.0.0/.codex-plugin/plugin.json`, "{}")
  write(`${cache}/other-mk/Upper_Case-1/1.0.0/.codex-plugin/plugin.json`, JSON.stringify({ name: "upper" }))
  write("codex/skills/standalone/SKILL.md", skill("standalone", "standalone skill"))
  write("codex/skills/.system/hidden/SKILL.md", skill("hidden", "a hidden one"))
  write("codex/skills/dir with  spaces/SKILL.md", skill(undefined, "named by its directory"))
  write("codex/skills/nodesc/SKILL.md", skill("nodesc", "''"))
  write("home/.agents/skills/user/SKILL.md", skill("user", "Build for AWS: ECS and more"))
  write("home/.agents/.codex-plugin/plugin.json", JSON.stringify({ name: "agents-ns" }))
  mkdirSync(at("project"))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const uri = (path: string) => pathToFileURL(path).href

const discover = async (command: ReadonlyArray<string> | undefined) => {
  const server = await startServer([], { command, env: { HOME: at("home"), CODEX_HOME: at("codex") } })
  const answer = await server.request("capabilities/discoverV2", { cwd: uri(at("project")) })
  expect(answer.error).toBeUndefined()
  return answer.result
}

describe("capabilities/discoverV2", () => {
  it("lists the installed plugins' active versions and the skill directories' skills", async () => {
    const result = await discover(undefined)
    expect(result.plugins.map((plugin: any) => [plugin.id, plugin.version, plugin.displayName, plugin.remotePluginId])).toEqual([
      ["Upper_Case-1@other-mk", "1.0.0", "upper", null],
      ["demo@mk", "1.2.3", "Demo  Plugin", null],
      ["localwins@mk", "local", "local", null],
      ["remote@mk", "2.0.0", "2.0.0", "plugins~abc"]
    ])
    const demo = result.plugins[1]
    expect(demo.skills).toEqual([
      {
        name: "demo:alpha",
        description: "Alpha does things",
        shortDescription: "Alpha short",
        path: uri(at(`${cache}/mk/demo/1.2.3/skills/a/SKILL.md`)),
        dependencies: {
          tools: [{ type: "mcp", value: "d", description: null, transport: null, command: null, url: null, oauthCallbackPort: 4321 }]
        },
        policy: { allowImplicitInvocation: true, products: ["codex"] }
      },
      {
        name: "demo:b",
        description: "Beta",
        shortDescription: null,
        path: uri(at(`${cache}/mk/demo/1.2.3/skills/b/SKILL.md`)),
        dependencies: null,
        policy: null
      }
    ])
    expect(result.skills.map((s: any) => [s.name, s.discoveryRoot.id])).toEqual([
      ["hidden", "codex-home-skills"],
      ["dir with spaces", "codex-home-skills"],
      ["standalone", "codex-home-skills"],
      ["agents-ns:user", "user-agent-skills"]
    ])
    expect(result.skills[3].description).toBe("Build for AWS: ECS and more")
    // demo's bad skill, the plugin without a manifest, the skill without a description: one line per location.
    expect(result.warnings).toEqual([
      "some capability metadata could not be loaded; discovery may be incomplete",
      "some capability metadata could not be loaded; discovery may be incomplete",
      "some capability metadata could not be loaded; discovery may be incomplete"
    ])
  })

  it("fails -32603 when CODEX_HOME is missing", async () => {
    const server = await startServer([], { env: { HOME: at("home"), CODEX_HOME: at("nowhere") } })
    expect((await server.request("capabilities/discoverV2", { cwd: uri(at("project")) })).error).toEqual({
      code: -32603,
      message: `CODEX_HOME points to "${at("nowhere")}", but that path does not exist`
    })
  })

  it.runIf(existsSync("/usr/bin/bwrap"))("under a sandbox, what it does not let read is absent, without a warning", async () => {
    const server = await startServer([], { env: { HOME: at("home"), CODEX_HOME: at("codex") } })
    const readable = (path: string) => ({
      permissions: {
        type: "managed",
        file_system: { type: "restricted", entries: [{ path: { type: "path", path: uri(path) }, access: "read" }] },
        network: "restricted"
      },
      cwd: uri(at("project")),
      windowsSandboxLevel: "disabled"
    })
    const nothing = await server.request("capabilities/discoverV2", { cwd: uri(at("project")), sandbox: readable(at("project")) })
    expect(nothing.result).toEqual({ plugins: [], skills: [], warnings: [] })
    const skillsOnly = await server.request("capabilities/discoverV2", { cwd: uri(at("project")), sandbox: readable(at("codex", "skills")) })
    expect(skillsOnly.result.plugins).toEqual([])
    expect(skillsOnly.result.skills.map((s: any) => s.name)).toEqual(["hidden", "dir with spaces", "standalone"])
  })

  it("keeps its answer until a file under the locations changes", async () => {
    write("kept/codex/.codex-plugin/plugin.json", JSON.stringify({ name: "ns1" }))
    write("kept/codex/skills/s1/SKILL.md", skill("s1", "one"))
    mkdirSync(at("kept", "home"), { recursive: true })
    const server = await startServer([], { env: { HOME: at("kept", "home"), CODEX_HOME: at("kept", "codex") } })
    const names = async () =>
      ((await server.request("capabilities/discoverV2", { cwd: uri(at("project")) })).result.skills as Array<{ name: string }>).map((s) => s.name)
    expect(await names()).toEqual(["ns1:s1"])
    // Outside the locations (as on the reference): the kept answer stands.
    write("kept/codex/.codex-plugin/plugin.json", JSON.stringify({ name: "ns2" }))
    expect(await names()).toEqual(["ns1:s1"])
    // A skill added under one: a call soon after sees it, and the namespace's change with it.
    write("kept/codex/skills/s2/SKILL.md", skill("s2", "two"))
    let seen: Array<string> = []
    for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
      seen = await names()
      if (seen.length === 2) break
    }
    expect(seen).toEqual(["ns2:s1", "ns2:s2"])
    // A location made after the first call (~/.agents/skills) is watched from its parent.
    write("kept/home/.agents/skills/u/SKILL.md", skill("u", "user"))
    for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
      seen = await names()
      if (seen.length === 3) break
    }
    expect(seen).toEqual(["ns2:s1", "ns2:s2", "u"])
  })

  it.runIf(SERVERS_TO_COMPARE.length > 1)("answers as the reference does, field by field", async () => {
    const ours = await discover(undefined)
    const reference = await discover(SERVERS_TO_COMPARE[1]!.command)
    expect(JSON.stringify(ours, null, 1)).toBe(JSON.stringify(reference, null, 1))
  })
})
