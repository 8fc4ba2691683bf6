/**
 * What the server reads for a client outside `fs/*` (issue 67, item 5):
 * Codex's configuration layers, capability discovery's files and shell
 * snapshots' login files are judged as `fs/readFile` judges them, on the
 * file a path leads to. With `--sandbox-write W --sandbox-deny SEC`, a
 * sandboxed process links a file the server reads into W, pointing at SEC;
 * and without a sandbox, a link to the server's own token file. Each case
 * replays the chain: the process makes the link, then the client asks.
 * The server in process, on src/: its environment (HOME, CODEX_HOME) is
 * the test's, set for the test (`serverEnvironment`).
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type InProcessServer, useInProcessServers, useInProcessWebSocketServers, useServerEnvironment } from "../support/InProcessServer.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

// The server's environment: the test's, set for the test (put back after its servers stop).
const serverEnvironment = useServerEnvironment()

const startServer = useInProcessServers()
const startWebSocketServer = useInProcessWebSocketServers()

let directories: Array<string> = []
afterEach(() => {
  for (const directory of directories) Fs.rmSync(directory, { recursive: true, force: true })
  directories = []
})

/** A fresh tree: W (the writable root), SEC (denied), CODEX_HOME and HOME. */
const tree = () => {
  const root = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "denied-reads-")))
  directories.push(root)
  const at = (...parts: Array<string>) => Path.join(root, ...parts)
  for (const dir of ["W", "SEC", "codex", "home"]) Fs.mkdirSync(at(dir))
  return { root, at, W: at("W"), SEC: at("SEC") }
}

const MCP_TOKEN = "mcp-token-from-the-denied-directory"
const AWS_SECRET = "aws-secret-from-the-denied-directory"

/** Runs a shell script as a process of the server (under its operator's policy, if any) to its close. */
const runScript = async (
  server: { request: InProcessServer["request"]; closed: (id: string) => Promise<unknown> },
  processId: string,
  script: string,
  extra: Record<string, unknown> = {}
) => {
  const started = await server.request("process/start", pipeProcess(processId, ["sh", "-c", script], extra))
  expect(started.error).toBeUndefined()
  await server.closed(processId)
}

describe("environmentConfig/read under the operator's policy", () => {
  /** A server with `--sandbox-write W --sandbox-deny SEC`, the user's config trusting W/sub and W/other. */
  const setUp = async () => {
    const t = tree()
    Fs.writeFileSync(
      t.at("SEC", "config.toml"),
      `[mcp_servers.vault]\ncommand = "vault-mcp"\n\n[mcp_servers.vault.env]\nTOKEN = "${MCP_TOKEN}"\n`
    )
    Fs.writeFileSync(t.at("SEC", "credentials.toml"), `[default]\naws_secret_access_key = "${AWS_SECRET}"\n`)
    Fs.writeFileSync(
      t.at("codex", "config.toml"),
      `[projects.${JSON.stringify(Path.join(t.W, "sub"))}]\ntrust_level = "trusted"\n\n` +
        `[projects.${JSON.stringify(Path.join(t.W, "other"))}]\ntrust_level = "trusted"\n`
    )
    serverEnvironment({ HOME: t.at("home"), CODEX_HOME: t.at("codex") })
    const server = await startServer(["--sandbox-write", t.W, "--sandbox-deny", t.SEC])
    return { ...t, server }
  }

  it("refuses a project layer a sandboxed process linked to a denied file, as fs/readFile refuses it", async () => {
    const { SEC, W, server } = await setUp()
    // The chain: the process (confined by the operator's policy) makes the link...
    await runScript(server, "link", `mkdir -p ${W}/sub/.codex && ln -s ${SEC}/config.toml ${W}/sub/.codex/config.toml`)
    expect(Fs.readlinkSync(Path.join(W, "sub", ".codex", "config.toml"))).toBe(Path.join(SEC, "config.toml"))
    // ...then the client reads the configuration seen from W/sub.
    const read = await server.request("environmentConfig/read", {
      cwd: `file://${W}/sub`,
      configPaths: [["mcp_servers"]],
      requirementsPaths: []
    })
    expect(JSON.stringify(read)).not.toContain(MCP_TOKEN)
    // An unreadable layer, as on the reference: the read fails, naming the file.
    expect(read.error).toEqual({
      code: -32603,
      message: `failed to load executor-local config: Failed to read project config file ${W}/sub/.codex/config.toml: ` +
        "Permission denied (os error 13): denied by the sandbox policy"
    })
    // fs/readFile of the same path says the same.
    const file = await server.request("fs/readFile", { path: `${W}/sub/.codex/config.toml` })
    expect(file.error?.data).toMatchObject({ sandboxDenied: true })
    // The server still answers, and a layer the policy lets read is read.
    await runScript(server, "fix", `rm ${W}/sub/.codex/config.toml && printf 'model = "mine"\\n' > ${W}/sub/.codex/config.toml`)
    const fixed = await server.request("environmentConfig/read", { cwd: `file://${W}/sub`, configPaths: [["model"]], requirementsPaths: [] })
    expect(fixed.result.config.layers.map((layer: { toml: string }) => layer.toml)).toEqual(["model = \"mine\"\n"])
  })

  it("gives no key of any denied TOML file, whatever configPaths the client chooses", async () => {
    const { SEC, W, server } = await setUp()
    await runScript(server, "link", `mkdir -p ${W}/other/.codex && ln -s ${SEC}/credentials.toml ${W}/other/.codex/config.toml`)
    const read = await server.request("environmentConfig/read", {
      cwd: `file://${W}/other`,
      configPaths: [["default", "aws_secret_access_key"], ["default"]],
      requirementsPaths: [["default"]]
    })
    expect(JSON.stringify(read)).not.toContain(AWS_SECRET)
    expect(read.error?.code).toBe(-32603)
    expect(read.error?.message).toContain("Permission denied (os error 13)")
    // A directory link into SEC (W/other/.codex itself) is a directory the policy hides: absent, no layer.
    await runScript(server, "relink", `rm -r ${W}/other/.codex && ln -s ${SEC} ${W}/other/.codex`)
    const hidden = await server.request("environmentConfig/read", {
      cwd: `file://${W}/other`,
      configPaths: [["default"], ["mcp_servers"]],
      requirementsPaths: []
    })
    expect(JSON.stringify(hidden)).not.toContain(AWS_SECRET)
    expect(JSON.stringify(hidden)).not.toContain(MCP_TOKEN)
    expect(hidden.result.config.layers).toEqual([])
  })
})

describe("reads that lead to the server's own token file", () => {
  it("neither environmentConfig/read nor capabilityRoots/discoverV1 returns it", async () => {
    const t = tree()
    const tokenFile = t.at("SEC", "token")
    const token = "the-server-token-of-deniedReads"
    Fs.writeFileSync(tokenFile, `${token}\n`)
    Fs.writeFileSync(t.at("codex", "config.toml"), `[projects.${JSON.stringify(Path.join(t.W, "sub"))}]\ntrust_level = "trusted"\n`)
    serverEnvironment({ HOME: t.at("home"), CODEX_HOME: t.at("codex") })
    const server = await startWebSocketServer(["--ws-token-file", tokenFile])
    const client = await RawWebSocketClient.connectReady(server.url, { authorization: `Bearer ${token}` })
    // An (unsandboxed) process links a project's config and a plugin's manifest to the token file.
    await runScript(
      { request: (method, params) => client.request(method, params), closed: (id) => client.waitFor((m) => m.method === "process/closed" && m.params.processId === id) },
      "link",
      `mkdir -p ${t.W}/sub/.codex ${t.W}/plugin/.codex-plugin && ln -s ${tokenFile} ${t.W}/sub/.codex/config.toml && ` +
        `ln -s ${tokenFile} ${t.W}/plugin/.codex-plugin/plugin.json`
    )
    const read = await client.request("environmentConfig/read", { cwd: `${t.W}/sub`, configPaths: [["x"]], requirementsPaths: [] })
    // Not TOML: unrefused, the parser's error would quote the token.
    expect(JSON.stringify(read)).not.toContain(token)
    expect(read.error?.message).toContain("Permission denied (os error 13): a secret of this server's")
    const discovered = await client.request("capabilityRoots/discoverV1", { roots: [{ id: "r", path: `${t.W}/plugin` }] })
    expect(JSON.stringify(discovered)).not.toContain(token)
    // The reference's answer for a manifest it cannot read: no plugin, a warning.
    expect(discovered.result.roots[0]).toMatchObject({
      plugin: null,
      warnings: [`failed to read capability file file://${t.W}/plugin/.codex-plugin/plugin.json: Permission denied (os error 13)`]
    })
    client.socket.close()
  })
})

describe("capabilities/discoverV2 under the operator's policy", () => {
  it("reads no remote install file a sandboxed process linked to a denied file", async () => {
    const t = tree()
    const codexHome = Path.join(t.W, "codex")
    Fs.writeFileSync(t.at("SEC", "install.json"), JSON.stringify({ schema_version: 1, remote_plugin_id: AWS_SECRET }))
    serverEnvironment({ HOME: t.at("home"), CODEX_HOME: codexHome })
    const server = await startServer(["--sandbox-write", t.W, "--sandbox-deny", t.SEC])
    const packageDir = `${codexHome}/plugins/cache/market/plug`
    await runScript(
      server,
      "plant",
      `mkdir -p ${packageDir}/1.0.0/.codex-plugin && printf '{"name":"plug"}' > ${packageDir}/1.0.0/.codex-plugin/plugin.json && ` +
        `ln -s ${t.SEC}/install.json ${packageDir}/.codex-remote-plugin-install.json && ` +
        // A skill directory that is a link into SEC: the walk's worker cannot see in.
        `mkdir -p ${codexHome}/skills && ln -s ${t.SEC} ${codexHome}/skills/leak`
    )
    Fs.mkdirSync(t.at("SEC", "s"))
    Fs.writeFileSync(t.at("SEC", "s", "SKILL.md"), `---\nname: leak\ndescription: ${MCP_TOKEN}\n---\n`)
    const discovered = await server.request("capabilities/discoverV2", { cwd: t.W })
    expect(JSON.stringify(discovered)).not.toContain(AWS_SECRET)
    expect(JSON.stringify(discovered)).not.toContain(MCP_TOKEN)
    // The plugin itself is there; its remote id, which the policy hides, is absent (null), as with no file.
    expect(discovered.result.plugins).toMatchObject([{ id: "plug@market", displayName: "plug", remotePluginId: null }])
    expect(discovered.result.skills).toEqual([])
  })
})

describe("a shell snapshot under the operator's policy", () => {
  it("captures nothing from a login file a sandboxed process linked to a denied file", async () => {
    const t = tree()
    const home = Path.join(t.W, "home")
    Fs.writeFileSync(t.at("SEC", "rc"), `export LEAKED=${MCP_TOKEN}\n`)
    const server = await startServer(["--sandbox-write", t.W, "--sandbox-deny", t.SEC])
    await runScript(server, "link", `mkdir -p ${home} && ln -s ${t.SEC}/rc ${home}/.bashrc && ln -s ${t.SEC}/rc ${home}/.bash_profile`)
    const started = await server.request("process/start", pipeProcess("snap", ["/bin/bash", "-lc", "echo \"LEAKED=${LEAKED-unset}\""], {
      cwd: t.W,
      env: { PATH: "/usr/bin:/bin", HOME: home },
      shellSnapshot: { scopeId: "s", shell: { name: "bash", path: "/bin/bash" } }
    }))
    expect(started.error).toBeUndefined()
    await server.closed("snap")
    expect(server.outputOf("snap").toString()).toBe("LEAKED=unset\n")
  })
})
