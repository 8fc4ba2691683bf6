/**
 * `capabilityRoots/discoverV1` (issue 47): the plugin and skill files under
 * each root, as text for the client to parse. Codex discovers an
 * environment's plugins and skills this way, so the same roots go to ours
 * and, where it is installed, to codex 0.169's `exec-server`, and the
 * answers must be the same JSON: files, order, warnings, errors. Ours runs
 * in process, on src/; the reference as a child.
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SERVERS_TO_COMPARE, useServersToCompare } from "../support/InProcessServer.js"

const startServer = useServersToCompare()

let root = ""
const at = (...parts: Array<string>) => Path.join(root, ...parts)
const write = (path: string, text: string | Buffer) => {
  mkdirSync(Path.dirname(at(path)), { recursive: true })
  writeFileSync(at(path), text)
}
const skill = (name: string) => `---\nname: ${name}\ndescription: does ${name}\n---\n\nUse ${name}.\n`

beforeAll(() => {
  root = realpathSync(mkdtempSync(Path.join(Os.tmpdir(), "capability-roots-")))
  mkdirSync(at("empty"))
  write("plugin/.codex-plugin/plugin.json", JSON.stringify({ name: "p", version: "1.0.0", mcpServers: "./config/mcp.json", apps: "custom.json" }))
  write("plugin/.claude-plugin/plugin.json", JSON.stringify({ name: "shadowed" }))
  write("plugin/config/mcp.json", JSON.stringify({ mcpServers: { x: { command: "x" } } }))
  write("plugin/.app.json", JSON.stringify({ apps: {} }))
  write("plugin/skills/b/SKILL.md", skill("b"))
  write("plugin/skills/a/SKILL.md", skill("a"))
  write("plugin/skills/a/agents/openai.yaml", "interface:\n  display_name: A\n")
  write("plugin/skills/a/agents/openai.yml", "ignored: true\n")
  write("plugin/plugins/x/.cursor-plugin/plugin.json", JSON.stringify({ name: "x" }))
  write("plugin/plugins/x/skills/c/SKILL.md", skill("c"))
  write("plugin/skills/binary/SKILL.md", Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0x0a]))
  write("plugin/skills/lower/skill.md", skill("lower"))
  symlinkSync(at("plugin", "skills", "a", "SKILL.md"), at("plugin", "skills", "linked-file.md"))
  mkdirSync(at("plugin", "skills", "via-link"))
  symlinkSync(at("plugin", "skills", "b", "SKILL.md"), at("plugin", "skills", "via-link", "SKILL.md"))
  write("deep/l1/l2/l3/l4/l5/l6/SKILL.md", skill("six"))
  write("deep/l1/l2/l3/l4/l5/l6/l7/SKILL.md", skill("seven"))
  write("escape/.codex-plugin/plugin.json", JSON.stringify({ name: "e", mcpServers: "./../outside.json", apps: { inline: true } }))
  write("escape/.mcp.json", "{}")
  write("escape/.app.json", "{\"apps\":{}}")
  write("inline/.codex-plugin/plugin.json", JSON.stringify({ name: "i", mcpServers: { x: {} } }))
  write("inline/.mcp.json", "{}")
  write("afile", "not a directory")
  mkdirSync(at("linked"))
  symlinkSync(at("plugin", "skills"), at("linked", "a-link"))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const uri = (path: string) => pathToFileURL(path).href

const ROOTS = () => [
  { id: "empty", path: uri(at("empty")) },
  { id: "plugin", path: uri(at("plugin")) },
  { id: "inside", path: uri(at("plugin", "skills")) },
  { id: "deep", path: uri(at("deep")) },
  { id: "escape", path: uri(at("escape")) },
  { id: "inline", path: uri(at("inline")) },
  { id: "missing", path: uri(at("missing")) },
  { id: "file", path: uri(at("afile")) },
  { id: "linked", path: uri(at("linked")) + "/" }
]

const discover = async (command: ReadonlyArray<string> | undefined) => {
  const server = await startServer([], { command })
  return (await server.request("capabilityRoots/discoverV1", { roots: ROOTS() })).result.roots as Array<any>
}

describe("capabilityRoots/discoverV1", () => {
  it("reads a plugin's manifest, configs, skills and their metadata, and the manifests they belong to", async () => {
    const [empty, plugin, inside, deep, escape, inline, missing, file, linked] = await discover(undefined)
    expect(empty).toEqual({ id: "empty", path: uri(at("empty")), plugin: null, skills: [], namespaceManifests: [], warnings: [], error: null })
    expect(plugin.plugin.manifest.path).toBe(uri(at("plugin/.codex-plugin/plugin.json")))
    expect(plugin.plugin.mcpConfig.path).toBe(uri(at("plugin/config/mcp.json")))
    expect(plugin.plugin.appsConfig.path).toBe(uri(at("plugin/.app.json")))
    expect(plugin.skills.map((s: any) => [s.instructions.path.slice(uri(root).length), s.metadata?.path.slice(uri(root).length) ?? null])).toEqual([
      ["/plugin/plugins/x/skills/c/SKILL.md", null],
      ["/plugin/skills/a/SKILL.md", "/plugin/skills/a/agents/openai.yaml"],
      ["/plugin/skills/b/SKILL.md", null]
    ])
    expect(plugin.namespaceManifests.map((m: any) => m.path.slice(uri(root).length))).toEqual([
      "/plugin/.codex-plugin/plugin.json",
      "/plugin/plugins/x/.cursor-plugin/plugin.json"
    ])
    expect(plugin.warnings).toEqual([
      `ignoring apps in ${uri(at("plugin/.codex-plugin/plugin.json"))}: path must start with \`./\``,
      `capability file ${uri(at("plugin/skills/binary/SKILL.md"))} is not UTF-8: invalid utf-8 sequence of 1 bytes from index 4`
    ])
    expect([inside.plugin, inside.namespaceManifests.map((m: any) => m.path)]).toEqual([null, [uri(at("plugin/.codex-plugin/plugin.json"))]])
    expect(deep.skills.map((s: any) => s.instructions.contents)).toEqual([skill("six")])
    expect(escape.warnings).toEqual([`ignoring mcpServers in ${uri(at("escape/.codex-plugin/plugin.json"))}: path must remain below the capability root`])
    expect([escape.plugin.mcpConfig?.path, escape.plugin.appsConfig?.path]).toEqual([uri(at("escape/.mcp.json")), uri(at("escape/.app.json"))])
    expect(inline.plugin.mcpConfig).toBeNull()
    expect(missing.error).toBe(`failed to inspect capability root ${uri(at("missing"))}: No such file or directory (os error 2)`)
    expect(file.error).toBe(`capability root ${uri(at("afile"))} is not a directory`)
    // Named as asked; the directory it links to is walked, and a SKILL.md that is a link to a file is not read.
    expect(linked.path).toBe(`${uri(at("linked"))}/`)
    expect(linked.skills.map((s: any) => s.instructions.path.slice(uri(root).length))).toEqual([
      "/linked/a-link/a/SKILL.md",
      "/linked/a-link/b/SKILL.md"
    ])
  })

  it.runIf(existsSync("/usr/bin/bwrap"))("reads a root under its sandbox: a root it may not read is refused, a denied directory a warning; the worker starts under a policy that hides /usr", async () => {
    const readOnly = (entries: Array<{ readonly path: string; readonly access: string }>, cwd: string) => ({
      permissions: {
        type: "managed",
        file_system: { type: "restricted", entries: entries.map((entry) => ({ path: { type: "path", path: uri(entry.path) }, access: entry.access })) },
        network: "restricted"
      },
      cwd: uri(cwd),
      windowsSandboxLevel: "disabled"
    })
    const server = await startServer()
    const answer = await server.request("capabilityRoots/discoverV1", {
      roots: [
        { id: "hidden", path: uri(at("plugin")), sandbox: readOnly([{ path: at("deep"), access: "read" }], at("deep")) },
        {
          id: "partly",
          path: uri(at("plugin")),
          sandbox: readOnly([{ path: at("plugin"), access: "read" }, { path: at("plugin", "skills", "b"), access: "none" }], at("plugin"))
        }
      ]
    })
    const [hidden, partly] = answer.result.roots
    // (The reference's sandbox hides the root: "No such file or directory (os error 2)"; ours says it is denied.)
    expect(hidden.error).toBe(`failed to inspect capability root ${uri(at("plugin"))}: Permission denied (os error 13)`)
    expect([hidden.plugin, hidden.skills, hidden.namespaceManifests]).toEqual([null, [], []])
    expect(partly.error).toBeNull()
    expect(partly.skills.map((s: any) => s.instructions.path.slice(uri(root).length))).toEqual([
      "/plugin/plugins/x/skills/c/SKILL.md",
      "/plugin/skills/a/SKILL.md"
    ])
    expect(partly.warnings).toContain(`failed to scan capability path ${uri(at("plugin", "skills", "b"))}: Permission denied (os error 13)`)
  })

  it("takes at most 128 roots (-32600, as the reference)", async () => {
    const server = await startServer()
    const roots = (count: number) => Array.from({ length: count }, (_, index) => ({ id: String(index), path: uri(at("empty")) }))
    expect((await server.request("capabilityRoots/discoverV1", { roots: roots(128) })).result.roots.length).toBe(128)
    expect((await server.request("capabilityRoots/discoverV1", { roots: roots(129) })).error).toEqual({
      code: -32600,
      message: "capability root discovery accepts at most 128 roots"
    })
  })

  it.runIf(SERVERS_TO_COMPARE.length > 1)("answers every root as the reference does, field by field", async () => {
    const ours = await discover(undefined)
    const reference = await discover(SERVERS_TO_COMPARE[1]!.command)
    for (const [index, answer] of reference.entries()) {
      expect(JSON.stringify(ours[index], null, 1), ROOTS()[index]!.id).toBe(JSON.stringify(answer, null, 1))
    }
  })
})
