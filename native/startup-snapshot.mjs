// Builds the startup snapshots: Node's heap after loading and evaluating
// the server's JavaScript (dist/cli/startup-snapshot.cjs), from which the launcher
// (dist/cli/exec-server) starts the server about a tenth of a second
// sooner, and the client's (dist/cli/client-startup-snapshot.cjs), from which it
// starts the client's commands (exec, attach, ...). A blob is only valid
// for the Node binary and the V8 flags it was built with, so it is built
// here, on the installing machine, and stamped with what the launcher
// compares before using it:
//   "<device> <inode> <size> <mtime seconds> <directory> <V8 flags>"
// of the Node binary, dist/cli and the flags it was built with (Node
// refuses a blob under other flags, and the server would not start).
// Without a blob (a build that failed, an install without scripts, another
// Node) the launcher starts the command from its modules. Run again after
// changing Node: node native/startup-snapshot.mjs
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { blobWays, dropCodeCache } from "./blobCodeCache.mjs"

const dir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../dist/cli")

// Before the first build (a fresh clone's install) there is nothing to snapshot yet.
if (!Fs.existsSync(Path.join(dir, "startup-snapshot.cjs"))) process.exit(0)

const version = JSON.parse(Fs.readFileSync(Path.resolve(dir, "../../package.json"), "utf8")).version
const node = Fs.statSync(process.execPath)

/**
 * Builds `next` from `bundle` under `flags` and runs it: `--version`, then
 * `check` (a command line, and whether what it did is right) when given.
 * `way`, as to Node's code cache of its built-in modules, which is a third
 * of a blob: "cleared", "dropped" or "cached" (native/blobCodeCache.mjs's
 * `blobWays`). Returns undefined once `next` is good, else why not (and
 * removes it).
 */
const makeBlob = ({ bundle, next, flags, way, check }) => {
  let config
  if (way === "cleared") {
    config = Fs.mkdtempSync(Path.join(tmpdir(), "exec-server-snapshot-"))
    Fs.writeFileSync(Path.join(config, "config.json"), JSON.stringify({ builder: bundle, withoutCodeCache: true }))
  }
  const build = spawnSync(
    process.execPath,
    [
      ...flags,
      "--snapshot-blob",
      next,
      ...(config === undefined ? ["--build-snapshot", bundle] : ["--build-snapshot-config", Path.join(config, "config.json")])
    ],
    { cwd: dir, encoding: "utf8" }
  )
  if (config !== undefined) Fs.rmSync(config, { recursive: true, force: true })
  const failed = (why, detail) => {
    Fs.rmSync(next, { force: true })
    return { why, detail }
  }
  // From the error on: before it Node warns of built-in modules "not yet
  // fully verified" in snapshots (the checks below run the blob) and prints
  // the bundle's source line.
  const lines = (build.stderr ?? "").split("\n")
  const error = lines.findIndex((line) => /^\w*Error\b/.test(line))
  const output = lines.slice(error === -1 ? -20 : error).filter((line) => line.trim() !== "").join("\n")
  if (build.status !== 0 || !Fs.existsSync(next)) return failed(`node --build-snapshot exited with ${build.status ?? build.signal}`, output)
  if (way === "dropped" && dropCodeCache(next) === 0) return failed("the blob does not end with Node's code cache")
  const answer = spawnSync(process.execPath, [...flags, "--snapshot-blob", next, "--", "--version"], { encoding: "utf8" })
  if (answer.stdout.trim() !== version) {
    return failed(`the built snapshot answered ${JSON.stringify(answer.stdout.trim())} to --version`, answer.stderr.trim())
  }
  if (check !== undefined) {
    const ran = spawnSync(process.execPath, [...flags, "--snapshot-blob", next, "--", ...check.argv], {
      encoding: "utf8",
      timeout: 30_000,
      input: check.input
    })
    if (!check.right(ran)) {
      return failed(`the built snapshot ran \`${check.argv.join(" ")}\` to ${ran.status ?? ran.signal}`, (ran.stderr ?? "").trim())
    }
  }
  return undefined
}

/**
 * Builds `blob` the first of `ways` (see makeBlob) whose blob passes its
 * check, and stamps it; says why on stderr when none does (the launcher
 * then starts `who` from its modules). Node 22.23's "cleared" blobs crash
 * (SIGTRAP) once they compile a built-in module loaded after the start,
 * which `--version` does not.
 */
const build = ({ who, bundle, blob, flags, flagsFrom, ways, check }) => {
  const stamp = `${blob}.stamp`
  const fail = (why, detail = "") => {
    console.error(
      `effect-exec-server: the ${who}'s startup snapshot was not built (${why}); ` +
        `the ${who} will start from its modules, about a tenth of a second slower.` +
        (detail === "" ? "" : `\n${detail}`)
    )
    return false
  }
  Fs.rmSync(stamp, { force: true })
  Fs.rmSync(blob, { force: true })
  if (flags === undefined) return fail(`no V8 flags in ${flagsFrom}`)
  const next = `${blob}.next`
  let failure
  for (const way of ways) {
    failure = makeBlob({ bundle, next, flags, way, check })
    if (failure === undefined) break
  }
  if (failure !== undefined) return fail(failure.why, failure.detail)
  Fs.renameSync(next, blob)
  Fs.writeFileSync(stamp, `${node.dev} ${node.ino} ${node.size} ${Math.floor(node.mtimeMs / 1000)} ${dir} ${flags.join(" ")}\n`)
  return true
}

// The server's V8 flags are those of the binary's shebang, the client's the
// launcher's `client_flags`: a blob only loads under the flags it was built with.
const shebang = Fs.readFileSync(Path.join(dir, "main.js"), "utf8").split("\n", 1)[0]
const serverFlags = shebang.match(/^#!\/usr\/bin\/env -S node((?: --[^ ]+)*)$/)?.[1]?.trim().split(" ").filter(Boolean)
const clientFlags = /^client_flags="([^"]*)"$/m.exec(Fs.readFileSync(Path.join(dir, "exec-server"), "utf8"))?.[1]?.split(" ")

// Both without Node's code cache of its built-in modules, a third of a
// blob: Node reads a blob into memory whole and keeps it, so a start pays
// for every page of it (docs/PERFORMANCE.md, "The startup snapshot"), and
// both load few built-in modules after their start (the server's rehearsal
// loads the rest; the client, `ws`'s HTTP client): the ways of this Node.
const ways = blobWays()
build({
  who: "server",
  bundle: Path.join(dir, "startup-snapshot.cjs"),
  blob: Path.join(dir, "exec-server.blob"),
  flags: serverFlags,
  flagsFrom: `the first line of main.js: ${shebang}`,
  ways,
  // A stdio server answers initialize and ends with its input.
  check: {
    argv: ["--listen", "stdio://"],
    input: `{"id":1,"method":"initialize","params":{"clientName":"startup-snapshot"}}\n`,
    right: (ran) => ran.status === 0 && /^\{"id":1,"result":/.test(ran.stdout ?? "")
  }
})
build({
  who: "client",
  bundle: Path.join(dir, "client-startup-snapshot.cjs"),
  blob: Path.join(dir, "exec-server-client.blob"),
  flags: clientFlags,
  flagsFrom: "the launcher (client_flags=\"...\")",
  ways,
  // A connection refused: the client's WebSocket path (ws, node:http, node:net) runs and it
  // exits 1 with its message (port 1 is nobody's on a loopback interface).
  check: {
    argv: ["exec", "ws://127.0.0.1:1", "--", "true"],
    right: (ran) => ran.status === 1 && /cannot connect/.test(ran.stderr ?? "")
  }
})
