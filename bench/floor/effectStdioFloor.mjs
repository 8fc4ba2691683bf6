/**
 * Builds the Effect 4 floor of the cold start (`effectStdioServer.mjs`) as
 * the binary's startup snapshot is built (`scripts/build-startup-snapshot.mjs`,
 * `native/startup-snapshot.mjs`): one minified CommonJS bundle, evaluated
 * under `node --build-snapshot` with the server's V8 flags
 * (`ClientTransport.serverNodeFlags`) and, as the server's blob, without Node's
 * code cache of its built-in modules (`blobWays`' first way). Returns the
 * command that starts it.
 *
 *   node bench/floor/effectStdioFloor.mjs   # builds it and prints that command
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { blobWays, dropCodeCache } from "../../native/blobCodeCache.mjs"
// The binary's shebang flags, as the client library starts a server (stdioProcess.test.ts holds them equal).
import { serverNodeFlags } from "../../dist/client/ClientTransport.js"

const here = Path.dirname(fileURLToPath(import.meta.url))

/** Builds the floor's bundle and blob in a new directory; the command line that starts it from the blob. */
export const buildEffectStdioFloor = async () => {
  const dir = Fs.mkdtempSync(Path.join(tmpdir(), "effect-floor-"))
  const { build } = await import("esbuild")
  const bundle = Path.join(dir, "floor.cjs")
  await build({
    entryPoints: [Path.join(here, "effectStdioServer.mjs")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    outfile: bundle,
    logLevel: "warning"
  })
  const flags = serverNodeFlags
  const blob = Path.join(dir, "floor.blob")
  const config = Path.join(dir, "config.json")
  // As the server's blob is first built on this Node (native/startup-snapshot.mjs).
  const [way] = blobWays()
  Fs.writeFileSync(config, JSON.stringify({ builder: bundle, withoutCodeCache: way === "cleared" }))
  const built = spawnSync(process.execPath, [...flags, "--snapshot-blob", blob, "--build-snapshot-config", config], { cwd: dir, encoding: "utf8" })
  if (built.status !== 0 || !Fs.existsSync(blob)) throw new Error(`the Effect floor's snapshot was not built: ${built.stderr}`)
  if (way === "dropped" && dropCodeCache(blob) === 0) throw new Error("the Effect floor's blob does not end with Node's code cache")
  return { dir, command: [process.execPath, ...flags, "--snapshot-blob", blob, "--"], blobBytes: Fs.statSync(blob).size }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { command, blobBytes } = await buildEffectStdioFloor()
  console.log(command.join(" "))
  console.error(`blob: ${blobBytes} bytes`)
}
