/**
 * A module's file name says which module it is: no two modules of src/ share
 * one, but the entries every folder of that kind has (`index.ts` of a
 * package entry, `main.ts` of a program). Two `fs.ts` in two folders read
 * alike in an import, a stack trace and a search. A snapshot is of one of
 * two things, V8's heap at start or the login shell's state, and a module
 * about one says which (`startupSnapshot...`, `shellSnapshot...`). And a
 * module holds one concern a reader takes in whole: at most 500 lines.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const SRC = Path.resolve(import.meta.dirname, "../../src")

/** Names that stand for an entry of their folder, where sharing one says what it is. */
const ENTRY_NAMES = new Set(["index.ts", "main.ts"])

/** The most lines a module of src/ has. */
const MOST_LINES = 500

describe("the modules of src/", () => {
  it("have each a file name of its own", () => {
    const byName = new Map<string, Array<string>>()
    for (const file of Fs.readdirSync(SRC, { recursive: true, encoding: "utf8" })) {
      const name = Path.basename(file)
      if (!name.endsWith(".ts") || name.endsWith(".d.ts") || ENTRY_NAMES.has(name)) continue
      byName.set(name, [...(byName.get(name) ?? []), file])
    }
    const shared = [...byName].filter(([, files]) => files.length > 1).map(([name, files]) => `${name}: ${files.sort().join(", ")}`)
    expect(shared.sort()).toEqual([])
  })

  it("say which snapshot they are of", () => {
    const unsaid = Fs.readdirSync(SRC, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .filter((file) => /snapshot/i.test(Path.basename(file)) && !/(startup|shell)snapshot/i.test(Path.basename(file)))
    expect(unsaid.sort()).toEqual([])
  })

  it(`have at most ${MOST_LINES} lines each`, () => {
    const long = Fs.readdirSync(SRC, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => [file, Fs.readFileSync(Path.join(SRC, file), "utf8").split("\n").length - 1] as const)
      .filter(([, lines]) => lines > MOST_LINES)
      .map(([file, lines]) => `${file}: ${lines}`)
    expect(long.sort()).toEqual([])
  })
})
