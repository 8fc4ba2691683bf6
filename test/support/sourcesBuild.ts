/**
 * A vitest global setup for the projects that run the server from src/ in
 * their own process: builds what `npm run build` makes beside the code and a
 * server reads at run time, into a directory of this run's, so that their
 * servers run the sources there too, never a stale or missing dist/:
 * - src/fs/worker.ts (the sandboxed file system's worker, a script of its
 *   own that bubblewrap starts), bundled as dist/fs/worker.js is;
 * - the web console's page (src/console/page), built as
 *   dist/console/static is, by scripts/build-console.mjs.
 * fromSources.ts gives them to each file's servers.
 */
import { build } from "esbuild"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    /** The bundle of src/fs/worker.ts this run's in-process servers start their workers from. */
    readonly fsWorkerScript: string
    /** The build of the console's page this run's in-process servers serve. */
    readonly consoleStaticDirectory: string
  }
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(Path.join(tmpdir(), "exec-server-from-sources-"))
  const script = Path.join(dir, "worker.js")
  const consoleStatic = Path.join(dir, "console", "static")
  await Promise.all([
    build({
      entryPoints: [Path.join(ROOT, "src/fs/worker.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: script,
      logLevel: "warning"
    }),
    // The build's own script: the page is built here as it is for dist/.
    promisify(execFile)(process.execPath, [Path.join(ROOT, "scripts/build-console.mjs"), consoleStatic], { cwd: ROOT })
  ])
  project.provide("fsWorkerScript", script)
  project.provide("consoleStaticDirectory", consoleStatic)
  return () => rmSync(dir, { recursive: true, force: true })
}
