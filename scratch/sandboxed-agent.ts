/**
 * Handing a workspace to an agent: every command and file call of this
 * client runs in a sandbox that may write only the workspace, with no
 * network. Writes elsewhere fail with "Read-only file system" and the exit
 * says `sandboxDenied`; an fs call outside is refused with a typed error.
 * Needs bubblewrap (Debian: apt-get install bubblewrap).
 * Run: npx tsx scratch/sandboxed-agent.ts
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { homedir, tmpdir } from "node:os"
import * as Path from "node:path"
import { ExecServerClient } from "../src/index.js"

const workspace = mkdtempSync(Path.join(tmpdir(), "agent-workspace-"))
const outside = Path.join(homedir(), `agent-outside-${process.pid}.txt`)

const program = Effect.gen(function*() {
  const client = yield* ExecServerClient.ExecServerClient
  const inside = yield* client.exec(["sh", "-c", "echo notes > notes.txt && cat notes.txt"], { cwd: workspace })
  console.log("inside:", inside.exitCode, Buffer.from(inside.stdout).toString().trim())
  const escape = yield* client.exec(["sh", "-c", `echo secret > ${outside}`], { cwd: workspace })
  console.log("outside:", escape.exitCode, Buffer.from(escape.stderr).toString().trim(), "sandboxDenied:", escape.sandboxDenied)
  const refused = yield* client.fs.writeFile(outside, "via fs").pipe(Effect.flip)
  console.log("fs outside:", refused._tag, refused.message)
  // A network namespace of its own: no route anywhere ("Network is unreachable").
  const network = yield* client.exec(["bash", "-c", "exec 3<>/dev/tcp/1.1.1.1/53 && echo connected"], { cwd: workspace })
  console.log("network:", Buffer.from(network.stdout).toString().trim() || Buffer.from(network.stderr).toString().trim())
  if (inside.exitCode !== 0 || escape.exitCode === 0 || !escape.sandboxDenied) return yield* Effect.die("the sandbox did not hold")
}).pipe(
  Effect.provide(ExecServerClient.layerSpawnLocal({ sandbox: { writableRoots: [workspace] } })),
  Effect.ensuring(Effect.sync(() => rmSync(workspace, { recursive: true, force: true })))
)

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exit(1)
})
