/**
 * The built server run as another user (nobody, 65534, through setpriv), as
 * root can, for the tests that need a server of another uid than theirs.
 * That user must reach this Node and the build: a clone inside a directory
 * only its owner can enter (as `mktemp -d` makes, or root's home) is out of
 * its reach, so it gets a copy (hard links where the file system allows)
 * under a directory it can enter, started from its modules (the startup
 * snapshot is built for this directory only).
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll } from "vitest"
import { serverNodeFlags } from "../../src/client/ClientTransport.js"
import { AS_NOBODY, nobodyReaches } from "./asNobody.js"
import { serverArgs } from "./StdioServer.js"

/** A server's command as nobody: `through` runs `server` (its program and the words before the server's flags) as that user. */
export interface NobodyServer {
  readonly through: ReadonlyArray<string>
  readonly server: ReadonlyArray<string>
  /** The Node that `server` runs on, which nobody can run too (for the server's children). */
  readonly node: string
}

const ROOT = Path.resolve(import.meta.dirname, "../..")

/** What the server needs of the package, as an install has it. */
const INSTALLED = ["package.json", "dist", "node_modules", "build"]

/** `from` at `to`: hard links (the same files, no space taken), or a copy where `to` is on another file system. */
const linkTree = (from: string, to: string): void => {
  if (spawnSync("cp", ["-al", from, to]).status === 0) return
  Fs.rmSync(to, { recursive: true, force: true })
  execFileSync("cp", ["-a", from, to])
}

/**
 * Returns the way to start a server as nobody in the calling file's tests,
 * made at the first call: this Node and the build where nobody reaches
 * them, else a copy it can read (removed after the file), else a sentence
 * saying why there is none, for the test to skip with. Not root, there is no
 * other user to be: the server runs as this one.
 */
export const useNobodyServer = (): () => NobodyServer | string => {
  let made: NobodyServer | string | undefined
  let copy: string | undefined
  afterAll(() => {
    if (copy !== undefined) Fs.rmSync(copy, { recursive: true, force: true })
  })
  const make = (): NobodyServer | string => {
    const asIs = { through: AS_NOBODY, server: [process.execPath, ...serverArgs()], node: process.execPath }
    if (process.getuid?.() !== 0) return { ...asIs, through: [] }
    const [program, ...args] = asIs.server
    if (nobodyReaches(program!, args.filter((arg) => Path.isAbsolute(arg)))) return asIs
    copy = Fs.mkdtempSync(Path.join(Os.tmpdir(), "exec-server-as-nobody-"))
    Fs.chmodSync(copy, 0o755)
    for (const entry of INSTALLED) linkTree(Path.join(ROOT, entry), Path.join(copy, entry))
    const node = process.execPath.startsWith(ROOT + Path.sep) ? Path.join(copy, Path.relative(ROOT, process.execPath)) : process.execPath
    const main = Path.join(copy, "dist/cli/main.js")
    if (!nobodyReaches(node, [main])) {
      return `nobody (uid 65534) can reach neither ${ROOT} nor a copy of it in ${Os.tmpdir()}, nor this Node (${node})`
    }
    return { through: AS_NOBODY, server: [node, ...serverNodeFlags, main], node }
  }
  return () => made ??= make()
}
