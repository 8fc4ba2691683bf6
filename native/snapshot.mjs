// Builds the server's startup snapshot: Node's heap after loading and
// evaluating the server's JavaScript (dist/cli/snapshot.cjs), from which
// the launcher (dist/cli/exec-server) starts the server about a tenth of a
// second sooner. A blob is only valid for the Node binary and the V8 flags
// it was built with, so it is built here, on the installing machine, and
// stamped with what the launcher compares before using it:
//   "<device> <inode> <size> <mtime seconds> <directory> <V8 flags>"
// of the Node binary, dist/cli and the flags it was built with (Node
// refuses a blob under other flags, and the server would not start).
// Without a blob (a build that failed, an install without scripts, another
// Node) the launcher starts the server from its modules. Run again after
// changing Node: node native/snapshot.mjs
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const dir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../dist/cli")
const bundle = Path.join(dir, "snapshot.cjs")
const blob = Path.join(dir, "exec-server.blob")
const stamp = `${blob}.stamp`

// Before the first build (a fresh clone's install) there is nothing to snapshot yet.
if (!Fs.existsSync(bundle)) process.exit(0)

const fail = (why, detail = "") => {
  console.error(
    `effect-exec-server: the startup snapshot was not built (${why}); ` +
      "the server will start from its modules, about a tenth of a second slower." +
      (detail === "" ? "" : `\n${detail}`)
  )
  process.exit(0)
}

// The V8 flags of the binary's shebang: the blob only loads under the flags it was built with.
const shebang = Fs.readFileSync(Path.join(dir, "main.js"), "utf8").split("\n", 1)[0]
const flags = shebang.match(/^#!\/usr\/bin\/env -S node((?: --[^ ]+)*)$/)?.[1]?.trim().split(" ").filter(Boolean)
if (flags === undefined) fail(`unexpected first line of main.js: ${shebang}`)

Fs.rmSync(stamp, { force: true })
Fs.rmSync(blob, { force: true })
const next = `${blob}.next`
const build = spawnSync(process.execPath, [...flags, "--snapshot-blob", next, "--build-snapshot", bundle], {
  cwd: dir,
  encoding: "utf8"
})
// From the error on: before it Node warns of built-in modules "not yet
// fully verified" in snapshots (the check below runs the blob) and prints
// the bundle's source line.
const lines = (build.stderr ?? "").split("\n")
const error = lines.findIndex((line) => /^\w*Error\b/.test(line))
const output = lines.slice(error === -1 ? -20 : error).filter((line) => line.trim() !== "").join("\n")
if (build.status !== 0 || !Fs.existsSync(next)) fail(`node --build-snapshot exited with ${build.status ?? build.signal}`, output)

const version = JSON.parse(Fs.readFileSync(Path.resolve(dir, "../../package.json"), "utf8")).version
const check = spawnSync(process.execPath, [...flags, "--snapshot-blob", next, "--", "--version"], { encoding: "utf8" })
if (check.stdout.trim() !== version) {
  Fs.rmSync(next, { force: true })
  fail(`the built snapshot answered ${JSON.stringify(check.stdout.trim())} to --version`, check.stderr.trim())
}

const node = Fs.statSync(process.execPath)
Fs.renameSync(next, blob)
Fs.writeFileSync(stamp, `${node.dev} ${node.ino} ${node.size} ${Math.floor(node.mtimeMs / 1000)} ${dir} ${flags.join(" ")}\n`)
