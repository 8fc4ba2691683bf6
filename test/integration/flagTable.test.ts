/**
 * The operators' flag table (docs/OPERATIONS.md; that it is the one generated
 * from the flags' declarations is test/unit/flagTable.test.ts's) says what the
 * binary's `--help-all` says: the same flags, and for each whole-number flag
 * the same default. `--help` is the short
 * one: a screen of 80×24; `--help-all` every flag, by purpose, in 80 columns.
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { serverFlags } from "../../src/cli/commandFlags.js"
import { currentGatewayFlagTable } from "../../src/cli/flagTable.js"
import { SERVER_BIN, serverArgs } from "../support/StdioServer.js"

const operations = readFileSync(Path.resolve(Path.dirname(SERVER_BIN), "../../docs/OPERATIONS.md"), "utf8")

const table = operations
  .split("\n")
  .filter((line) => line.startsWith("| `--"))
  .map((line) => line.split(" | "))

/** Every flag a table row names (a row may name two), with the row's default. */
const documented = new Map<string, string>(
  table.flatMap(([flags, defaultValue]) =>
    [...flags!.matchAll(/`(--[a-z0-9-]+)/g)].map((match) => [match[1]!, defaultValue!.trim()] as const))
)

/** The binary's help (`--help-all`: every flag), without colours. */
const helpText = (flag = "--help-all") =>
  execFileSync(process.execPath, serverArgs(flag), { encoding: "utf8", timeout: 10_000 }).replace(/\u001b\[[0-9;]*m/g, "")

/** What @effect/cli adds to every command's help (the table names only --log-level, --help and --version of them). */
const CLI_BUILT_INS = ["--completions", "--wizard"]

describe("the flag table of docs/OPERATIONS.md", () => {
  it("names every flag of --help-all, and gives each whole-number flag the default --help-all gives", () => {
    const help = helpText()
    const sections = help.split(/\n(?= {2}--[a-z])/).filter((section) => section.startsWith("  --"))
    const inHelp = new Map(sections.map((section) => {
      const name = /^ {2}(--[a-z0-9-]+)/.exec(section)![1]!
      return [name, /\(default (\d+)\)/.exec(section)?.[1]] as const
    }))
    expect(inHelp.size).toBeGreaterThan(40)
    const missing = [...inHelp.keys()].filter((name) => !documented.has(name) && !CLI_BUILT_INS.includes(name))
    expect(missing, "in --help-all but not in the table").toEqual([])
    for (const name of documented.keys()) {
      if (["--log-level", "--help", "--help-all", "--version"].includes(name)) continue
      expect(inHelp.has(name), `${name} is in the table but not in --help-all`).toBe(true)
    }
    for (const [name, defaultValue] of inHelp) {
      if (defaultValue === undefined) continue
      const row = documented.get(name)!
      // A default derived from the machine (open-file limit) is described, not a number.
      if (!/^\d+$/.test(row)) continue
      expect(row, `${name}'s default`).toBe(defaultValue)
    }
  })

  it("has the gateway's table naming every flag of `gateway --help`", () => {
    const gatewayTable = currentGatewayFlagTable(operations)!
    const help = execFileSync(process.execPath, serverArgs("gateway", "--help"), { encoding: "utf8", timeout: 10_000 })
      .replace(/\u001b\[[0-9;]*m/g, "")
    const inHelp = [...help.matchAll(/^ {2}(--[a-z0-9-]+)/gm)].map((match) => match[1]!)
    expect(inHelp).toContain("--connect")
    expect(inHelp).toContain("--ws-token-file")
    const missing = inHelp.filter((name) => !gatewayTable.includes(`\`${name}`) && !CLI_BUILT_INS.includes(name))
    expect(missing, "in gateway --help but not in its table").toEqual([])
  })

  it("--help fits one 80×24 screen, the common flags one line each; --help-all has every flag, by purpose, in 80 columns", () => {
    const short = helpText("--help")
    const shortLines = short.trimEnd().split("\n")
    // 23 lines and the shell's prompt after them.
    expect(shortLines.length, short).toBeLessThanOrEqual(23)
    expect(shortLines.filter((line) => line.length > 80), "lines wider than 80").toEqual([])
    for (const name of ["--listen", "--ws-token-file", "--connect", "--sandbox-write", "--max-detach-ttl-ms", "--log-level"]) {
      expect(short).toMatch(new RegExp(`^ {2}${name} \\S+ +\\S`, "m"))
    }
    expect(short).toContain("exec-server --help-all")
    const all = helpText()
    expect(all.split("\n").filter((line) => line.length > 80), "lines wider than 80").toEqual([])
    // Every flag the server takes is an entry of its own (its names first on a line).
    const entries = [...all.matchAll(/^ {2}(?:-[a-z], )?--([a-z0-9-]+)/gm)].map((match) => match[1]!)
    for (const flag of Object.values(serverFlags)) expect(entries, `--${flag.name}`).toContain(flag.name)
    // By purpose, in this order; the NATS flags after the limits and the sandbox.
    const groups = ["Listening and authentication:", "Limits and lifetimes:", "Sandbox:", "Network:", "NATS (an executor: --connect):", "Logging:"]
    const at = groups.map((title) => all.indexOf(`\n${title}\n`))
    expect(at.every((index) => index > 0), groups.join(", ")).toBe(true)
    expect([...at].sort((a, b) => a - b)).toEqual(at)
    expect(all.indexOf("\n  --grace-ms")).toBeLessThan(all.indexOf("\n  --nats-creds"))
    expect(all.indexOf("\n  --grace-ms")).toBeGreaterThan(at[1]!)
    expect(all.indexOf("\n  --nats-creds")).toBeGreaterThan(at[4]!)
  })
})
