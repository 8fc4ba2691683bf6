/**
 * The package's built entries (dist/, as `npm run build` made it from the
 * sources now: a run stops first where it is stale) as a client-only user
 * meets them: importing `effect-exec-server/client` (or `/protocol`) loads
 * nothing of the server, so neither node-pty nor the WebSocket server comes
 * along; the root entry exports the documented modules and no internals.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const packageRoot = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
/** The built package, which the run checks is fresh ("../../dist/"). */
const DIST = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../dist/")
const packageJson = JSON.parse(Fs.readFileSync(Path.join(packageRoot, "package.json"), "utf8")) as {
  readonly exports: Record<string, { readonly default: string; readonly types: string }>
}

/** Every module a built entry loads, following relative imports; bare specifiers are collected as they are. */
const importGraph = (entry: string): { readonly files: Set<string>; readonly packages: Set<string> } => {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    const source = Fs.readFileSync(file, "utf8")
    for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\("([^"]+)"\)/g)) {
      const specifier = match[1] ?? match[2]!
      if (specifier.startsWith(".")) visit(Path.resolve(Path.dirname(file), specifier))
      else packages.add(specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"))
    }
  }
  visit(Path.join(packageRoot, entry))
  return { files, packages }
}

describe("package entries", () => {
  for (const entry of ["./client", "./protocol"]) {
    it(`${entry} loads nothing of the server`, () => {
      const { files, packages } = importGraph(packageJson.exports[entry]!.default)
      const relative = [...files].map((file) => Path.relative(DIST, file))
      expect(relative.filter((file) => /^(server|process|sandbox|fs|testing|cli)\//.test(file))).toEqual([])
      expect(relative).not.toContain("listeners/WebSocketTransport.js")
      expect(relative).not.toContain("listeners/StdioTransport.js")
      expect([...packages]).not.toContain("node-pty")
    })
  }

  // It loads the whole built package through vitest's module runner: 10 s on 2 cores with the suite beside it.
  it("the root entry exports the documented modules and none of the internals", async () => {
    const exports = await import(Path.join(packageRoot, packageJson.exports["."]!.default)) as Record<string, unknown>
    for (const name of [
      "ExecServer", "Surface", "ServerConfig", "SessionStore", "Transport", "StdioTransport", "WebSocketTransport",
      "NodePtySpawner", "NodePipeSpawner", "NodeSpawner", "Spawner", "OutputBuffers", "ProcessReaper", "Sandbox", "SandboxedFs",
      "ExecServerClient", "PromiseClient", "ClientTransport", "InProcessClient", "TestConnection", "TestServer", "TestSpawner",
      "ExecServerRpcs", "PathNotFound", "SandboxPolicy"
    ]) expect(exports[name], name).toBeDefined()
    for (const name of [
      "Connection", "Dispatcher", "JsonRpc", "JsonRpcServer", "Outbound", "LineFramer",
      "ProcessActor", "ProcessTable", "ClientSession", "Handlers", "SandboxRules", "FileHandleTable", "ProcessChannel"
    ]) expect(exports[name], name).toBeUndefined()
  }, 90_000)

  it("every export names a built file and its types", () => {
    for (const [name, target] of Object.entries(packageJson.exports)) {
      expect(Fs.existsSync(Path.join(packageRoot, target.default)), name).toBe(true)
      expect(Fs.existsSync(Path.join(packageRoot, target.types)), name).toBe(true)
    }
  })
})
