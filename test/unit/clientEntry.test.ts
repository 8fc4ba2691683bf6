/**
 * The client's own entry (`src/cli/clientMain.ts`), which the binary's entry
 * and its launcher give the command lines that start with a client command:
 * those are the client's commands, and what the entry loads holds none of
 * the server (a client pays for the modules it loads, and again in its
 * startup snapshot).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { CLIENT_COMMAND_NAMES } from "../../src/cli/clientCommandNames.js"
import { clientCommands } from "../../src/cli/remote.js"

const SRC = Path.resolve(import.meta.dirname, "../../src")

/** The modules of src/ that `entry` loads as it is evaluated (static imports; type-only ones and `import()` left out). */
const staticImports = (entry: string): Set<string> => {
  const files = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    const text = Fs.readFileSync(file, "utf8")
    for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"(\.[^"]+)"|^import\s+"(\.[^"]+)"/gm)) {
      visit(Path.resolve(Path.dirname(file), match[1] ?? match[2]!).replace(/\.js$/, ".ts"))
    }
  }
  visit(Path.join(SRC, entry))
  return new Set([...files].map((file) => Path.relative(SRC, file)))
}

describe("the client's entry", () => {
  it("takes the command lines of every client command, and only those", () => {
    expect([...CLIENT_COMMAND_NAMES].sort()).toEqual(clientCommands.map((command) => command.spec.name).sort())
  })

  it("is where the launcher starts the same commands from the client's snapshot", () => {
    const launcher = Fs.readFileSync(Path.join(SRC, "cli/exec-server.sh"), "utf8")
    const cases = /^case \$\{1-\} in\n\s+([^)]+)\)\n\s+flags=\$client_flags$/m.exec(launcher)?.[1]
    expect(cases?.split("|").map((name) => name.trim()).sort()).toEqual([...CLIENT_COMMAND_NAMES].sort())
  })

  it("loads none of the server: not its command, its handlers, its processes or its listeners", () => {
    const loaded = [...staticImports("cli/clientMain.ts")]
    expect(loaded).toContain("cli/remote.ts")
    expect(loaded.filter((file) => /^(process|sandbox|fs|testing)\//.test(file) || /^server\/(ExecServer|handlers\/)/.test(file))).toEqual([])
    expect(loaded).not.toContain("cli/run.ts")
    expect(loaded).not.toContain("listeners/WebSocketTransport.ts")
    expect(loaded).not.toContain("listeners/StdioTransport.ts")
  })
})
