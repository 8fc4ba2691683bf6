/**
 * The folders of src/ import one way (docs/ARCHITECTURE.md): protocol/ and
 * wire/ at the bottom, the client beside the server, listeners above the
 * server, the command line on top.
 */
import { describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"

const SRC = Path.resolve(import.meta.dirname, "../../src")

/** Each folder of src/ with the folders its modules import (relative imports, type-only ones included), and the modules of other folders each folder imports. */
const importGraph = (): { readonly graph: Map<string, Set<string>>; readonly modules: Map<string, Set<string>> } => {
  const graph = new Map<string, Set<string>>()
  const modules = new Map<string, Set<string>>()
  const folderOf = (file: string) => {
    const parts = Path.relative(SRC, file).split(Path.sep)
    return parts.length === 1 ? "(root)" : parts[0]!
  }
  const scan = (file: string) => {
    const from = folderOf(file)
    const text = Fs.readFileSync(file, "utf8")
    for (const match of text.matchAll(/(?:import|export)[^"';]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/g)) {
      const target = Path.resolve(Path.dirname(file), (match[1] ?? match[2])!)
      const to = folderOf(target)
      if (to === from) continue
      const targets = graph.get(from) ?? new Set<string>()
      targets.add(to)
      graph.set(from, targets)
      const imported = modules.get(from) ?? new Set<string>()
      imported.add(Path.relative(SRC, target))
      modules.set(from, imported)
    }
  }
  const walk = (dir: string) => {
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      const path = Path.join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith(".ts")) scan(path)
    }
  }
  walk(SRC)
  return { graph, modules }
}

/**
 * Each module of src/ with the modules it imports as values (`import type`
 * and `{ type A }`-only imports left out: they are gone once compiled).
 */
const valueImports = (): Map<string, Set<string>> => {
  const imports = new Map<string, Set<string>>()
  const walk = (dir: string) => {
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      const path = Path.join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith(".ts")) {
        const targets = new Set<string>()
        // One statement at a time: the sources have no semicolons, so a clause ends where the next statement begins.
        for (const match of Fs.readFileSync(path, "utf8").matchAll(/^(?:import|export)\s+(?!type\b)((?:(?!\n(?:import|export)\b)[\s\S])*?)\s+from\s+"(\.[^"]+)"/gm)) {
          const names = /^\{([\s\S]*)\}$/.exec(match[1]!.trim())?.[1]?.split(",").map((name) => name.trim()).filter((name) => name !== "")
          if (names !== undefined && names.every((name) => name.startsWith("type "))) continue
          targets.add(Path.relative(SRC, Path.resolve(Path.dirname(path), match[2]!.replace(/\.js$/, ".ts"))))
        }
        imports.set(Path.relative(SRC, path), targets)
      }
    }
  }
  walk(SRC)
  return imports
}

/** The groups of modules that import each other, directly or around a loop (Tarjan's strongly connected components of more than one). */
const importLoops = (imports: Map<string, Set<string>>): ReadonlyArray<ReadonlyArray<string>> => {
  let next = 0
  const order = new Map<string, number>()
  const reach = new Map<string, number>()
  const stack: Array<string> = []
  const loops: Array<Array<string>> = []
  const visit = (module: string) => {
    order.set(module, next)
    reach.set(module, next++)
    stack.push(module)
    for (const target of imports.get(module) ?? []) {
      if (!imports.has(target)) continue
      if (!order.has(target)) {
        visit(target)
        reach.set(module, Math.min(reach.get(module)!, reach.get(target)!))
      } else if (stack.includes(target)) reach.set(module, Math.min(reach.get(module)!, order.get(target)!))
    }
    if (reach.get(module) !== order.get(module)) return
    const group: Array<string> = []
    for (let member = stack.pop(); member !== undefined; member = member === module ? undefined : stack.pop()) group.push(member)
    if (group.length > 1) loops.push(group.sort())
  }
  for (const module of imports.keys()) if (!order.has(module)) visit(module)
  return loops
}

/** The shared pieces at the bottom, beside protocol/: they import nothing of src/, and any folder may import them. */
const SHARED = ["procfs", "rateLimit", "ownership"]

describe("the import graph of src/", () => {
  const { graph, modules } = importGraph()
  /** The folders `folder` imports, but the shared pieces at the bottom. */
  const importsOf = (folder: string) => [...(graph.get(folder) ?? [])].filter((target) => !SHARED.includes(target)).sort()

  it("has protocol/ at the bottom and wire/ on it alone", () => {
    expect(importsOf("protocol")).toEqual([])
    expect(importsOf("wire")).toEqual(["protocol"])
  })

  it("has the shared pieces at the bottom too: procfs/ (reading /proc), rateLimit/ (the token bucket) and ownership/ (whether a path is this user's alone) import nothing of src/", () => {
    for (const folder of SHARED) expect([...(graph.get(folder) ?? [])], `${folder} imports`).toEqual([])
  })

  it("has the client beside the server: it imports only protocol/ and wire/", () => {
    expect(importsOf("client")).toEqual(["protocol", "wire"])
  })

  it("has remote/ (a listener and a connector over NATS) on protocol/, wire/, the transport contract (jsonrpc/), the client's connector types, the listeners' bearer check and log budget, the release of oversized messages' memory, and the server knowing nothing of it", () => {
    expect(importsOf("remote").filter((folder) => !["protocol", "wire", "jsonrpc", "client", "listeners", "observability", "native"].includes(folder))).toEqual([])
    // Of native/, only what gives back the memory of oversized messages, as the WebSocket listener does.
    expect([...(modules.get("remote") ?? [])].filter((module) => module.startsWith("native/"))).toEqual(["native/oversizedMemory.js"])
    // Of observability/, only the listeners' budget of log lines (no metrics, no tracing).
    expect([...(modules.get("remote") ?? [])].filter((module) => module.startsWith("observability/"))).toEqual(["observability/logBudget.js"])
    // The executor takes the WebSocket listener's auth: that one module of listeners/, nothing else of it.
    expect([...(modules.get("remote") ?? [])].filter((module) => module.startsWith("listeners/"))).toEqual(["listeners/bearerAuth.js"])
    for (const folder of ["server", "jsonrpc", "process", "fs", "http", "listeners", "client"]) {
      expect(importsOf(folder).includes("remote"), `${folder} imports remote/`).toBe(false)
    }
  })

  it("has the gateway on the WebSocket listener and remote/: no server/ (it runs no JSON-RPC) and no client/; only the command line imports it", () => {
    expect(importsOf("gateway")).toEqual(["jsonrpc", "listeners", "observability", "remote", "sandbox", "wire"])
    // Of sandbox/, only the service its listener requires (the gateway's refuses peers confined in anyone's sandbox).
    expect([...(modules.get("gateway") ?? [])].filter((module) => module.startsWith("sandbox/"))).toEqual(["sandbox/Sandbox.js"])
    for (const [folder, targets] of graph) {
      if (folder !== "cli") expect(targets.has("gateway"), `${folder} imports gateway/`).toBe(false)
    }
  })

  it("has the domain below the server talk to its client through clientMessages alone: no other module of jsonrpc/ (the connection's machinery)", () => {
    for (const folder of ["process", "network", "fs", "http", "sandbox", "capabilities", "codexConfig", "observability", "native", "procfs", "rateLimit", "ownership"]) {
      const imported = [...(modules.get(folder) ?? [])].filter((module) => module.startsWith("jsonrpc/"))
      expect(imported.filter((module) => module !== "jsonrpc/clientMessages.js"), `${folder} imports`).toEqual([])
    }
  })

  it("has the listeners above the server: server/ imports no listeners/, client/ or cli/", () => {
    expect(importsOf("server").filter((folder) => ["listeners", "client", "cli"].includes(folder))).toEqual([])
  })

  it("has the web console on top of the server: no folder below it imports console/, and it reaches the listener only through its Mount", () => {
    for (const [folder, targets] of graph) {
      if (!["(root)", "cli"].includes(folder)) expect(targets.has("console"), `${folder} imports console/`).toBe(false)
    }
    expect([...(modules.get("console") ?? [])].filter((module) => module.startsWith("listeners/"))).toEqual(["listeners/webSocketOptions.js"])
  })

  it("has no two modules that import each other as values, directly or around a loop (one's exports would be undefined while the other loads)", () => {
    expect(importLoops(valueImports())).toEqual([])
  })

  it("has no folder but the command line and the package entry import cli/, and none below the server import server/", () => {
    for (const [folder, targets] of graph) {
      if (folder !== "(root)") expect(targets.has("cli"), `${folder} imports cli/`).toBe(false)
      // The web console is an application on top of the server.
      if (!["(root)", "cli", "testing", "console"].includes(folder)) {
        expect(targets.has("server"), `${folder} imports server/`).toBe(false)
      }
      // remote/ offers the client a Connector to an environment by id.
      if (!["(root)", "cli", "testing", "remote"].includes(folder)) {
        expect(targets.has("client"), `${folder} imports client/`).toBe(false)
      }
    }
  })
})
