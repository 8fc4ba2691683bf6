/**
 * The README's "Set up": a short list of what running, building and
 * running every test need, every system package `.ci/run` installs named
 * in it, and no paragraph of detail (which docs/OPERATIONS.md has, each
 * package with what it is for).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const read = (file: string) => Fs.readFileSync(Path.join(ROOT, file), "utf8")

/** A document's section under `## heading`, to the next `## `. */
const section = (document: string, heading: string): string => {
  const text = read(document)
  const start = text.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`${document} has no "## ${heading}"`)
  const end = text.indexOf("\n## ", start + 1)
  return text.slice(start, end < 0 ? undefined : end)
}

/** The Debian packages `.ci/run` installs when they are missing (its `missing+=(...)` lines). */
const ciPackages = [...read(".ci/run").matchAll(/missing\+=\(([^)]+)\)/g)].map((match) => match[1]!)

/** Where a package is named in prose: its Debian name, or the command it brings. */
const COMMAND_OF: Readonly<Record<string, string>> = { bubblewrap: "bwrap", nftables: "nft", iproute2: "ip" }

describe("the README's Set up", () => {
  const setUp = section("README.md", "Set up")
  // Its prose: without the fenced block.
  const prose = setUp.replace(/```[\s\S]*?```/g, "")
  const items = prose.split("\n- ").slice(1).map((item) => item.split("\n\n")[0]!.replace(/\s+/g, " "))

  it("lists what running it, building it and running every test need", () => {
    expect(items.map((item) => /^\*\*(.+?):\*\*/.exec(item)?.[1])).toEqual(["To run it", "To build it", "To run every test"])
    expect(items[0]).toMatch(/Node \d/)
    for (const tool of ["python3", "make", "g++"]) expect(items[1]).toContain(tool)
    expect(items[2]).toContain("npm install --prefix /opt/codex @openai/codex@0.171.0")
  })

  it("names every system package .ci/run installs", () => {
    expect(ciPackages.length).toBeGreaterThan(5)
    const listed = items.join(" ")
    expect(ciPackages.filter((name) => !listed.includes(name))).toEqual([])
  })

  it("has no long paragraph: the detail is in docs/OPERATIONS.md, which names each package with what it is for", () => {
    const paragraphs = prose.split(/\n\s*\n/).filter((paragraph) => !paragraph.trimStart().startsWith("- ") && !paragraph.includes("## Set up"))
    expect(paragraphs.map((paragraph) => paragraph.trim().split("\n").length).filter((lines) => lines > 5)).toEqual([])
    expect(prose).toContain("docs/OPERATIONS.md#install-and-build")
    const install = section("docs/OPERATIONS.md", "Install and build")
    expect(ciPackages.filter((name) => !install.includes(name) && !install.includes(`\`${COMMAND_OF[name] ?? name}\``))).toEqual([])
  })
})
