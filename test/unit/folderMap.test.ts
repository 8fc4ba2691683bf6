/**
 * docs/ARCHITECTURE.md's folder map is the tree of src/: every folder with
 * `.ts` files has its entry, every entry a folder, and each entry's
 * `may import:` line names exactly the folders its modules import (the
 * rules of what must never be imported are test/unit/importGraph.test.ts's).
 */
import { describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const SRC = Path.join(ROOT, "src")
const MAP_FILE = "docs/ARCHITECTURE.md"

interface Entry {
  readonly folder: string
  readonly mayImport: ReadonlyArray<string> | undefined
}

/** The map's entries: the code block under "## Folder map", an entry per line that starts with `folder/`. */
const mapEntries = (): ReadonlyArray<Entry> => {
  const text = Fs.readFileSync(Path.join(ROOT, MAP_FILE), "utf8")
  const section = text.split("\n## Folder map\n")[1]?.split("\n## ")[0]
  const block = section?.split("```")[1]
  if (block === undefined) throw new Error(`${MAP_FILE} has no code block under "## Folder map"`)
  const entries: Array<{ folder: string; text: string }> = []
  for (const line of block.split("\n")) {
    const start = /^([a-zA-Z][\w/]*)\/\s/.exec(line)
    if (start !== null) entries.push({ folder: start[1]!, text: line })
    else if (entries.length > 0) entries[entries.length - 1]!.text += `\n${line}`
  }
  return entries.map(({ folder, text }) => {
    const mayImport = /may import: *(.*)/.exec(text)?.[1]?.trim()
    return {
      folder,
      mayImport: mayImport === undefined
        ? undefined
        : mayImport === "nothing"
        ? []
        : mayImport.split(/\s+/).map((name) => name.replace(/\/$/, "")).sort()
    }
  })
}

/** Each folder of src/ (relative, at any depth) that holds `.ts` files, with the top-level folders its own modules import (outside its own top-level folder). */
const sourceFolders = (): Map<string, Set<string>> => {
  const folders = new Map<string, Set<string>>()
  const topOf = (folder: string) => folder.split("/")[0]!
  const walk = (dir: string) => {
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      const path = Path.join(dir, entry.name)
      if (entry.isDirectory()) {
        walk(path)
        continue
      }
      if (!entry.name.endsWith(".ts") || dir === SRC) continue
      const folder = Path.relative(SRC, dir).split(Path.sep).join("/")
      const imports = folders.get(folder) ?? new Set<string>()
      folders.set(folder, imports)
      const text = Fs.readFileSync(path, "utf8")
      for (const match of text.matchAll(/(?:import|export)[^"';]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/g)) {
        const target = Path.relative(SRC, Path.dirname(Path.resolve(dir, (match[1] ?? match[2])!)))
        if (target === "" || target.startsWith("..")) continue
        const top = topOf(target.split(Path.sep).join("/"))
        if (top !== topOf(folder)) imports.add(top)
      }
    }
  }
  walk(SRC)
  return folders
}

/**
 * The loops in the map's `may import:` lines, each as the folders around it
 * (`a → b → a`): top-level folders only, a sub-folder's line counting for
 * its folder.
 */
const loopsIn = (entries: ReadonlyArray<Entry>): Array<string> => {
  const edges = new Map<string, Set<string>>()
  for (const entry of entries) {
    const from = entry.folder.split("/")[0]!
    const targets = edges.get(from) ?? new Set<string>()
    for (const to of entry.mayImport ?? []) if (to !== from) targets.add(to)
    edges.set(from, targets)
  }
  const loops = new Set<string>()
  const walk = (path: ReadonlyArray<string>) => {
    for (const next of edges.get(path[path.length - 1]!) ?? []) {
      const at = path.indexOf(next)
      if (at !== -1) {
        // One name per loop, whichever folder it was found from: started at its least folder.
        const loop = path.slice(at)
        const start = loop.indexOf([...loop].sort()[0]!)
        loops.add([...loop.slice(start), ...loop.slice(0, start), loop[start]].join(" → "))
      } else walk([...path, next])
    }
  }
  for (const folder of edges.keys()) walk([folder])
  return [...loops].sort()
}

describe(`${MAP_FILE}'s folder map`, () => {
  const entries = mapEntries()
  const folders = sourceFolders()
  const mapped = new Set(entries.map((entry) => entry.folder))

  it("names every folder of src/ that has .ts files", () => {
    const missing = [...folders.keys()].filter((folder) => !mapped.has(folder)).sort()
    expect(missing, `folders of src/ with no line in ${MAP_FILE}'s folder map: ${missing.map((folder) => `src/${folder}/`).join(", ")}`)
      .toEqual([])
  })

  it("names no folder that src/ does not have", () => {
    const stale = entries.map((entry) => entry.folder).filter((folder) => !folders.has(folder))
    expect(stale, `${MAP_FILE}'s folder map names folders src/ does not have (or that hold no .ts): ${stale.map((folder) => `src/${folder}/`).join(", ")}`)
      .toEqual([])
  })

  it("has no loop in its `may import:` lines: every import runs down the floors", () => {
    expect(loopsIn(entries)).toEqual([])
  })

  it("says on each entry's `may import:` line exactly what the folder imports", () => {
    for (const entry of entries) {
      expect(entry.mayImport, `src/${entry.folder}/ has no "may import:" line in ${MAP_FILE}'s folder map`).toBeDefined()
      const actual = [...(folders.get(entry.folder) ?? [])].sort()
      expect(
        actual,
        `src/${entry.folder}/ imports ${actual.join(" ") || "nothing"}, and its "may import:" line in ${MAP_FILE} says ${entry.mayImport?.join(" ") || "nothing"}: change the code or the line`
      ).toEqual(entry.mayImport)
    }
  })
})
