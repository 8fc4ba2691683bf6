/**
 * Capability discovery and environment config attacked through their
 * inputs and their kept answers (issue 67, "not yet attacked"): one
 * connection's kept `capabilities/discoverV2` answers against another's and
 * against another sandbox's, YAML bombs in a skill's front matter, and
 * TOML bombs in `config.toml`. Each answer must come in bounded time with a
 * clear result, and the server must go on answering other clients. The
 * server in process, on src/, over WebSocket (two clients) and over stdio;
 * its environment (HOME, CODEX_HOME) is the test's, set for the test
 * (`serverEnvironment`).
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useInProcessServers, useInProcessWebSocketServers, useServerEnvironment } from "../support/InProcessServer.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

// The server's environment: the test's, set for the test (put back after its servers stop).
const serverEnvironment = useServerEnvironment()

const startServer = useInProcessServers()
const startWebSocketServer = useInProcessWebSocketServers()

let root = ""
const at = (...parts: Array<string>) => Path.join(root, ...parts)
const write = (path: string, text: string | Buffer) => {
  mkdirSync(Path.dirname(at(path)), { recursive: true })
  writeFileSync(at(path), text)
}
const skill = (name: string, description: string) => `---\nname: ${name}\ndescription: ${description}\n---\n\nBody.\n`
const uri = (path: string) => pathToFileURL(path).href

/** A sandbox that lets read only `path`, but not `denied` under it (the form `fs/*` takes). */
const readable = (path: string, denied?: string) => ({
  permissions: {
    type: "managed",
    file_system: {
      type: "restricted",
      entries: [
        { path: { type: "path", path: uri(path) }, access: "read" },
        ...(denied === undefined ? [] : [{ path: { type: "path", path: uri(denied) }, access: "deny" }])
      ]
    },
    network: "restricted"
  },
  cwd: uri(at("project")),
  windowsSandboxLevel: "disabled"
})

beforeAll(() => {
  root = realpathSync(mkdtempSync(Path.join(Os.tmpdir(), "discovery-bombs-")))
  mkdirSync(at("project"), { recursive: true })
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const skillNames = (answer: { readonly result?: { readonly skills: ReadonlyArray<{ readonly name: string }> } }) =>
  answer.result!.skills.map((found) => found.name).sort()

describe("capabilities/discoverV2's kept answers across connections and sandboxes", () => {
  it.runIf(existsSync("/usr/bin/bwrap"))("never serves one connection's or one sandbox's answer for another", async () => {
    write("cache/codex/skills/public/SKILL.md", skill("public", "anyone may see this"))
    write("cache/codex/skills/private/SKILL.md", skill("private", "only the host's view"))
    write("cache/home/.agents/skills/mine/SKILL.md", skill("mine", "the user's own"))
    serverEnvironment({ HOME: at("cache", "home"), CODEX_HOME: at("cache", "codex") })
    const server = await startWebSocketServer()
    const first = await RawWebSocketClient.connectReady(server.url)
    const second = await RawWebSocketClient.connectReady(server.url)
    const discover = (client: RawWebSocketClient, sandbox?: unknown) =>
      client.request("capabilities/discoverV2", { cwd: uri(at("project")), ...(sandbox === undefined ? {} : { sandbox }) })
    const publicOnly = readable(at("cache", "codex", "skills"), at("cache", "codex", "skills", "private"))
    // The first connection's host answer, kept.
    expect(skillNames(await discover(first))).toEqual(["mine", "private", "public"])
    expect(skillNames(await discover(first))).toEqual(["mine", "private", "public"])
    // Another connection's sandboxed discovery sees only what its sandbox reads: not the first's kept answer.
    expect(skillNames(await discover(second, publicOnly))).toEqual(["public"])
    // Nor does the first's own sandboxed call get its kept host answer, nor poison it.
    expect(skillNames(await discover(first, publicOnly))).toEqual(["public"])
    expect(skillNames(await discover(first))).toEqual(["mine", "private", "public"])
    // The second's host answer is its own, and its kept sandboxed answer stands beside it.
    expect(skillNames(await discover(second))).toEqual(["mine", "private", "public"])
    expect(skillNames(await discover(second, publicOnly))).toEqual(["public"])
    // A sandbox that reads nothing of the locations: nothing, whatever either connection keeps.
    expect(await discover(second, readable(at("project")))).toMatchObject({ result: { plugins: [], skills: [], warnings: [] } })
  })
})

describe("YAML bombs in a skill's front matter", () => {
  it("a billion laughs, deep nesting (flow or compact), a megabyte of keys or of blanks: not skills, refused at once; a real one beside them is read", async () => {
    const laughs = ["---", "description: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    let previous = "a"
    for (const name of "bcdefghij") {
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`)
      previous = name
    }
    write("yaml/codex/skills/laughs/SKILL.md", `${laughs.join("\n")}\n---\n`)
    // 50,000 levels of flow sequences: past the parser's stack (a thousand once ended the whole process).
    write("yaml/codex/skills/deep/SKILL.md", `---\ndescription: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n---\n`)
    // 8,000 complex keys on one line: as deep, without a bracket.
    write("yaml/codex/skills/compact/SKILL.md", `---\ndescription: x\n${"? ".repeat(8_000)}x\n---\n`)
    // 100,000 keys (the parser checks a mapping's keys pairwise: 206 s of the server's thread).
    write("yaml/codex/skills/keys/SKILL.md", `---\ndescription: x\n${Array.from({ length: 100_000 }, (_, i) => `k${i}: v`).join("\n")}\n---\n`)
    // A compact nested mapping sends the front matter to the repair pass; the next line is a key and a megabyte of blanks.
    write("yaml/codex/skills/blanks/SKILL.md", `---\ndescription: x: y\nname: ${" ".repeat(1_000_000)}blanks\n---\n`)
    // The same two shapes within 16 KiB are read: 1,500 keys, a repaired line of 10,000 blanks.
    write("yaml/codex/skills/some-keys/SKILL.md", `---\ndescription: x\n${Array.from({ length: 1_500 }, (_, i) => `k${i}: v`).join("\n")}\n---\n`)
    write("yaml/codex/skills/some-blanks/SKILL.md", `---\ndescription: x: y\nname: ${" ".repeat(10_000)}some-blanks\n---\n`)
    write("yaml/codex/skills/fine/SKILL.md", skill("fine", "an ordinary skill"))
    serverEnvironment({ HOME: at("yaml", "home"), CODEX_HOME: at("yaml", "codex") })
    const server = await startWebSocketServer()
    const [attacker, other] = await Promise.all([RawWebSocketClient.connectReady(server.url), RawWebSocketClient.connectReady(server.url)])
    const [answer, info] = await Promise.all([
      attacker.request("capabilities/discoverV2", { cwd: uri(at("project")) }),
      other.request("environment/info", {})
    ])
    expect(skillNames(answer)).toEqual(["fine", "some-blanks", "some-keys"])
    expect(answer.result.skills.find((found: { name: string }) => found.name === "some-blanks").description).toBe("x: y")
    expect(answer.result.warnings).toEqual(["some capability metadata could not be loaded; discovery may be incomplete"])
    expect(info).toHaveProperty("result")
    expect((await other.request("capabilities/discoverV2", { cwd: uri(at("project")) })).result).toEqual(answer.result)
  }, 120_000)
})

describe("TOML bombs in config.toml", () => {
  const read = (client: RawWebSocketClient, cwd = at("project"), configPaths: ReadonlyArray<ReadonlyArray<string>> = [["mcp_servers"]]) =>
    client.request("environmentConfig/read", { cwd: uri(cwd), configPaths, requirementsPaths: [] })

  it("a file over 1 MiB is refused with the limit (it once took 8 s and a gigabyte of heap at 14 MiB); the server answers throughout", async () => {
    // 16 MiB of tables, each a few bytes: the shape that costs the parser most per byte.
    write("huge/codex/config.toml", Buffer.from("[[t]]\nx=1\n".repeat(1_677_722)))
    mkdirSync(at("huge", "home"), { recursive: true })
    serverEnvironment({ HOME: at("huge", "home"), CODEX_HOME: at("huge", "codex") })
    const server = await startWebSocketServer()
    const [attacker, other] = await Promise.all([RawWebSocketClient.connectReady(server.url), RawWebSocketClient.connectReady(server.url)])
    const [refused, info] = await Promise.all([read(attacker), other.request("environment/info", {})])
    expect(refused.error).toEqual({
      code: -32603,
      message: `failed to load executor-local config: Failed to read config file ${at("huge", "codex", "config.toml")}: the file exceeds the 1048576-byte limit`
    })
    expect(info).toHaveProperty("result")
    // At the limit exactly, the file is read.
    write("huge/codex/config.toml", Buffer.concat([Buffer.from("[mcp_servers.a]\ncommand = \"x\"\n#"), Buffer.alloc(1024 * 1024 - 32, "#"), Buffer.from("\n")]))
    const answer = await read(attacker)
    expect(answer.result.config.layers).toHaveLength(1)
    expect(answer.result.config.layers[0].toml).toBe("[mcp_servers.a]\ncommand = \"x\"\n")
  }, 120_000)

  it("a trusted project's huge file, deep inline nesting, and a 300,000-level dotted key: each a clear -32603", async () => {
    write("nest/home/.keep", "")
    const repo = at("nest", "repo")
    write("nest/repo/.git/HEAD", "ref: refs/heads/main\n")
    write("nest/codex/config.toml", `[projects."${repo}"]\ntrust_level = "trusted"\n`)
    write("nest/repo/.codex/config.toml", Buffer.from("[[t]]\nx=1\n".repeat(200_000)))
    serverEnvironment({ HOME: at("nest", "home"), CODEX_HOME: at("nest", "codex") })
    const server = await startServer()
    const ask = (configPaths: ReadonlyArray<ReadonlyArray<string>> = [["mcp_servers"]]) =>
      server.request("environmentConfig/read", { cwd: uri(repo), configPaths, requirementsPaths: [] })
    const project = at("nest", "repo", ".codex", "config.toml")
    expect((await ask()).error).toEqual({
      code: -32603,
      message: `failed to load executor-local config: Failed to read project config file ${project}: the file exceeds the 1048576-byte limit`
    })
    write("nest/repo/.codex/config.toml", `a = ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`)
    const nested = await ask()
    expect(nested.error?.code).toBe(-32603)
    expect(nested.error?.message).toContain(`Error parsing project config file ${project}: TOML parse error at line 1`)
    expect(nested.error?.message).toContain("excessively nested")
    // A key 300,000 tables deep parses, and ran the writer out of stack: refused, whatever is asked for.
    write("nest/repo/.codex/config.toml", `${Array(300_000).fill("a").join(".")} = 1\n`)
    for (const paths of [[["a"]], [["mcp_servers"]]]) {
      expect((await ask(paths)).error).toEqual({
        code: -32603,
        message: `failed to load executor-local config: ${project}: tables and arrays nested deeper than 128`
      })
    }
    // 128 levels are read.
    write("nest/repo/.codex/config.toml", `${Array(127).fill("a").join(".")} = 1\n`)
    expect((await ask([["a"]])).result.config.layers).toHaveLength(1)
  }, 120_000)
})
