/**
 * A vitest global setup for the projects that run the server from src/ in
 * their own process: bundles src/fs/worker.ts (the sandboxed file system's
 * worker, a script of its own that bubblewrap starts) as `npm run build`
 * does dist/fs/worker.js, into a directory of this run's, so that their
 * sandboxed `fs/*` calls run the sources too, never a stale or missing
 * dist/. fsWorkerFromSources.ts gives it to each file's servers.
 */
import { build } from "esbuild"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    /** The bundle of src/fs/worker.ts this run's in-process servers start their workers from. */
    readonly fsWorkerScript: string
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(Path.join(tmpdir(), "exec-server-fs-worker-"))
  const script = Path.join(dir, "worker.js")
  await build({
    entryPoints: [fileURLToPath(new URL("../../src/fs/worker.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: script,
    logLevel: "warning"
  })
  project.provide("fsWorkerScript", script)
  return () => rmSync(dir, { recursive: true, force: true })
}
