/**
 * Huge and looping trees under the methods that walk, list, watch and read
 * what a client (or a sandboxed process, which can write the files the
 * server reads later) lays out (issue 82, "not yet attacked"): a directory
 * of more entries than a walk reads, a plugin cache of tens of thousands of
 * plugins, and FIFOs, devices, link loops and links to `/` and `/proc` where
 * skills and configuration are looked for. Each answer must be bounded and
 * say so, and other clients stay served. The server in process, on src/,
 * over WebSocket; its environment (HOME, CODEX_HOME) is the test's.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { spawnSync } from "node:child_process"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useInProcessWebSocketServers, useServerEnvironment } from "../support/InProcessServer.js"
import { type Change } from "../support/pathChanges.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

// The bounds, as the server's answers name them: entries a walk reads (WALK_ENTRIES_READ), entries a
// recursive watch lists (DEFAULT_MAX_WATCH_ENTRIES), entries of the plugin cache discovery reads (V2_LIMITS).
const WALK_ENTRIES_READ = 131_072
const DEFAULT_MAX_WATCH_ENTRIES = 131_072
const CACHE_ENTRIES = 16_384

const serverEnvironment = useServerEnvironment()
const startWebSocketServer = useInProcessWebSocketServers()

let root = ""
const at = (...parts: Array<string>) => Path.join(root, ...parts)
const uri = (path: string) => pathToFileURL(path).href
const skill = (name: string, description: string) => `---\nname: ${name}\ndescription: ${description}\n---\n\nBody.\n`
const write = (path: string, text: string) => {
  mkdirSync(Path.dirname(path), { recursive: true })
  writeFileSync(path, text)
}
/**
 * A server of its own, and `capabilities/discoverV2` of the project asked by
 * one client while another asks `environment/info`, which must be answered:
 * the attacker's answer, and both clients.
 */
const discoverBesideAnother = async () => {
  const server = await startWebSocketServer()
  const [attacker, other] = await Promise.all([RawWebSocketClient.connectReady(server.url), RawWebSocketClient.connectReady(server.url)])
  const [answer, info] = await Promise.all([
    attacker.request("capabilities/discoverV2", { cwd: uri(at("project")) }),
    other.request("environment/info", {})
  ])
  expect(info).toHaveProperty("result")
  return { answer, attacker, other }
}

/** `count` empty files in `dir`, as fast as a process in a sandbox makes them. */
const manyFiles = (dir: string, count: number) => {
  mkdirSync(dir, { recursive: true })
  for (let i = 0; i < count; i++) closeSync(openSync(`${dir}/f${i}`, "w"))
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(Path.join(Os.tmpdir(), "huge-trees-")))
  mkdirSync(at("project"), { recursive: true })
  // One directory past every bound of entries read or listed (the walk's, a watch's).
  manyFiles(at("wide", "big"), Math.max(WALK_ENTRIES_READ, DEFAULT_MAX_WATCH_ENTRIES) + 1)
  write(at("wide", "a-skill", "SKILL.md"), skill("a-skill", "beside a huge directory"))
}, 300_000)
afterAll(() => rmSync(root, { recursive: true, force: true }), 300_000)

describe("a directory of more entries than a walk reads", () => {
  it("fs/walk and capabilityRoots/discoverV1 stop at it with an error naming the bound; another client is answered meanwhile", async () => {
    const server = await startWebSocketServer()
    const [attacker, other] = await Promise.all([RawWebSocketClient.connectReady(server.url), RawWebSocketClient.connectReady(server.url)])
    const options = { maxDepth: 6, maxDirectories: 2000, maxEntries: 20000, followDirectorySymlinks: true }
    const [walked, info] = await Promise.all([
      attacker.request("fs/walk", { path: at("wide"), options }),
      other.request("environment/info", {})
    ])
    expect(info).toHaveProperty("result")
    expect(walked.result.truncated).toBe(true)
    expect(walked.result.errors).toEqual([{
      path: uri(at("wide", "big")),
      message: `E2BIG: the directory has more entries than the walk may still read (it reads ${WALK_ENTRIES_READ} in all); it is not listed`
    }])
    // What came before it is listed; nothing of it.
    expect(walked.result.entries.map((entry: { path: string }) => entry.path)).toEqual([
      uri(at("wide", "a-skill")),
      uri(at("wide", "big")),
      uri(at("wide", "a-skill", "SKILL.md"))
    ])
    const [discovered] = await Promise.all([
      attacker.request("capabilityRoots/discoverV1", { roots: [{ id: "wide", path: at("wide") }] }),
      other.request("fs/getMetadata", { path: at("project") })
    ])
    const [found] = discovered.result.roots
    expect(found.skills.map((one: { instructions: { path: string } }) => one.instructions.path)).toEqual([uri(at("wide", "a-skill", "SKILL.md"))])
    expect(found.warnings).toEqual([
      `failed to scan capability path ${uri(at("wide", "big"))}: E2BIG: the directory has more entries than the walk may still read (it reads ${WALK_ENTRIES_READ} in all); it is not listed`,
      `capability scan reached its traversal limit (root: ${uri(at("wide"))})`
    ])
  }, 120_000)

  it("a recursive fs/watch of it is refused naming the bound; without recursive it is watched; another client's watch goes on", async () => {
    const server = await startWebSocketServer()
    const [attacker, other] = await Promise.all([RawWebSocketClient.connectReady(server.url), RawWebSocketClient.connectReady(server.url)])
    const small = at("project", "watched")
    mkdirSync(small, { recursive: true })
    expect((await other.request("fs/watch", { watchId: "mine", path: small, recursive: true })).result).toEqual({ watchId: "mine" })
    const refused = await attacker.request("fs/watch", { watchId: "big", path: at("wide"), recursive: true })
    expect(refused.error).toMatchObject({
      code: -32600,
      message: `fs/watch ${at("wide")}: the tree has more than ${DEFAULT_MAX_WATCH_ENTRIES} entries (files and directories), the most one ` +
        "watch lists; watch a smaller tree, or without recursive"
    })
    // The refused id is free again, and the directory itself can be watched.
    expect((await attacker.request("fs/watch", { watchId: "big", path: at("wide", "big") })).result).toEqual({ watchId: "big" })
    writeFileSync(Path.join(small, "after"), "x")
    await other.waitFor((message) =>
      message.method === "fs/changed" && message.params.watchId === "mine" &&
      message.params.changes.some((change: Change) => change.path === uri(Path.join(small, "after")))
    )
  }, 120_000)
})

describe("a plugin cache of more plugins than discovery looks at", () => {
  it("capabilities/discoverV2 stops at the cache's bound and says the answer is incomplete; the skills are still found", async () => {
    const codexHome = at("plugins", "codex")
    const marketplace = Path.join(codexHome, "plugins", "cache", "market")
    // Each a plugin directory with a version, as a process that can write CODEX_HOME lays them out (mkdir -p in bulk).
    mkdirSync(marketplace, { recursive: true })
    const made = spawnSync("sh", ["-c", `cd "$1" && seq 0 ${CACHE_ENTRIES} | sed 's|$|/1.0.0|' | xargs mkdir -p`, "sh", marketplace])
    expect(made.status).toBe(0)
    write(Path.join(codexHome, "skills", "real", "SKILL.md"), skill("real", "a skill beside the flood"))
    serverEnvironment({ HOME: at("plugins", "home"), CODEX_HOME: codexHome })
    const { answer } = await discoverBesideAnother()
    expect(answer.result).toMatchObject({
      plugins: [],
      warnings: ["some capability locations could not be resolved; discovery may be incomplete"]
    })
    expect(answer.result.skills.map((one: { name: string }) => one.name)).toEqual(["real"])
  }, 300_000)
})

describe("FIFOs, devices, link loops and links out of the tree where skills and configuration are read", () => {
  it("capabilities/discoverV2 and environmentConfig/read answer, reading none of them; the ordinary skill beside them is found", async () => {
    const skills = at("odd", "codex", "skills")
    const dir = (...parts: Array<string>) => {
      mkdirSync(Path.join(skills, ...parts), { recursive: true })
      return Path.join(skills, ...parts)
    }
    const fifo = (path: string) => expect(spawnSync("mkfifo", [path]).status).toBe(0)
    fifo(Path.join(dir("fifo"), "SKILL.md"))
    fifo(Path.join(dir("fifo", ".codex-plugin"), "plugin.json"))
    symlinkSync("/dev/zero", Path.join(dir("zero"), "SKILL.md"))
    write(Path.join(dir("random"), "SKILL.md"), skill("random", "metadata from /dev/urandom"))
    symlinkSync("/dev/urandom", Path.join(dir("random", "agents"), "openai.yaml"))
    symlinkSync(".", Path.join(dir("self"), "a"))
    symlinkSync("../loop-b/b", Path.join(dir("loop-a"), "a"))
    symlinkSync("../loop-a/a", Path.join(dir("loop-b"), "b"))
    symlinkSync("/", Path.join(dir("to-root"), "root"))
    symlinkSync("/proc", Path.join(dir("to-proc"), "proc"))
    symlinkSync("/proc/self/root", Path.join(dir("to-proc"), "self-root"))
    write(Path.join(dir("new\nline"), "SKILL.md"), skill("newline", "a directory named with a newline"))
    // The user's config.toml a FIFO.
    fifo(at("odd", "codex", "config.toml"))
    serverEnvironment({ HOME: at("odd", "home"), CODEX_HOME: at("odd", "codex") })
    const { answer, attacker, other } = await discoverBesideAnother()
    expect(answer.result.skills.map((one: { name: string }) => one.name).sort()).toEqual(["newline", "random"])
    expect(answer.result.skills.find((one: { name: string }) => one.name === "random")).toMatchObject({ dependencies: null, policy: null })
    const config = await attacker.request("environmentConfig/read", { cwd: uri(at("project")), configPaths: [["model"]], requirementsPaths: [] })
    expect(config.error).toMatchObject({ code: -32603 })
    expect(config.error.message).toContain("is not a file")
    expect((await other.request("fs/getMetadata", { path: at("project") })).result).toMatchObject({ isDirectory: true })
  }, 120_000)
})
