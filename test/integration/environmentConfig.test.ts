/**
 * `environmentConfig/read` (issue 47): the Codex configuration layers seen
 * from a directory, cut to TOML key paths. Codex's MCP discovery reads a
 * remote environment's `mcp_servers` this way, so the answers are held to
 * the reference's: the same requests go to ours and, where it is installed,
 * to codex 0.169's `exec-server`, over the same tree (a fake `HOME` and
 * `CODEX_HOME`, a git project with trusted and untrusted `.codex`
 * directories), and must be the same JSON, TOML text included. The
 * machine's `/etc/codex` layers are covered in test/unit/codexConfig.test.ts.
 * Ours runs in process, on src/ (its HOME and CODEX_HOME are this
 * process's for the test); the reference as a child.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SERVERS_TO_COMPARE, useServersToCompare } from "../support/InProcessServer.js"

const startServer = useServersToCompare()

let root = ""
const at = (...parts: Array<string>) => Path.join(root, ...parts)
const write = (path: string, text: string) => {
  mkdirSync(Path.dirname(path), { recursive: true })
  writeFileSync(path, text)
}

/** Values that test each of the writer's choices (strings' five forms, floats, dates, arrays of tables). */
const WRITER_TABLE = String.raw`
[t]
plain = "abc"
quoted = 'has "quotes"'
windows = 'C:\path\to'
apostrophe = "it's"
both = """it's "q\""""
multi = """
abc
"""
escaped = "a\rb"
tab = "tab\there"
control = "bell\u0007"
int = 0xff
big = 1e10
small = 1.5e-7
half = 0.5
negzero = -0.0
inf = inf
nan = nan
odt = 1979-05-27T07:32:00.120-07:00
utc = 1979-05-27 07:32:00Z
ld = 1979-05-27
lt = 07:32:00.5
mixed = [1, "two", 3.0, [4, 5], { six = 6 }]
empty = []
inline = { b = 2, a = 1 }
"a b" = 1
"é" = 2
'a"b' = 3
dotted.a.b = 1
aot = [{ name = "x" }, { name = "y", sub = { c = 1 } }]

[[t.tabs]]
[t.tabs.b]
c = 2
`

beforeAll(() => {
  root = realpathSync(mkdtempSync(Path.join(Os.tmpdir(), "environment-config-")))
  const repo = at("repo")
  write(at("home", ".keep"), "")
  write(
    at("codex", "config.toml"),
    `model = "o3"
approval_policy = "on-request"

[mcp_servers.x]
command = "npx"
args = ["-y", "srv"]

[mcp_servers.x.env]
FOO = "bar"

[mcp_servers.y]
url = "https://example.com/mcp"

[features]
prefer_mxc = true

[projects.${JSON.stringify(repo)}]
trust_level = "trusted"

[projects.${JSON.stringify(at("repo", "sub", "shy"))}]
trust_level = "untrusted"
${WRITER_TABLE}`
  )
  write(at("repo", ".git", "HEAD"), "ref: refs/heads/main\n")
  write(
    at("repo", ".codex", "config.toml"),
    `model_provider = "evil"
model = "from-project"

[mcp_servers.p]
command = "./run.sh"

[features]
respect_system_proxy = true
other = 1
`
  )
  write(at("repo", "sub", ".codex", "config.toml"), `[mcp_servers.q]\nurl = "http://127.0.0.1:1/mcp"\n`)
  write(at("repo", "sub", "shy", ".codex", "config.toml"), `[mcp_servers.shy]\ncommand = "never"\n`)
  mkdirSync(at("repo", "sub", "deeper"), { recursive: true })
  // Not a project: a `.git` directory without HEAD is no marker.
  mkdirSync(at("bare", ".git"), { recursive: true })
  write(at("bare", ".codex", "config.toml"), `[mcp_servers.bare]\ncommand = "b"\n`)
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const uri = (path: string) => pathToFileURL(path).href

/** The requests every server gets, and what each must answer (results whole, errors by code and message). */
const cases = () => [
  { cwd: uri(at("repo", "sub", "deeper")), configPaths: [["mcp_servers"]], requirementsPaths: [["mcp_servers"]] },
  { cwd: uri(at("repo", "sub", "deeper")), configPaths: [["model"], ["features"], ["model_provider"]], requirementsPaths: [] },
  { cwd: uri(at("repo", "sub", "shy")), configPaths: [["mcp_servers"]], requirementsPaths: [] },
  { cwd: uri(at("repo")), configPaths: [["mcp_servers", "nope"], ["mcp_servers", "x", "args", "0"]], requirementsPaths: [] },
  { cwd: uri(at("bare")), configPaths: [["mcp_servers"]], requirementsPaths: [] },
  { cwd: uri(at("nowhere", "at", "all")), configPaths: [["model"]], requirementsPaths: [] },
  { cwd: uri(at("repo")), configPaths: [["t"]], requirementsPaths: [] },
  { cwd: uri(at("repo")), configPaths: [["approval_policy"]], requirementsPaths: [["approval_policy"]] },
  { cwd: uri(at("repo")), configPaths: [], requirementsPaths: [] },
  { cwd: uri(at("repo")), configPaths: [["model"], []], requirementsPaths: [] }
]

/** Every answer of one server to the cases, with this tree's `HOME` and `CODEX_HOME`. */
const answersOf = async (command: ReadonlyArray<string> | undefined, env: Record<string, string> = {}) => {
  const server = await startServer([], { command, env: { HOME: at("home"), CODEX_HOME: at("codex"), ...env } })
  const answers: Array<unknown> = []
  for (const params of cases()) {
    const response = await server.request("environmentConfig/read", params)
    answers.push(response.error === undefined ? response.result : { code: response.error.code, message: response.error.message })
  }
  return answers
}

describe("environmentConfig/read", () => {
  it("reads the user's, the trusted projects' layers, cut to the key paths, in the reference's TOML", async () => {
    const [nested, flat, shy, cut, bare, nowhere, writer, policy, none, emptyPath] = (await answersOf(undefined)) as Array<any>
    const user = { source: `user (${at("codex", "config.toml")})`, baseDir: uri(at("codex")) }
    expect(nested).toEqual({
      userHomeDir: uri(at("home")),
      codexHomeDir: uri(at("codex")),
      hostname: Os.hostname().toLowerCase(),
      config: {
        layers: [
          {
            ...user,
            toml:
              "[mcp_servers.x]\ncommand = \"npx\"\nargs = [\"-y\", \"srv\"]\n\n[mcp_servers.x.env]\nFOO = \"bar\"\n\n[mcp_servers.y]\nurl = \"https://example.com/mcp\"\n"
          },
          {
            source: `project (${at("repo", ".codex", "config.toml")})`,
            baseDir: uri(at("repo", ".codex")),
            toml: "[mcp_servers.p]\ncommand = \"./run.sh\"\n"
          },
          {
            source: `project (${at("repo", "sub", ".codex", "config.toml")})`,
            baseDir: uri(at("repo", "sub", ".codex")),
            toml: "[mcp_servers.q]\nurl = \"http://127.0.0.1:1/mcp\"\n"
          }
        ],
        cloudInsertionIndex: 0
      },
      requirements: { layers: [], cloudInsertionIndex: 0 }
    })
    // A project may not name the model's provider, nor `features.respect_system_proxy`.
    expect(flat.config.layers.map((layer: any) => layer.toml)).toEqual([
      "model = \"o3\"\n\n[features]\nprefer_mxc = true\n",
      "model = \"from-project\"\n\n[features]\nother = 1\n"
    ])
    // An untrusted directory's layer is left out; the project root's trust holds below it.
    expect(shy.config.layers.map((layer: any) => layer.source)).toEqual([
      user.source,
      `project (${at("repo", ".codex", "config.toml")})`,
      `project (${at("repo", "sub", ".codex", "config.toml")})`
    ])
    expect(cut.config.layers[0].toml).toBe("[mcp_servers.x]\nargs = [\"-y\", \"srv\"]\n")
    expect(bare.config.layers.map((layer: any) => layer.source)).toEqual([user.source])
    expect(nowhere.config.layers.map((layer: any) => layer.toml)).toEqual(["model = \"o3\"\n"])
    expect(writer.config.layers[0].toml).toContain("quoted = 'has \"quotes\"'\n")
    expect(writer.config.layers[0].toml).toContain("big = 10000000000.0\nsmall = 0.00000015\n")
    expect(policy.requirements).toEqual({ layers: [], cloudInsertionIndex: 0 })
    expect(none).toEqual({ code: -32602, message: "at least one config or requirements path is required" })
    expect(emptyPath).toEqual({ code: -32602, message: "TOML paths must contain at least one key segment" })
  })

  it("fails -32603 when CODEX_HOME is not a directory, as the reference", async () => {
    const server = await startServer([], { env: { HOME: at("home"), CODEX_HOME: at("missing-codex-home") } })
    const response = await server.request("environmentConfig/read", cases()[0])
    expect(response.error).toEqual({
      code: -32603,
      message: `failed to find Codex home: CODEX_HOME points to "${at("missing-codex-home")}", but that path does not exist`
    })
  })

  it.runIf(SERVERS_TO_COMPARE.length > 1)("answers every case as the reference does, field by field", async () => {
    const ours = await answersOf(undefined)
    const reference = await answersOf(SERVERS_TO_COMPARE[1]!.command)
    for (const [index, answer] of reference.entries()) expect(ours[index], JSON.stringify(cases()[index])).toEqual(answer)
  })
})
